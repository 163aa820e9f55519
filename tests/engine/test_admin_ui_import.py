"""The admin UI's people-import CSV run over HTTP (#15 section 5): each user gets exactly the skills,
queues, title, department, manager and division the file lists, and nothing else changes: a blank
cell leaves a field alone, a queue not listed is not left, a skill not listed is kept."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from helpers.engine import email, run_spec

JOB = Path(__file__).resolve().parents[2] / "jobs" / "admin-ui-import.csv"


def _snapshot(s: Any) -> dict[str, dict[str, Any]]:
    """Per email: the fields bulkops may touch, skills by name, queues by name."""
    queues = {name: s.queue_member_ids(qid) for name, qid in s.queue_ids_by_name().items()}
    out = {}
    for uid in s.user_ids():
        u = s.user(uid)
        out[u["email"]] = {
            "id": uid,
            "title": u.get("title"),
            "department": u.get("department"),
            "manager": (u.get("manager") or {}).get("id"),
            "division": u["division"]["name"],
            "skills": {k["name"]: k["proficiency"] for k in u.get("skills", [])},
            "queues": {name for name, members in queues.items() if uid in members},
        }
    return out


def _expected(before: dict[str, dict[str, Any]], rows: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    """What the file asks, applied with bulkops's semantics to the state before."""
    want = {e: {**v, "skills": dict(v["skills"]), "queues": set(v["queues"])} for e, v in before.items()}
    for row in rows:
        u = want[row["email"]]
        for column in ("title", "department", "division"):
            if row[column]:
                u[column] = row[column]
        if row["email_manager"]:
            u["manager"] = before[row["email_manager"]]["id"]
        u["queues"] |= {q.strip() for q in row["queues"].split(",") if q.strip()}
        for pair in filter(None, (p.strip() for p in row["skills"].split(","))):
            name, _, level = pair.rpartition(":")
            if level == "-":
                u["skills"].pop(name, None)
            else:
                u["skills"][name] = float(level)
    return want


async def test_the_example_admin_ui_file_sets_exactly_what_it_lists(sim, tmp_path: Path) -> None:
    s = sim.sim
    with JOB.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    before = _snapshot(s)
    # the file must change something in every column it applies, and leave blanks on some rows
    assert any(before[r["email"]]["title"] != r["title"] for r in rows if r["title"])
    assert any(not r["title"] for r in rows) and any(not r["skills"] for r in rows) and any(not r["queues"] for r in rows)

    want = _expected(before, rows)
    for key in ("title", "department", "manager", "division", "queues", "skills"):
        assert any(want[e][key] != before[e][key] for e in want), key
    assert any(set(before[e]["skills"]) - set(want[e]["skills"]) for e in want)  # an explicit Skill:- takes one away

    _, result, _ = await run_spec(sim, JOB, tmp_path / "state")

    assert not result.stopped and result.error is None
    assert _snapshot(s) == want


async def test_blank_cells_leave_every_field_alone(sim, tmp_path: Path) -> None:
    s = sim.sim
    spec = tmp_path / "people.csv"
    spec.write_text(
        "name,email,phone_work,extension,title,department,email_manager,location_work,roles_divisions,queues,division,skills\n"
        f"Only A Title,{email(70)},+1 555,,Night Shift Lead,,,Remote,Employee:Home,,,\n"
        f"Nothing At All,{email(71)},,,,,,,,,,\n"
        f'Only Skills,{email(72)},,,,,,,,,,"Billing:2,Sales:3"\n',
        encoding="utf-8",
    )
    before = _snapshot(s)
    await run_spec(sim, spec, tmp_path / "state")
    after = _snapshot(s)
    assert after[email(70)] == {**before[email(70)], "title": "Night Shift Lead"}
    assert after[email(71)] == before[email(71)]
    assert after[email(72)] == {**before[email(72)], "skills": {**before[email(72)]["skills"], "Billing": 2.0, "Sales": 3.0}}
    assert {e: v for e, v in after.items() if e not in (email(70), email(72))} == {e: v for e, v in before.items() if e not in (email(70), email(72))}
