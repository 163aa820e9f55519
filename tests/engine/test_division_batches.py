"""Division moves in batches (#27 §5): the division objects endpoint takes a list of user ids.

The real engine against the simulator over HTTP, requests counted at the simulator (its per-route
figures): 200 users moved into a division cost ceil(200/100) division requests, not 200; each
user's audit line records its move once the batch answered. A batch the API refuses because one
of its users is out of the role's reach is sent again in halves: the refusal lands on those users,
the others move.
"""

from __future__ import annotations

import json
import math

import pytest
from helpers.engine import client_for

from bulkops.domain.cost import DIVISION_OBJECTS_PER_REQUEST
from bulkops.engine.plan.planjob import make_plan
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.errors import AuthError, PassFailed
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson

OPTS = RunOptions(workers=8, conflict_delay=0.0)
MOVES = "POST /api/v2/authorization/divisions/{divisionId}/objects/{objectType}"


def division_posts(sim) -> dict[str, int]:
    """The division objects POSTs the simulator answered, by status."""
    return {k: v for k, v in (sim.sim.stats()["byRoute"].get(MOVES) or {"byStatus": {}})["byStatus"].items()}


def movers(s, target: str, n: int) -> list[str]:
    """``n`` users not in ``target`` yet, by id."""
    return [u for u in s.user_ids() if s.org.users[u].division_id != target][:n]


async def run(sim, users, tmp_path):
    spec = tmp_path / "move.json"
    spec.write_text(json.dumps({"version": 1, "users": users}))
    async with client_for(sim, rps=3000) as client:
        resolved = await resolve_against_org(client, check_locally(spec))
        plan = await make_plan(client, resolved)
        setup = create_job(resolved, state_dir=tmp_path / "state")
        summary = await execute(client, setup, options=OPTS)
    return plan, setup, summary


def lines(setup) -> dict[str, dict]:
    return {r["user_id"]: r for r in read_ndjson(setup.paths.audit) if r.get("user_id")}


async def test_two_hundred_users_move_in_two_division_requests(sim, tmp_path):
    sim.sim.reset(SimConfig(users=400, divisions=4, seed=5))
    s = sim.sim
    name, target = sorted(s.division_ids_by_name().items())[-1]
    ids = movers(s, target, 200)
    assert len(ids) == 200
    plan, setup, summary = await run(sim, [{"user": s.org.users[u].email, "division": name} for u in ids], tmp_path)
    assert summary["status"] == "complete" and summary["users"] == {"applied": 200, "total": 200}, summary
    expected = math.ceil(200 / DIVISION_OBJECTS_PER_REQUEST)
    assert division_posts(sim) == {"204": expected}  # not 200
    assert plan.division_write_requests == expected and plan.totals["division_moves"] == 200
    assert summary["this_run"]["requests_by_operation"]["move_division"] == expected
    assert all(s.org.users[u].division_id == target for u in ids)
    audit = lines(setup)
    for uid in ids:
        (op,) = [o for o in audit[uid]["ops"] if o["op"] == "move_division"]
        assert op["ok"] and op["division"] == target and op["batch"] == DIVISION_OBJECTS_PER_REQUEST


async def test_a_batch_refused_for_some_of_its_users_moves_the_others_and_fails_only_those(sim, tmp_path):
    sim.sim.reset(SimConfig(users=300, divisions=4, seed=6))
    s = sim.sim
    divisions = sorted(s.division_ids_by_name().items())
    name, target = divisions[-1]
    out_of_reach = divisions[0][1]  # the role cannot move users out of this division
    candidates = movers(s, target, 300)
    blocked = {u for u in candidates if s.org.users[u].division_id == out_of_reach}
    blocked = set(sorted(blocked)[:3])
    ids = sorted(blocked | set([u for u in candidates if s.org.users[u].division_id != out_of_reach][:147]))  # 3 spread among 150
    s.configure(forbidden_divisions=[out_of_reach])
    _, setup, summary = await run(sim, [{"user": s.org.users[u].email, "division": name} for u in ids], tmp_path)
    assert summary["users"] == {"applied": len(ids) - len(blocked), "failed": len(blocked), "total": len(ids)}, summary
    posts = division_posts(sim)
    assert posts["403"] >= 3  # the batches holding them, then halves down to each blocked user
    assert sum(posts.values()) <= 2 + 3 * 2 * math.ceil(math.log2(DIVISION_OBJECTS_PER_REQUEST))  # far fewer than one a user
    audit = lines(setup)
    for uid in ids:
        (op,) = [o for o in audit[uid]["ops"] if o["op"] == "move_division"]
        if uid in blocked:
            assert audit[uid]["outcome"] == "failed" and not op["ok"] and op["status"] == 403
            assert "division move was refused" in audit[uid]["reason"]
            assert s.org.users[uid].division_id == out_of_reach  # where it was, as the audit says
        else:
            assert audit[uid]["outcome"] == "applied" and op["ok"] and s.org.users[uid].division_id == target


async def test_a_user_another_writer_keeps_changing_goes_to_reconciliation_and_the_batch_moves(sim, tmp_path):
    sim.sim.reset(SimConfig(users=200, divisions=4, seed=7))
    s = sim.sim
    name, target = sorted(s.division_ids_by_name().items())[-1]
    ids = movers(s, target, 120)
    busy = ids[37]
    s.configure(always_conflict=[busy])  # every write that includes this user answers 409
    _, setup, summary = await run(sim, [{"user": s.org.users[u].email, "division": name} for u in ids], tmp_path)
    assert summary["users"] == {"applied": 119, "reconciliation": 1, "total": 120}, summary
    audit = lines(setup)
    assert audit[busy]["outcome"] == "reconciliation" and s.org.users[busy].division_id != target
    assert all(s.org.users[u].division_id == target for u in ids if u != busy)


async def test_a_role_that_cannot_move_anyone_stops_the_pass_after_the_threshold(sim, tmp_path):
    sim.sim.reset(SimConfig(users=300, divisions=4, seed=8))
    s = sim.sim
    name, target = sorted(s.division_ids_by_name().items())[-1]
    ids = movers(s, target, 200)
    s.configure(forbidden_divisions=["*"])
    spec = tmp_path / "move.json"
    spec.write_text(json.dumps({"version": 1, "users": [{"user": s.org.users[u].email, "division": name} for u in ids]}))
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path / "state")
        with pytest.raises(PassFailed) as failed:
            await execute(client, setup, options=OPTS)
    assert isinstance(failed.value.cause, AuthError) and "lacks the division's user-move rights" in str(failed.value.cause)
    assert sum(division_posts(sim).values()) <= 2 * (OPTS.forbidden_threshold + 7)  # not two hundred, nor a split of every batch
    assert not any(r.get("outcome") == "applied" for r in read_ndjson(setup.paths.audit))
