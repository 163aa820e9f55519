"""Set-up reads the named users once, the cheaper way, and the run writes from what it read."""

from __future__ import annotations

import pytest
from helpers.engine import client_for, email, write_wide_csv

from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.errors import SpecError
from bulkops.simulator import SimConfig

OPTS = RunOptions(workers=4, conflict_delay=0.0)


def routes(sim) -> dict[str, int]:
    return {k: v["total"] for k, v in sim.sim.stats()["byRoute"].items()}


async def set_up(sim, spec, tmp_path):
    async with client_for(sim, rps=2000) as client:
        resolved = await resolve_against_org(client, check_locally(spec))
        return create_job(resolved, state_dir=tmp_path), resolved


async def test_a_few_users_named_by_id_in_a_big_org_are_fetched_not_listed(sim, tmp_path):
    sim.sim.reset(SimConfig(users=3000, seed=4))
    s = sim.sim
    ids = s.user_ids()[::150][:20]
    skill = next(iter(s.skill_ids_by_name()))
    spec = write_wide_csv(tmp_path / "ids.csv", ["user", skill], [[uid, "4"] for uid in ids])
    setup, resolved = await set_up(sim, spec, tmp_path)
    assert resolved.users_read.strategy == "named" and "20 named users of 3000" in resolved.users_read.why
    async with client_for(sim, rps=2000) as client:
        summary = await execute(client, setup, options=OPTS)
    assert summary["users"].get("applied", 0) + summary["users"].get("unchanged", 0) == 20
    seen = routes(sim)
    assert "GET /api/v2/users/query" not in seen  # never a listing of the org
    assert seen["GET /api/v2/users"] == 2  # the size probe and one fetch of 20 ids; the run wrote from those states
    assert all(s.user(uid)["skills"] and {x["name"]: x["proficiency"] for x in s.user(uid)["skills"]}[skill] == 4 for uid in ids)


async def test_users_named_by_email_are_found_by_search_then_fetched_by_id(sim, tmp_path):
    sim.sim.reset(SimConfig(users=3000, seed=5))
    s = sim.sim
    skill = next(iter(s.skill_ids_by_name()))
    spec = write_wide_csv(tmp_path / "emails.csv", ["user", skill], [[email(i * 7).upper(), "2"] for i in range(150)])
    _, resolved = await set_up(sim, spec, tmp_path)
    assert resolved.users_read.strategy == "named" and resolved.users == 150
    seen = routes(sim)
    assert seen["POST /api/v2/users/search"] == 2 and seen["GET /api/v2/users"] == 1 + 2
    assert "GET /api/v2/users/query" not in seen


async def test_most_of_the_org_named_is_one_listing_that_serves_resolution_and_state(sim, tmp_path):
    sim.sim.reset(SimConfig(users=1200, seed=6))
    s = sim.sim
    skill = next(iter(s.skill_ids_by_name()))
    spec = write_wide_csv(tmp_path / "dense.csv", ["user", skill], [[email(i), "3"] for i in range(1000)])
    setup, resolved = await set_up(sim, spec, tmp_path)
    assert resolved.users_read.strategy == "listing"
    async with client_for(sim, rps=2000) as client:
        summary = await execute(client, setup, options=OPTS)
    seen = routes(sim)
    assert seen["GET /api/v2/users/query"] == 3  # 1,200 users, 500 a page, once
    assert summary["this_run"]["requests_by_kind"].get("state_reads", 0) == 0  # written from set-up's read
    assert "POST /api/v2/users/search" not in seen


async def test_a_stale_state_is_read_again_by_id_before_the_write(sim, tmp_path):
    s = sim.sim
    skill = next(iter(s.skill_ids_by_name()))
    spec = write_wide_csv(tmp_path / "m.csv", ["user", skill], [[email(i), "5"] for i in range(150)])
    setup, _ = await set_up(sim, spec, tmp_path)
    async with client_for(sim, rps=2000) as client:
        summary = await execute(client, setup, options=RunOptions(workers=4, conflict_delay=0.0, state_max_age=0))
    assert summary["this_run"]["requests_by_kind"]["state_reads"] == 2  # 150 users, 100 a request
    assert summary["users"].get("applied", 0) + summary["users"].get("unchanged", 0) == 150


async def test_a_user_the_job_would_take_past_50_skills_is_refused_before_anything_is_sent(sim, tmp_path):
    sim.sim.reset(SimConfig(users=50, skills=70, seed=7))
    s = sim.sim
    uid = next(u for u in s.user_ids() if s.user(u)["email"] == email(1))
    held = {x["name"] for x in s.user(uid)["skills"]}
    assert held, "the seeded user holds some skills"
    new = [n for n in s.skill_ids_by_name() if n not in held][:50]
    spec = write_wide_csv(tmp_path / "cap.csv", ["user", *new], [[email(1), *["1"] * 50], [email(2), *[""] * 50]])
    with pytest.raises(SpecError) as refused:
        await set_up(sim, spec, tmp_path)
    (problem,) = refused.value.problems
    assert problem.line == 2 and f"would hold {50 + len(held)} routing skills" in problem.message and "at most 50" in problem.message
    assert not {"PATCH", "PUT", "DELETE"} & set(sim.sim.stats()["byMethod"])  # nothing written
    assert not list(tmp_path.glob("*/state.db"))


async def test_an_inactive_user_is_named_as_inactive_not_as_missing(sim, tmp_path):
    s = sim.sim
    uid = next(u for u in s.user_ids() if s.user(u)["email"] == email(3))
    async with client_for(sim, rps=2000) as client:
        await client.patch_user(uid, {"state": "inactive", "version": s.user(uid)["version"]})
    skill = next(iter(s.skill_ids_by_name()))
    spec = write_wide_csv(tmp_path / "m.csv", ["user", skill], [[email(2), "1"], [email(3), "1"], ["nobody@example.com", "1"]])
    with pytest.raises(SpecError) as refused:
        await set_up(sim, spec, tmp_path)
    messages = {p.line: p.message for p in refused.value.problems}
    assert "is inactive in the org" in messages[3] and "not in the org" in messages[4]
    assert refused.value.problems[0].column == 1
