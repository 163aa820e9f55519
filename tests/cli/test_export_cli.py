"""``bulkops export`` from the command line in-process against the simulator over HTTP (#30 §1):
the org as a wide CSV, a long CSV or a JSON document that ``plan`` reads back as nothing to
change (no write sent); one cell edited and plan shows exactly that change; the export costs the
listing and the catalogues, counted at the simulator; formula-looking values neutralised yet
read back as they are; selections by division, skill, department and queue."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from bulkops.cli.export import ListingProgress
from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.simulator import SimConfig, Simulator

#: Requests that only read (the token, the analytics and search queries are POSTs that read).
READ_POSTS = ("/oauth/token", "/query", "/search")


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def writes(sim: Simulator) -> int:
    routes = sim.stats()["byRoute"]
    return sum(r["total"] for key, r in routes.items() if not key.startswith(("GET ", "HEAD ")) and not (key.startswith("POST ") and key.endswith(READ_POSTS)))


def routes_hit(sim: Simulator) -> dict[str, int]:
    return {key: r["total"] for key, r in sim.stats()["byRoute"].items()}


def export(sim: Simulator, url: str, out: Path, *args: str) -> Result:
    result = invoke(sim, "export", "--base-url", url, "--rps", "1000", "--out", str(out), *args)
    assert result.exit_code == exitcodes.OK, result.output
    return result


def plan_json(sim: Simulator, url: str, spec: Path) -> dict:
    result = invoke(sim, "plan", str(spec), "--base-url", url, "--rps", "1000", "--json", "--detail", "50")
    assert result.exit_code == exitcodes.OK, result.output
    return orjson.loads(result.stdout)


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def catalogue_and_listing(spent: dict[str, int], users: int) -> dict[str, int]:
    """What an export may spend: the token, one listing request a 500 users, one page of each catalogue."""
    return {
        "POST /oauth/token": 1,
        "GET /api/v2/users/query": math.ceil(users / 500),
        "GET /api/v2/routing/skills": 1,
        "GET /api/v2/routing/languages": 1,
        "GET /api/v2/authorization/divisions": 1,
    }


def test_a_wide_export_reads_back_as_nothing_to_change_and_one_edited_cell_as_that_change(org, tmp_path):
    sim, url = org
    out = tmp_path / "org.csv"
    before = routes_hit(sim)
    said = export(sim, url, out)
    spent = {k: v - before.get(k, 0) for k, v in routes_hit(sim).items() if v - before.get(k, 0)}
    assert spent == catalogue_and_listing(spent, len(sim.org.users))  # the listing and the catalogues only
    table = rows(out)
    header, body = table[0], table[1:]
    assert header[0] == "email" and header[-4:] == ["@department", "@title", "@manager", "@division"]
    assert len(body) == len(sim.org.users) and f"exported {len(body)} of {len(body)} users" in said.stderr
    # The file states the org: a user's skills by name, the manager by email, the division by name.
    user = next(u for u in sim.org.users.values() if u.manager_id and u.skills)
    row = next(r for r in body if r[0] == user.email)
    cells = dict(zip(header, row))
    for sid, level in user.skills.items():
        assert float(cells[sim.org.skills[sid].name]) == level
    assert cells["@manager"] == sim.org.users[user.manager_id].email
    assert cells["@division"] == sim.org.divisions[user.division_id].name
    assert cells["@department"] == user.department

    written = writes(sim)
    plan = plan_json(sim, url, out)
    assert plan["users_changing"] == 0 and plan["users_unchanged"] == len(body) and plan["users_not_seen"] == 0
    assert writes(sim) == written  # plan reads only

    # One cell edited: that user, that skill, nothing else.
    skill = next(h for h in header[1:] if not h.startswith(("lang:", "@")) and cells.get(h))
    new = "1" if cells[skill] != "1" else "2"
    row[header.index(skill)] = new
    with out.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *body])
    plan = plan_json(sim, url, out)
    assert plan["users_changing"] == 1
    (changed,) = plan["users"]
    assert changed["email"] == user.email
    sid = next(s.id for s in sim.org.skills.values() if s.name == skill)
    assert changed["changes"] == {"upsert_skills": {sid: float(new)}}


@pytest.mark.parametrize("form", ["long", "json"])
def test_the_long_and_json_forms_read_back_as_nothing_to_change(org, tmp_path, form):
    sim, url = org
    out = tmp_path / f"org.{'csv' if form == 'long' else 'json'}"
    export(sim, url, out, "--format", form)
    if form == "json":
        doc = orjson.loads(out.read_bytes())
        assert doc["version"] == 2 and doc["mode"] == "merge" and len(doc["users"]) == len(sim.org.users)
    else:
        assert rows(out)[0] == ["email", "skill", "proficiency"]
    written = writes(sim)
    plan = plan_json(sim, url, out)
    assert plan["users_changing"] == 0 and plan["users_not_seen"] == 0
    assert writes(sim) == written


def test_the_json_form_states_queue_membership_and_the_default_utilization_as_state(org, tmp_path):
    """The JSON form's sections: each user's direct queues (``joinQueues``), each queue's settings and
    the org's default utilization read back as nothing to change (plan --detailed-exitcode 0); a queue
    added to one user, a queue's setting or a capacity changed, is exactly that change (2)."""
    sim, url = org
    out = tmp_path / "org.json"
    before = routes_hit(sim)
    export(sim, url, out, "--format", "json")
    spent = {k: v - before.get(k, 0) for k, v in routes_hit(sim).items() if v - before.get(k, 0)}
    members = [key for key in spent if key.endswith("/members")]
    assert members and not writes(sim)  # the sections' reads: each queue's members, the default utilization
    doc = orjson.loads(out.read_bytes())
    direct = {sim.org.users[uid].email: q.name for q in sim.org.queues.values() for uid in q.members}
    assert direct, "the default org has direct queue members"
    by_email = {u["user"]: u for u in doc["users"]}
    for email, queue in direct.items():
        assert queue in by_email[email]["joinQueues"]
    assert set(doc["utilizationDefault"]["media"]) <= {"call", "callback", "chat", "email", "message"}
    assert {q["queue"] for q in doc["queues"]} == {q.name for q in sim.org.queues.values()}
    written = writes(sim)
    plan = invoke(sim, "plan", str(out), "--base-url", url, "--rps", "1000", "--detailed-exitcode")
    assert plan.exit_code == exitcodes.OK, plan.output
    assert "0 to change" in plan.output
    # One user joins one more queue: that, and nothing else.
    user = next(u for u in doc["users"] if "joinQueues" in u)
    other = next(q.name for q in sim.org.queues.values() if q.name not in user["joinQueues"])
    user["joinQueues"].append(other)
    out.write_bytes(orjson.dumps(doc))
    plan = plan_json(sim, url, out)
    assert plan["users_changing"] == 1 and plan["users"][0]["email"] == user["user"]
    assert list(plan["users"][0]["changes"]) == ["join_queues"]
    user["joinQueues"].remove(other)
    # One queue setting: that queue's line, nothing else.
    entry = doc["queues"][0]
    entry["skillEvaluationMethod"] = "ALL" if entry["skillEvaluationMethod"] != "ALL" else "BEST"
    out.write_bytes(orjson.dumps(doc))
    settings = plan_json(sim, url, out)["queue_settings"]
    assert [(q["queue"], [c["setting"] for c in q["settings"]]) for q in settings if q["settings"]] == [(entry["queue"], ["skillEvaluationMethod"])]
    entry["skillEvaluationMethod"] = {"ALL": "BEST", "BEST": "ALL"}[entry["skillEvaluationMethod"]]
    media = next(iter(doc["utilizationDefault"]["media"].values()))
    media["maximumCapacity"] = (media["maximumCapacity"] % 25) + 1
    out.write_bytes(orjson.dumps(doc))
    changed = invoke(sim, "plan", str(out), "--base-url", url, "--rps", "1000", "--detailed-exitcode")
    assert changed.exit_code == exitcodes.WOULD_CHANGE, changed.output
    assert writes(sim) == written


def test_formula_looking_values_are_neutralised_and_read_back_as_they_are(org, tmp_path):
    sim, url = org
    users = list(sim.org.users.values())
    users[0].department = '=HYPERLINK("http://x","y")'
    users[1].title = "+1 Lead"
    users[2].title = "@home"
    out = tmp_path / "org.csv"
    export(sim, url, out)
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'+1 Lead" in text and "'@home" in text
    for line in text.splitlines():
        assert not any(
            cell.startswith(("=", "+", "@")) for cell in next(csv.reader([line]))[1:] if cell not in ("@department", "@title", "@manager", "@division")
        )
    plan = plan_json(sim, url, out)
    assert plan["users_changing"] == 0 and plan["users_not_seen"] == 0


def test_selections_keep_the_users_that_match_each_of_them(org, tmp_path):
    sim, url = org
    division = next(iter(sim.org.divisions.values()))
    skill = next(iter(sim.org.skills.values()))
    expect = {u.email for u in sim.org.users.values() if u.division_id == division.id and skill.id in u.skills}
    assert expect, "the default org has users in the first division with the first skill"
    out = tmp_path / "some.csv"
    export(sim, url, out, "--division", division.name, "--skill", skill.name.upper())
    assert {r[0] for r in rows(out)[1:]} == expect

    department = next(iter(sim.org.users.values())).department
    export(sim, url, out, "--department", department, "--format", "json")
    assert {u["user"] for u in orjson.loads(out.read_bytes())["users"]} == {u.email for u in sim.org.users.values() if u.department == department}

    queue = next(q for q in sim.org.queues.values() if q.members)
    export(sim, url, out, "--queue", queue.name, "--format", "long")
    members = {sim.org.users[uid].email for uid in queue.members if sim.org.users[uid].skills or sim.org.users[uid].languages}
    assert {r[0] for r in rows(out)[1:]} == members


def test_a_selection_naming_what_the_org_lacks_is_refused_and_writes_no_file(org, tmp_path):
    sim, url = org
    out = tmp_path / "none.csv"
    result = invoke(sim, "export", "--base-url", url, "--out", str(out), "--division", "Nowhere Land")
    assert result.exit_code == exitcodes.USAGE
    assert "the org has no division 'Nowhere Land'" in result.output
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_larger_org_round_trips_within_the_listing_and_the_catalogues(served, tmp_path):
    """The issue's figure at test size: 2,000 users exported in ceil(2000/500) = 4 listing requests plus
    the catalogues, planned back as nothing to change, then one edited cell as exactly one user. The
    20,000-user figure is scripts/bench_export.py's (docs/benchmarks.md): a minute here on a busy machine."""
    sim, url = served
    sim.reset(SimConfig(users=2_000, seed=7))
    try:
        out = tmp_path / "big.csv"
        before = routes_hit(sim)
        export(sim, url, out)
        spent = {k: v - before.get(k, 0) for k, v in routes_hit(sim).items() if v - before.get(k, 0)}
        assert spent == catalogue_and_listing(spent, 2_000)
        written = writes(sim)
        assert plan_json(sim, url, out)["users_changing"] == 0
        table = rows(out)
        at = table[0].index("@title")
        table[1][at] = "Night Shift Lead"
        with out.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows(table)
        plan = plan_json(sim, url, out)
        assert plan["users_changing"] == 1 and plan["users"][0]["changes"] == {"fields": {"title": "Night Shift Lead"}}
        assert writes(sim) == written
    finally:
        sim.reset(SimConfig())


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_rewrites_one_line_on_a_terminal_and_writes_a_line_now_and_then_otherwise():
    tty = _Terminal()
    progress = ListingProgress(tty)
    progress(500, 10)
    progress(1000, 20)
    progress.end()
    assert tty.getvalue() == "\rexport: 500 users listed, 10 kept\rexport: 1000 users listed, 20 kept\n"
    plain = io.StringIO()
    progress = ListingProgress(plain, every=3600)
    progress(500, 10)
    progress(1000, 20)  # within the interval: not repeated
    progress.end()
    assert plain.getvalue() == "export: 500 users listed, 10 kept\n"


def test_an_unreachable_api_ends_the_export_with_no_file(org, tmp_path):
    sim, _ = org
    out = tmp_path / "org.csv"
    result = invoke(sim, "export", "--base-url", "http://127.0.0.1:9", "--retry-budget", "1", "--out", str(out))
    assert result.exit_code == exitcodes.CANNOT_CONNECT, result.output  # nothing ever answered there (#28 §5)
    assert "run the same command again" in result.output
    assert not list(tmp_path.iterdir())  # neither the file nor its temporary
