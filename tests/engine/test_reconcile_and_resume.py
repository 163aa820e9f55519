"""Persistent conflicts end in the reconciliation queue; a retry pass applies them; resume is exact."""

from helpers.engine import client_for, email, write_wide_csv

from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, open_job, resolve_against_org
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson
from bulkops.state.reconciliation import ReconciliationQueue

OPTS = RunOptions(workers=4, conflict_delay=0.0)


async def test_a_user_that_always_conflicts_is_queued_then_retried_once_the_conflict_stops(sim, tmp_path):
    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    stuck = by_email[email(3)]
    s.configure(always_conflict=[stuck])
    name = next(iter(s.skill_ids_by_name()))
    sid = s.skill_ids_by_name()[name]
    spec = write_wide_csv(tmp_path / "m.csv", ["user", name], [[email(i), "5"] for i in range(8)])
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        setup = create_job(await resolve_against_org(client, opened), state_dir=tmp_path)
        summary = await execute(client, setup, options=OPTS)
    assert summary["users"]["reconciliation"] == 1 and summary["users"]["applied"] == 7
    queue = ReconciliationQueue(setup.paths.reconciliation)
    entry = queue.entries()[stuck]
    assert entry["intent"]["skills"] == {sid: 5.0} and entry["attempts"] == 3 and entry["error"]["status"] == 409
    assert {x["id"]: x["proficiency"] for x in s.user(stuck)["skills"]}.get(sid) != 5.0

    s.configure(always_conflict=[])
    setup.store.reopen([stuck], 1)
    queue.mark_retried(stuck, "pass-1")
    async with client_for(sim, rps=2000) as client:
        summary = await execute(client, setup, options=OPTS, only_users=[stuck])
    assert summary["this_run"]["outcomes"] == {"applied": 1}
    # The token, one by-id fetch, one write: no org listing.
    assert {k: n for k, n in summary["this_run"]["requests_by_kind"].items() if n} == {"token": 1, "state_reads": 1, "writes": 1}
    assert {x["id"]: x["proficiency"] for x in s.user(stuck)["skills"]}[sid] == 5.0
    assert ReconciliationQueue(setup.paths.reconciliation).entries() == {}
    setup.store.close()


async def test_a_graceful_stop_then_resume_handles_every_user_exactly_once(sim, tmp_path):
    sim.sim.reset(SimConfig(users=300, seed=9))
    s = sim.sim
    names = list(s.skill_ids_by_name())[:2]
    spec = write_wide_csv(tmp_path / "m.csv", ["user", *names], [[email(i), "2", "4"] for i in range(300)])
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        setup = create_job(await resolve_against_org(client, opened), state_dir=tmp_path)
        engines = []

        def progress(counters):
            if counters.handled >= 150 and engines:
                engines[0].request_stop()

        first = await execute(client, setup, options=RunOptions(workers=4, conflict_delay=0.0), on_progress=progress, on_engine=engines.append)
    handled_first = sum(first["this_run"]["outcomes"].values())
    assert first["status"] == "stopped" and 150 <= handled_first < 300
    setup.store.close()
    setup = open_job(tmp_path, setup.job_id)
    async with client_for(sim, rps=2000) as client:
        second = await execute(client, setup, options=RunOptions(workers=4, conflict_delay=0.0))
    assert second["status"] == "complete" and second["users"] == {"applied": 300, "total": 300}
    audit = [r for r in read_ndjson(setup.paths.audit)]
    assert len(audit) == 300 and len({r["user_id"] for r in audit}) == 300
    # The resume reads only the users still open, by id, 100 a request: never the org again.
    reads = second["this_run"]["requests_by_kind"].get("state_reads", 0)
    assert reads <= -(-(300 - handled_first) // 100) + 1
    setup.store.close()


async def test_resume_refuses_an_edited_spec(sim, tmp_path):
    import pytest

    from bulkops.errors import StateError

    name = next(iter(sim.sim.skill_ids_by_name()))
    spec = write_wide_csv(tmp_path / "m.csv", ["user", name], [[email(0), "1"]])
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        setup = create_job(await resolve_against_org(client, opened), state_dir=tmp_path)
    setup.store.close()
    spec.write_text(spec.read_text() + f"{email(1)},2\n")
    with pytest.raises(StateError, match="changed since"):
        open_job(tmp_path, setup.job_id)
