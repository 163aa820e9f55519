"""Utilization from a wide CSV's util: columns over HTTP (#19): the same row sets a user's skill and
their utilization; the users' pipeline and the utilization kind each do their part."""

from __future__ import annotations

from helpers.engine import client_for, write_wide_csv

from bulkops.client.endpoints.utilization import get_user_utilization
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.simulator import SimConfig


async def test_a_wide_csv_sets_skills_and_utilization_in_one_job(sim, tmp_path):
    sim.sim.reset(SimConfig(users=20, seed=5))
    s = sim.sim
    a, b, c = s.user_ids()[:3]
    s.set_user_utilization(c, {"utilization": {"email": {"maximumCapacity": 5}}})
    skill = next(iter(s.skill_ids_by_name()))
    spec = write_wide_csv(
        tmp_path / "w.csv",
        ["email", skill, "util:email", "util:email.interruptable", "util:setting"],
        [
            [s.org.user(a).email, "4", "3", "call", ""],
            [s.org.user(b).email, "2", "", "", ""],
            [s.org.user(c).email, "", "", "", "inherit"],
        ],
    )
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        summary = await execute(client, setup, options=RunOptions(workers=4, conflict_delay=0.0))
        after = {uid: await get_user_utilization(client, uid) for uid in (a, b, c)}
    assert summary["status"] == "complete", summary
    assert summary["items"]["utilization"] == {"applied": 2}
    assert after[a].level == "Agent" and after[a].media["email"].maximum_capacity == 3
    assert after[a].media["email"].interruptable_media_types == {"call"}
    assert after[b].level == "Organization" and after[c].level == "Organization"
    skills = {uid: {x["name"]: x["proficiency"] for x in s.user(uid).get("skills", [])} for uid in (a, b)}
    assert skills[a][skill] == 4 and skills[b][skill] == 2


async def test_a_csv_of_util_columns_only_runs_the_utilization_alone(sim, tmp_path):
    sim.sim.reset(SimConfig(users=20, seed=6))
    s = sim.sim
    ids = s.user_ids()[:5]
    spec = write_wide_csv(tmp_path / "u.csv", ["email", "util:chat"], [[s.org.user(uid).email, "2"] for uid in ids])
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        summary = await execute(client, setup, options=RunOptions(workers=4, conflict_delay=0.0))
        after = [await get_user_utilization(client, uid) for uid in ids]
    assert summary["status"] == "complete", summary
    assert summary["items"]["utilization"] == {"applied": 5}
    assert all(x.media["chat"].maximum_capacity == 2 for x in after)
