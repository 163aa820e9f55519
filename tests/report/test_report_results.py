"""Result files against a real run on the simulator: every outcome, the errors, the retry spec."""

from __future__ import annotations

import csv
import io
import math

import orjson
from reporthelpers import email, run_job, write_jsonl

from bulkops.engine.run.options import RunOptions
from bulkops.report.files import write_results
from bulkops.report.retry import spec_user
from bulkops.simulator import SimConfig
from bulkops.spec import open_spec
from bulkops.state.ndjson import read_ndjson
from bulkops.state.reconciliation import ReconciliationQueue
from bulkops.state.store import RunStore


def read_csv(path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # spreadsheets read UTF-8 right with the BOM
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def last_lines(paths) -> dict[str, dict]:
    return {r["user_id"]: r for r in read_ndjson(paths.audit)}


async def mixed_run(sim, tmp_path):
    """Users 0-5 applied, 6-7 unchanged, 8 failed (skill made inactive after validation), 9 in reconciliation."""
    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    names = list(s.skill_ids_by_name())
    good, doomed = names[0], names[1]
    users = [{"user": email(i), "skills": {good: 4.5}, "removeSkills": [names[2]]} for i in range(6)]
    for i in (6, 7):  # already right: set a skill to what the user holds (or give one if none)
        held = s.user(by_email[email(i)])["skills"]
        users.append(
            {"user": email(i), "skills": {h["name"]: h["proficiency"] for h in held[:1]}}
            if held
            else {"user": email(i), "title": s.user(by_email[email(i)])["title"]}
        )
    users.append({"user": email(8), "skills": {doomed: 2}})
    users.append({"user": email(9), "skills": {good: 1}, "title": "Team Lead"})
    spec = write_jsonl(tmp_path / "mixed.jsonl", users)

    def sabotage() -> None:
        s.set_skill_state(s.skill_ids_by_name()[doomed], "inactive")
        s.configure(always_conflict=[by_email[email(9)]])

    setup, summary = await run_job(sim, spec, tmp_path / "state", before_execute=sabotage)
    return setup, summary, by_email, names


async def test_the_result_files_hold_each_user_with_its_outcome_error_and_changes(sim, tmp_path):
    setup, summary, by_email, names = await mixed_run(sim, tmp_path)
    s = sim.sim
    assert summary["users"] == {"applied": 6, "unchanged": 2, "reconciliation": 1, "failed": 1, "total": 10}
    by_pass = read_csv(setup.paths.root / "results" / "applied.csv")  # as the pass wrote them: names from the job's catalogue
    assert by_pass and all(f"{names[0]}=4.5" in r["skills_set"].split("; ") for r in by_pass)
    written = write_results(setup.paths)
    folder = setup.paths.root / "results"
    assert written.folder == folder
    audit = last_lines(setup.paths)

    applied = read_csv(folder / "applied.csv")
    assert {r["user_id"] for r in applied} == {by_email[email(i)] for i in range(6)}
    good_id, gone_id = s.skill_ids_by_name()[names[0]], s.skill_ids_by_name()[names[2]]
    for row in applied:
        line = audit[row["user_id"]]
        assert row["email"] == line["email"] and row["outcome"] == "applied" and row["run_id"] == line["run_id"]
        assert float(row["requests"]) == line["requests"] and int(row["attempts"]) == line["attempts"] == 1
        assert float(row["latency_ms"]) == line["latency_ms"]
        assert f"{good_id}=4.5" in row["skills_set"].split("; ")
        held_before = line["before"]["skills"]
        assert row["skills_removed"] == (gone_id if gone_id in held_before else "")

    unchanged = read_csv(folder / "unchanged.csv")
    assert {r["user_id"] for r in unchanged} == {by_email[email(i)] for i in (6, 7)}
    assert all(r["requests"] == "0" and r["skills_set"] == "" for r in unchanged)

    (failed,) = read_csv(folder / "failed.csv")
    line = audit[by_email[email(8)]]
    op = next(o for o in line["ops"] if not o["ok"])
    assert failed["user_id"] == by_email[email(8)] and failed["reason"] == "the API refused a write"
    assert failed["error_status"] == "400" == str(line["error"]["status"]) and failed["error_code"] == op["code"] == line["error"]["code"]
    assert "inactive" in failed["error_message"] and failed["error_message"] == line["error"]["message"]

    rec = read_csv(folder / "reconciliation.csv")
    # The queue holds what needs a person: the refused write as well as the conflict.
    assert {r["user_id"]: r["outcome"] for r in rec} == {by_email[email(8)]: "failed", by_email[email(9)]: "reconciliation"}
    stuck = next(r for r in rec if r["user_id"] == by_email[email(9)])
    assert (stuck["outcome"], stuck["error_status"], stuck["error_code"], stuck["attempts"]) == ("reconciliation", "409", "general.conflict", "3")
    assert stuck["fields"] == "title=Team Lead" and stuck["skills_set"] == f"{good_id}=1" and stuck["queued_at"].endswith("Z")

    assert read_csv(folder / "unprocessed.csv") == []
    assert written.rows == {"applied.csv": 6, "unchanged.csv": 2, "failed.csv": 1, "reconciliation.csv": 2, "unprocessed.csv": 0, "retry-spec.jsonl": 2}


async def test_the_retry_spec_is_a_valid_job_spec_that_a_new_run_applies(sim, tmp_path):
    setup, _, by_email, names = await mixed_run(sim, tmp_path)
    s = sim.sim
    retry = write_results(setup.paths).files["retry-spec.jsonl"]
    opened = open_spec(retry)
    assert opened.format == "jsonl" and opened.mode == "merge"
    assert opened.validate() == []
    assert {i.user for i in opened.intents()} == {by_email[email(8)], by_email[email(9)]}

    # Once the cause is gone, the retry spec runs as a job of its own and both users end applied.
    s.set_skill_state(s.skill_ids_by_name()[names[1]], "active")
    s.configure(always_conflict=[])
    second, summary = await run_job(sim, retry, tmp_path / "state")
    assert summary["users"] == {"applied": 2, "total": 2}
    assert s.user(by_email[email(9)])["title"] == "Team Lead"
    assert {x["id"]: x["proficiency"] for x in s.user(by_email[email(8)])["skills"]}[s.skill_ids_by_name()[names[1]]] == 2.0
    # ... and that job's own retry spec is gone: nobody needs another pass.
    assert "retry-spec.jsonl" not in write_results(second.paths).files


async def test_an_aborted_run_lists_the_users_it_never_reached(sim, tmp_path):
    sim.sim.reset(SimConfig(users=120, seed=4))
    names = list(sim.sim.skill_ids_by_name())[:2]
    spec = write_jsonl(tmp_path / "big.jsonl", [{"user": email(i), "skills": {names[0]: 3, names[1]: 1}} for i in range(120)])
    engines = []

    def progress(counters):
        if counters.handled >= 30 and engines:
            engines[0].request_stop()

    setup, summary = await run_job(
        sim, spec, tmp_path / "state", options=RunOptions(workers=4, conflict_delay=0.0, page_size=25), on_progress=progress, on_engine=engines.append
    )
    assert summary["status"] == "stopped"
    store = RunStore.open(setup.paths.db)
    open_ids = list(store.open_user_ids())
    store.close()
    assert open_ids
    write_results(setup.paths)
    rows = read_csv(setup.paths.root / "results" / "unprocessed.csv")
    assert [r["user_id"] for r in rows] == open_ids
    assert all(r["status"] in ("pending", "inflight") and int(r["spec_line"]) >= 1 and r["email"] == "" for r in rows)
    assert all(r["skills_set"].count("=") == 2 for r in rows)
    handled = read_csv(setup.paths.root / "results" / "applied.csv") + read_csv(setup.paths.root / "results" / "unchanged.csv")
    assert len(handled) + len(rows) == 120
    assert not set(open_ids) & {r["user_id"] for r in handled}


def test_spec_user_maps_every_stored_intent_key_to_the_json_spec_key():
    intent = {
        "user": "u1", "skills": {"s1": 2.0}, "remove_skills": ["s2"], "languages": {"l1": 3.0}, "remove_languages": ["l2"],
        "fields": {"title": "T", "manager": "u9", "department": "D"}, "division": "d1", "join_queues": ["q1"], "leave_queues": ["q2"], "line": 7,
    }  # fmt: skip
    assert spec_user(intent) == {
        "user": "u1", "skills": {"s1": 2.0}, "removeSkills": ["s2"], "languages": {"l1": 3.0}, "removeLanguages": ["l2"],
        "joinQueues": ["q1"], "leaveQueues": ["q2"], "department": "D", "manager": "u9", "title": "T", "division": "d1",
    }  # fmt: skip
    assert orjson.loads(orjson.dumps(spec_user({"user": "u2"}))) == {"user": "u2"}


def test_cells_a_spreadsheet_would_run_as_formulas_are_defused_and_names_replace_ids():
    from bulkops.report.files import csv_bytes
    from bulkops.report.results import change_cells

    text = csv_bytes(("a", "b", "c"), [{"a": "=HYPERLINK(1)", "b": 3, "c": None}]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [["a", "b", "c"], ["'=HYPERLINK(1)", "3", ""]]
    cells = change_cells(
        {"upsert_skills": {"s1": 2.0, "s2": 4.5}, "delete_skills": ["s3"], "fields": {"manager": "u1"}},
        {"s1": "Sales", "s2": "Billing", "s3": "Retention", "u1": "Ann"},
    )
    assert (cells["skills_set"], cells["skills_removed"], cells["fields"]) == ("Billing=4.5; Sales=2", "Retention", "manager=Ann")


def test_rows_streamed_into_a_csv_file_are_the_bytes_csv_bytes_writes(tmp_path):
    """The streamed writer's fast path (plain cells joined by commas) and its csv fallback give csv_bytes' bytes."""
    import random

    from bulkops.report.files import _CsvFile, csv_bytes

    rng = random.Random(3)
    alphabet = ["a", "é", " ", ",", '"', "\r", "\n", "=", "-", "+", "@", "\t", ";", "'"]
    values = [None, 0, 3, 4.5, -2.0, 1e-7, True, "", "plain"]
    columns = ("a", "b", "c", "d")
    rows = [
        {c: rng.choice(values) if rng.random() < 0.4 else "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for c in columns} for _ in range(3000)
    ]
    path = tmp_path / "out.csv"
    with _CsvFile(path, columns) as out:
        for row in rows:
            out.write(row)
        out.commit()
    assert path.read_bytes() == csv_bytes(columns, rows)
    assert not (tmp_path / "out.csv.tmp").exists()


def test_each_user_shows_its_last_line_in_the_order_of_its_first(tmp_path):
    """A job folder written by hand: users over two passes, a dropped user, a damaged line."""
    from bulkops.domain.model import UserIntent
    from bulkops.report.files import write_report
    from bulkops.report.load import load_job
    from bulkops.report.timeline import build_figures
    from bulkops.state.layout import RunPaths

    paths = RunPaths(tmp_path / "job")
    store = RunStore.create(paths.db, {"job_id": "job", "mode": "merge"})
    store.add_intents(UserIntent(user=u, skills={"s1": 3.0}, line=i + 2) for i, u in enumerate(("u1", "u2", "u3", "u4", "u5")))
    for u, outcome in (("u1", "applied"), ("u2", "applied"), ("u3", "failed"), ("u4", "failed")):  # as the audit's last lines say
        store.mark_done(u, outcome)
    store.close()
    r1, r2 = "20261123T100000Z-aaaaaa", "20261124T100000Z-bbbbbb"

    def line(uid, run, ts, outcome, **kw):
        rec = {"ts": ts, "run_id": run, "job_id": "job", "outcome": outcome, "user_id": uid, "email": f"{uid}@x", "requests": 1, "latency_ms": 10.0,
               "attempts": 1, "conflicts": 0, "changes": {"upsert_skills": {"s1": 3.0}}, "ops": [], **kw}  # fmt: skip
        return orjson.dumps(rec) + b"\n"

    paths.audit.write_bytes(
        line("u1", r1, "2026-11-23T10:00:01.000Z", "failed", error={"status": 400, "code": "bad", "message": "no"})
        + line("u2", r1, "2026-11-23T10:00:02.000Z", "applied", latency_ms=900.0)
        + line("u3", r1, "2026-11-23T10:00:03.000Z", "reconciliation", conflicts=3, attempts=3)
        + line("u4", r1, "2026-11-23T10:00:04.000Z", "failed")
        + b'{"ts": "2026-11-23T10:00:0\n'
        + line("u1", r2, "2026-11-24T10:00:01.000Z", "applied", latency_ms=5.0)
        + line("u3", r2, "2026-11-24T10:00:02.000Z", "failed", conflicts=1, attempts=2)
    )
    queued = {"event": "queued", "outcome": "failed", "attempts": 1, "run_id": r1, "intent": {"user": "u4"}}
    paths.reconciliation.write_bytes(
        b"".join(
            orjson.dumps(r) + b"\n"
            for r in (
                {"ts": 1, "user_id": "u4", **queued},
                {"ts": 1.5, "user_id": "u1", **queued},
                {"ts": 2, "user_id": "u3", **queued},
                {"ts": 3, "event": "dropped", "user_id": "u4"},
                {"ts": 4, "event": "resolved", "user_id": "u1", "run_id": r2, "outcome": "applied"},  # applied by the later pass
            )
        )
    )
    data = load_job(paths)
    assert data.run_ids == [r1, r2] and data.line_count == 6 and len(data.bad_lines) == 1
    assert data.job_outcomes == {"applied": 2, "failed": 2} and data.retry_ids == ["u3"]  # u4 was dropped
    written = write_results(paths, data=data)
    folder = paths.results
    applied = read_csv(folder / "applied.csv")
    assert [(r["user_id"], r["run_id"], r["latency_ms"]) for r in applied] == [("u1", r2, "5.0"), ("u2", r1, "900.0")]
    assert [(r["user_id"], r["run_id"], r["conflicts"]) for r in read_csv(folder / "failed.csv")] == [("u3", r2, "1"), ("u4", r1, "0")]
    # the open queue as `reconcile list` folds it: u1 resolved by r2, u4 dropped
    assert [r["user_id"] for r in read_csv(folder / "reconciliation.csv")] == ["u3"] == list(ReconciliationQueue(paths.reconciliation).entries())
    assert [(r["user_id"], r["status"], r["spec_line"]) for r in read_csv(folder / "unprocessed.csv")] == [("u5", "pending", "6")]
    spec = [orjson.loads(x) for x in (folder / "retry-spec.jsonl").read_bytes().splitlines()]
    assert spec[0]["mode"] == "merge" and spec[1:] == [{"user": "u3", "skills": {"s1": 3.0}}]
    assert written.rows["retry-spec.jsonl"] == 1 and written.rows["failed.csv"] == 2

    first = build_figures(data, r1, top=2)
    assert first.users_in_run == 4 and first.outcomes_run == {"applied": 1, "reconciliation": 1, "failed": 2}
    assert [ln.record.user_id for ln in first.slowest] == ["u2", "u1"]  # equal latencies: file order
    assert [ln.record.user_id for ln in first.most_retried] == ["u3"] and first.most_retried[0].record.conflicts == 3
    # the job's account: the checkpoint's outcomes, u4 dropped by a person (settled, apart from failed)
    assert first.unprocessed == 1 and first.outcomes_job == {"applied": 2, "failed": 1, "dropped": 1, "pending": 1}
    assert [e.entry_id for e in first.reconciliation] == ["u3"]
    last = build_figures(data)  # no summary: the last run
    assert last.run_id == r2 and [ln.record.user_id for ln in last.slowest] == ["u3", "u1"] and last.conflicts_409 == 1
    assert sum(b.users for b in last.timeline.buckets) == 2 and math.isclose(sum(b.requests for b in last.timeline.buckets), 2)
    assert write_report(paths, run_id=r1, data=data).exists()
