"""A user waiting out a conflict delay waits off its shard's worker (#29 §2), over HTTP against the
simulator: the shard's other users are written meanwhile, each user still by one writer, once.

The 409s come from the simulator: ``always_conflict`` (every write to those users answers 409
until the knob is cleared), ``conflict_rate`` (another administrator adds a skill or changes the
title first, so the versioned user PATCH answers 409: re-read, re-diff, write again) and
``bulk_write_conflict_rate`` (a spurious 409 on a skills write, nothing applied: sent again). The
job names neither the title nor the skills the other administrator adds, so each of its writes
that lands, lands once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict

import pytest
from helpers.clients import no_backoff, pooled_config
from helpers.engine import client_for, email

from bulkops.client import GenesysClient
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.errors import PassFailed, StoppedAtOnce
from bulkops.simulator import SimConfig
from bulkops.simulator.model.audit.trail import trail_of
from bulkops.state.ndjson import read_ndjson

USERS = 60
SKILL_ROUTE = "PATCH /api/v2/users/{userId}/routingskills/bulk"
USER_ROUTE = "PATCH /api/v2/users/{userId}"


def write_spec(tmp_path, sim, *, field: bool) -> tuple:
    """Every user gets a skill at 3.5 (one bulk write), and with ``field`` a department too (a user PATCH)."""
    skill = sorted(sim.sim.skill_ids_by_name())[0]
    users = [{"user": email(i), "skills": {skill: 3.5}} | ({"department": f"Shard {i}"} if field else {}) for i in range(USERS)]
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"version": 1, "mode": "merge", "users": users}), encoding="utf-8")
    return path, skill


def user_id(sim, i: int) -> str:
    return next(u for u in sim.sim.user_ids() if sim.sim.user(u)["email"] == email(i))


def skill_of(sim, uid: str, skill: str) -> float | None:
    sid = sim.sim.skill_ids_by_name()[skill]
    return {x["id"]: x["proficiency"] for x in sim.sim.user(uid)["skills"]}.get(sid)


async def test_a_user_waiting_out_conflicts_does_not_hold_up_its_shard(sim, tmp_path):
    """One worker, one user answered 409 on every write: the other 59 are all written while it
    waits, and it is written once the conflicts stop. A delay slept on the worker would hold them
    all until its attempts were spent (200 x 0.2 s) and the user would end in reconciliation."""
    sim.sim.reset(SimConfig(users=USERS + 10, audit_delay_seconds=0))
    stuck = user_id(sim, 0)
    path, skill = write_spec(tmp_path, sim, field=False)
    done_while_stuck: list[int] = []

    def release_when_the_rest_is_done(counters) -> None:
        if counters.handled == USERS - 1 and not done_while_stuck:
            done_while_stuck.append(counters.handled)
            sim.sim.configure(always_conflict=[])

    async with client_for(sim, rps=2000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(path)), state_dir=tmp_path / "state")
        sim.sim.configure(always_conflict=[stuck])
        options = RunOptions(workers=1, conflict_delay=0.2, conflict_attempts=200)
        summary = await execute(client, setup, options=options, on_progress=release_when_the_rest_is_done)
    setup.store.close()

    assert done_while_stuck == [USERS - 1]
    applied = summary["users"]["applied"]
    assert applied + summary["users"].get("unchanged", 0) == USERS
    lines = [r for r in read_ndjson(setup.paths.audit) if r.get("user_id")]
    assert [r["user_id"] for r in lines][-1] == stuck  # finished last, though dispatched with the others
    assert lines[-1]["conflicts"] >= 1 and lines[-1]["outcome"] == "applied"
    assert skill_of(sim, stuck, skill) == 3.5
    assert sim.sim.stats()["byRoute"][SKILL_ROUTE]["byStatus"]["200"] == applied  # each user's write landed once


async def test_with_many_conflicts_each_user_is_written_by_one_writer_once(sim, tmp_path):
    """30% of the writes meet a 409, over four shards and a pool of two clients: every user is written
    through one client, its two writes each land once, one audit line each, nothing lost."""
    sim.sim.reset(SimConfig(users=USERS + 10, extra_clients=1, audit_delay_seconds=0, seed=29))
    path, skill = write_spec(tmp_path, sim, field=True)
    async with client_for(sim, rps=2000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(path)), state_dir=tmp_path / "state")
    sim.sim.configure(conflict_rate=0.3, bulk_write_conflict_rate=0.3)
    async with GenesysClient(pooled_config(sim, 1, rps=2000), backoff=no_backoff) as client:
        summary = await execute(client, setup, options=RunOptions(workers=4, conflict_delay=0.05, conflict_attempts=20))
    setup.store.close()

    assert summary["users"] == {"applied": USERS, "total": USERS}
    assert summary["this_run"]["conflicts_409"] > 0
    routes = sim.sim.stats()["byRoute"]
    assert routes[SKILL_ROUTE]["byStatus"]["409"] > 0 and routes[USER_ROUTE]["byStatus"]["409"] > 0
    assert routes[SKILL_ROUTE]["byStatus"]["200"] == USERS and routes[USER_ROUTE]["byStatus"]["200"] == USERS
    clients: dict[str, set[str]] = defaultdict(set)
    for entry in trail_of(sim.sim, sim.sim.app).entries:
        if entry.entity_id in sim.sim.org.users:
            clients[entry.entity_id].add(entry.client_id)
    assert len(clients) == USERS and all(len(c) == 1 for c in clients.values())  # one writer per user
    lines = [r for r in read_ndjson(setup.paths.audit) if r.get("user_id")]
    assert Counter(r["user_id"] for r in lines).most_common(1)[0][1] == 1 and len(lines) == USERS
    for i in range(USERS):
        uid = user_id(sim, i)
        assert skill_of(sim, uid, skill) == 3.5 and sim.sim.user(uid)["department"] == f"Shard {i}"


async def run_with_one_user_always_conflicting(sim, tmp_path, *, defer: float) -> tuple[str, list[dict]]:
    """One worker, the first user dispatched answered 409 on every write, two attempts, a 10 ms
    delay: the audit lines in the order the users finished, and that user's id."""
    sim.sim.reset(SimConfig(users=USERS + 10, audit_delay_seconds=0))
    path, _ = write_spec(tmp_path, sim, field=False)
    stuck = min(user_id(sim, i) for i in range(USERS))  # the producer deals the users in id order
    async with client_for(sim, rps=2000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(path)), state_dir=tmp_path / "state")
        sim.sim.configure(always_conflict=[stuck])
        options = RunOptions(workers=1, conflict_delay=0.01, conflict_attempts=2, retry_defer_max=defer)
        summary = await execute(client, setup, options=options)
    setup.store.close()
    assert summary["users"] == {"applied": USERS - 1, "reconciliation": 1, "total": USERS}
    return stuck, [r for r in read_ndjson(setup.paths.audit) if r.get("user_id")]


async def test_a_retry_gives_way_to_every_user_not_yet_started(sim, tmp_path):
    """The first user's second attempt is due 10 ms after its 409, long before the shard's other 59
    users are written; it gives way to them all (earlier attempts first) and is written last."""
    stuck, lines = await run_with_one_user_always_conflicting(sim, tmp_path, defer=30.0)
    assert [r["user_id"] for r in lines][-1] == stuck and lines[-1]["conflicts"] == 2
    assert sim.sim.stats()["byRoute"][SKILL_ROUTE]["byStatus"] == {"200": USERS - 1, "409": 2}


async def test_without_precedence_a_retry_goes_as_soon_as_its_delay_is_over(sim, tmp_path):
    """The contrast (``retry_defer_max=0``, the order before #29 §2's tail): back from its 10 ms delay,
    the user queues for the turn at once, while 59 users' writes are still to come."""
    stuck, lines = await run_with_one_user_always_conflicting(sim, tmp_path, defer=0.0)
    assert [r["user_id"] for r in lines].index(stuck) < USERS - 1


async def stop_while_a_retry_gives_way(sim, tmp_path, *, cancel: bool):
    """One worker, the first user dispatched answered 409 on every write, no delay and an hour's
    bound: it gives way to the other users from its first 409 on. Once five are done, a graceful
    stop (or, ``cancel``, the second signal's cancel of the pass). A hang guard, not a timing."""
    sim.sim.reset(SimConfig(users=USERS + 10, audit_delay_seconds=0))
    path, _ = write_spec(tmp_path, sim, field=False)
    stuck = min(user_id(sim, i) for i in range(USERS))
    engines: list = []
    passes: list[asyncio.Task] = []

    def stop_after_five(counters) -> None:
        if counters.handled == 5:
            passes[0].cancel() if cancel else engines[0].request_stop()

    async with client_for(sim, rps=2000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(path)), state_dir=tmp_path / "state")
        sim.sim.configure(always_conflict=[stuck])
        options = RunOptions(workers=1, conflict_delay=0.0, conflict_attempts=2, retry_defer_max=3600.0)
        passes.append(asyncio.create_task(execute(client, setup, options=options, on_progress=stop_after_five, on_engine=engines.append)))
        done, _ = await asyncio.wait(passes, timeout=120)
        assert done, "the stop did not end the wait"
    return setup, stuck, passes[0]


async def test_a_graceful_stop_lets_a_retry_giving_way_go_at_once(sim, tmp_path):
    """As after a stop during the delay itself: no fresh user starts, so the retry is sent and the user finished."""
    setup, stuck, finished = await stop_while_a_retry_gives_way(sim, tmp_path, cancel=False)
    summary = finished.result()
    setup.store.close()
    assert summary["users"]["reconciliation"] == 1 and summary["users"]["applied"] < USERS - 1  # stopped early
    lines = [r for r in read_ndjson(setup.paths.audit) if r.get("user_id")]
    assert [r for r in lines if r["user_id"] == stuck][0]["conflicts"] == 2
    assert sim.sim.stats()["byRoute"][SKILL_ROUTE]["byStatus"]["409"] == 2


async def test_a_cancel_while_a_retry_gives_way_leaves_it_in_flight_with_its_record(sim, tmp_path):
    """The second signal: the pass ends at once, the waiting user in flight with its write-ahead record
    (the resumed pass re-checks it), as a cancel during the delay leaves it."""
    setup, stuck, finished = await stop_while_a_retry_gives_way(sim, tmp_path, cancel=True)
    with pytest.raises(PassFailed) as failed:
        finished.result()
    assert isinstance(failed.value.cause, StoppedAtOnce)
    assert setup.store.open_intents([stuck])[stuck][1] == "inflight"
    assert setup.store.writeaheads([stuck])[stuck].changes.upsert_skills
    setup.store.close()
    lines = [r for r in read_ndjson(setup.paths.audit) if r.get("user_id")]
    assert stuck not in {r["user_id"] for r in lines}
    assert sim.sim.stats()["byRoute"][SKILL_ROUTE]["byStatus"]["409"] == 1
