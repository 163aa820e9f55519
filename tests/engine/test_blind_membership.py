"""Queue joins and leaves without reading whole queues: a big queue is written blind (the member
write is idempotent), a small one is read (as cheap as one batch, and exact)."""

from __future__ import annotations

import json

from helpers.engine import client_for

from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.run.queues import read_members_first
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.simulator import SimConfig


def test_reading_members_is_chosen_only_when_no_dearer_than_the_writes():
    assert read_members_first(80, 3) and read_members_first(100, 1)
    assert not read_members_first(5000, 100) and read_members_first(5000, 5000)


async def test_a_hundred_joins_and_leaves_on_a_big_queue_cost_a_handful_of_requests(sim, tmp_path):
    sim.sim.reset(SimConfig(users=3000, seed=12))
    s = sim.sim
    qid = s.queue_ids_by_name()["Sales"]
    members = s.queue_member_ids(qid)
    assert len(members) > 200, "the seeded queue is big enough to be worth not reading"
    leavers = sorted(members)[:50]
    joiners = sorted(set(s.user_ids()) - members)[:50]
    users = [{"user": u, "leaveQueues": ["Sales"]} for u in leavers] + [{"user": u, "joinQueues": ["Sales"]} for u in joiners]
    spec = tmp_path / "q.json"
    spec.write_text(json.dumps({"version": 1, "users": users}))
    before = s.stats()["total"]
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        summary = await execute(client, setup, options=RunOptions(workers=8, conflict_delay=0.0))
    spent = s.stats()["total"] - before
    routes = {k: v["total"] for k, v in s.stats()["byRoute"].items()}
    assert summary["users"] == {"applied": 100, "total": 100}
    after = s.queue_member_ids(qid)
    assert not after & set(leavers) and set(joiners) <= after and after == (members - set(leavers)) | set(joiners)
    # token, the queue catalogue, the org's size, one fetch of 100 ids, the queue, its group members, two batches
    assert spent <= 10, routes
    assert routes.get("GET /api/v2/routing/queues/{queueId}/members", 0) == 1  # memberBy=group only (for the leaves)


async def test_a_small_queue_is_read_so_a_join_already_in_place_is_reported_unchanged(sim, tmp_path):
    s = sim.sim
    qid = s.queue_ids_by_name()["Sales"]
    members = sorted(s.queue_member_ids(qid))
    assert len(members) <= 100
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"version": 1, "users": [{"user": members[0], "joinQueues": ["Sales"]}]}))
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        summary = await execute(client, setup, options=RunOptions(workers=2, conflict_delay=0.0))
    assert summary["users"] == {"unchanged": 1, "total": 1}
