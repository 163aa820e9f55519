"""A reorganization run twice (#29 §3), counted at the simulator over HTTP: the second run, as a new
job with every change in place, spends set-up's reads and what queue membership cannot know without
reading (blind batches on a queue too big to read); no queue is fetched just for its member count
(set-up's queue listing counts them), and a big queue's real change costs what it did."""

from __future__ import annotations

import json

from helpers.engine import client_for

from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.report.orgchanges import JOIN_SENT, org_changes
from bulkops.simulator import SimConfig
from bulkops.state.auditline import read_audit
from bulkops.state.layout import RunPaths
from bulkops.state.records import UserOutcome

OPTS = RunOptions(workers=8, conflict_delay=0.0)
QUEUE_FETCH = "GET /api/v2/routing/queues/{queueId}"
MEMBER_WRITES = "POST /api/v2/routing/queues/{queueId}/members"
MEMBER_READS = "GET /api/v2/routing/queues/{queueId}/members"


def routes(sim) -> dict[str, int]:
    return {k: int(v["total"]) for k, v in sim.sim.stats()["byRoute"].items()}


async def run(sim, spec, tmp_path, job: str) -> tuple[dict, dict[str, int]]:
    """One ``bulkops run`` of ``spec`` as job ``job``: (summary, requests by route it spent)."""
    before = routes(sim)
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path, job_id=job)
        summary = await execute(client, setup, options=OPTS)
    setup.store.close()
    return summary, {k: n - before.get(k, 0) for k, n in routes(sim).items() if n - before.get(k, 0)}


def reorg_spec(tmp_path, sim, users: int) -> tuple:
    """``users`` users get a department and a title, and join one of the org's queues (dealt in turn)."""
    names = sorted(sim.sim.queue_ids_by_name())
    ids = sim.sim.user_ids()[:users]
    entries = [{"user": u, "department": "Customer Care", "title": "Agent", "joinQueues": [names[i % len(names)]]} for i, u in enumerate(ids)]
    path = tmp_path / "reorg.json"
    path.write_text(json.dumps({"version": 1, "mode": "merge", "users": entries}), encoding="utf-8")
    return path, names


async def test_a_reorg_run_again_fetches_no_queue_and_writes_only_what_it_cannot_know(sim, tmp_path):
    sim.sim.reset(SimConfig(users=1200, queues=10, seed=29))
    spec, names = reorg_spec(tmp_path, sim, 1000)
    first, spent_first = await run(sim, spec, tmp_path, "first")
    assert first["users"] == {"applied": 1000, "total": 1000}
    assert QUEUE_FETCH not in spent_first  # counts from set-up's queue listing

    again, spent = await run(sim, spec, tmp_path, "again")
    assert QUEUE_FETCH not in spent
    # Nothing but set-up's reads (token, org, the queue listing, the users listing's pages) and, for
    # each queue too big to read for its 100 asks, the one batch that ensures them (idempotent).
    assert spent.get("PATCH /api/v2/users/{userId}", 0) == 0
    sizes = {n: len(sim.sim.queue_member_ids(q)) for n, q in sim.sim.queue_ids_by_name().items()}
    blind = [n for n in names if sizes[n] > 100]
    assert spent.get(MEMBER_WRITES, 0) == len(blind)
    assert spent.get(MEMBER_READS, 0) == len(names) - len(blind)  # a queue of <= 100 members: one page, exact
    set_up = {k: n for k, n in spent.items() if k not in (MEMBER_WRITES, MEMBER_READS)}
    assert sum(set_up.values()) <= 1 + 1 + 1 + 1 + 3, set_up  # token, org, queues, users, 1,200 users / 500 a page
    users = again["users"]
    assert users.get("unchanged", 0) == sum(1 for i in range(1000) if names[i % len(names)] not in blind)
    # The record says no more than happened: the report counts the blind queues' users as memberships
    # sent, never as "joined" (the API does not say whether they were members already).
    lines = [line.record for line in read_audit(RunPaths.for_job(tmp_path, "again").audit) if isinstance(getattr(line, "record", None), UserOutcome)]
    told = org_changes(lines, {})
    assert told.users_sent_only == users.get("applied", 0) == sum(1 for i in range(1000) if names[i % len(names)] in blind)
    assert {g.change for g in told.groups()} == {JOIN_SENT}


async def test_a_big_queue_still_costs_one_batch_per_hundred_asks_when_they_change(sim, tmp_path):
    sim.sim.reset(SimConfig(users=3000, seed=12))
    s = sim.sim
    qid = s.queue_ids_by_name()["Sales"]
    members = s.queue_member_ids(qid)
    assert len(members) > 200
    joiners = sorted(set(s.user_ids()) - members)[:150]
    spec = tmp_path / "join.json"
    spec.write_text(json.dumps({"version": 1, "users": [{"user": u, "joinQueues": ["Sales"]} for u in joiners]}))
    summary, spent = await run(sim, spec, tmp_path, "join")
    assert summary["users"] == {"applied": 150, "total": 150}
    assert set(joiners) <= s.queue_member_ids(qid)
    assert spent[MEMBER_WRITES] == 2 and MEMBER_READS not in spent and QUEUE_FETCH not in spent
