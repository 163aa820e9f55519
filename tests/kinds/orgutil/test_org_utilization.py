"""The org default utilization over HTTP (#19): an explicit ``utilizationDefault`` section merged like a
user's setting (what it does not name is kept, another administrator's edit too), run before the users
and after the label creates, idempotent on a rerun and on a resume; a job without the section never
touches the default."""

from __future__ import annotations

import json

import pytest
from helpers.engine import client_for

from bulkops.client.endpoints.utilization import get_org_utilization, get_user_utilization
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.errors import SpecError
from bulkops.simulator import SimConfig
from bulkops.state.store import INFLIGHT

OPTS = RunOptions(workers=4, conflict_delay=0.0)


def write(tmp_path, doc, name="d.json"):
    spec = tmp_path / name
    spec.write_text(json.dumps({"version": 2, **doc}, indent=1))
    return spec


async def setup_job(sim, spec, state_dir):
    async with client_for(sim, rps=3000) as client:
        return create_job(await resolve_against_org(client, check_locally(spec)), state_dir=state_dir)


async def run(sim, setup):
    async with client_for(sim, rps=3000) as client:
        return await execute(client, setup, options=OPTS)


async def org(sim):
    async with client_for(sim, rps=3000) as client:
        return await get_org_utilization(client)


async def test_the_default_keeps_what_it_does_not_name_and_runs_after_the_label_creates_before_the_users(sim, tmp_path):
    sim.sim.reset(SimConfig(users=10, seed=3))
    s = sim.sim
    uid = s.user_ids()[0]
    before = await org(sim)
    spec = write(
        tmp_path,
        {
            "utilizationLabels": [{"create": "VIP"}],
            "utilizationDefault": {"media": {"email": {"maximumCapacity": 2, "interruptableMediaTypes": ["call"]}}, "labels": {"VIP": {"maximumCapacity": 1}}},
            # the user is on the default; once the default says email 2, this entry asks for nothing
            "utilization": [{"user": uid, "media": {"email": {"maximumCapacity": 2, "interruptableMediaTypes": ["call"]}}}],
        },
    )
    setup = await setup_job(sim, spec, tmp_path)
    s.org.utilization.org.media["chat"] = type(s.org.utilization.org.media["chat"])(7)  # another administrator, after the plan
    summary = await run(sim, setup)
    assert summary["status"] == "complete", summary
    assert summary["items"]["label"] == {"applied": 1}
    assert summary["items"]["utilization_default"] == {"applied": 1}
    assert summary["items"]["utilization"] == {"unchanged": 1}
    after = await org(sim)
    vip = next(x.id for x in s.org.utilization.labels.values() if x.name == "VIP")
    assert after.media["email"].maximum_capacity == 2 and after.media["email"].interruptable_media_types == {"call"}
    assert after.media["chat"].maximum_capacity == 7  # the edit made since the plan is kept
    for mt in ("call", "callback", "message"):
        assert after.media[mt] == before.media[mt]
    assert after.labels[vip].maximum_capacity == 1
    async with client_for(sim, rps=3000) as client:
        assert (await get_user_utilization(client, uid)).level == "Organization"
    again = await run(sim, await setup_job(sim, spec, tmp_path / "again"))
    assert again["items"]["utilization_default"] == {"unchanged": 1}


async def test_a_default_written_before_a_kill_is_found_done_on_resume(sim, tmp_path):
    sim.sim.reset(SimConfig(users=5, seed=4))
    s = sim.sim
    spec = write(tmp_path, {"utilizationDefault": {"media": {"call": {"maximumCapacity": 2}}}})
    setup = await setup_job(sim, spec, tmp_path)
    s.org.utilization.put_org(
        s.org.utilization.parse_request(
            {
                "utilization": {
                    **{m: {"maximumCapacity": 1} for m in ("callback", "email", "message")},
                    "chat": {"maximumCapacity": 4},
                    "call": {"maximumCapacity": 2},
                }
            }
        )
    )
    setup.store.mark_item("utilization_default", "org", INFLIGHT)  # the PUT went out, the checkpoint did not
    summary = await run(sim, setup)
    assert summary["items"]["utilization_default"] == {"applied": 1}
    assert (await org(sim)).media["call"].maximum_capacity == 2


async def test_a_job_without_the_section_never_writes_the_default(sim, tmp_path):
    sim.sim.reset(SimConfig(users=10, seed=5))
    s = sim.sim
    spec = write(tmp_path, {"utilization": [{"user": uid, "media": {"email": {"maximumCapacity": 4}}} for uid in s.user_ids()[:3]]})
    await run(sim, await setup_job(sim, spec, tmp_path))
    routes = s.stats()["byRoute"]
    assert not any(r.startswith("PUT /api/v2/routing/utilization") and "users" not in r for r in routes)


async def test_a_label_the_org_lacks_or_the_job_deletes_is_a_problem_at_the_section(sim, tmp_path):
    sim.sim.reset(SimConfig(users=5, seed=6))
    sim.sim.org.utilization.create_label("Old", None, limit=100)
    spec = write(
        tmp_path,
        {
            "utilizationLabels": [{"delete": "Old"}],
            "utilizationDefault": {"labels": {"Old": {"maximumCapacity": 1}, "Gold": {"maximumCapacity": 2, "interruptingLabels": ["Old"]}}},
        },
    )
    with pytest.raises(SpecError) as err:
        await setup_job(sim, spec, tmp_path)
    assert [(p.line, p.message) for p in err.value.problems] == [
        (8, "utilizationDefault: utilization label 'Gold' is not in the org"),
        (8, "utilizationDefault: utilization label 'Old' is deleted by this job"),
    ]
