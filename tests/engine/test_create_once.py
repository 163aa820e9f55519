"""A create whose answer is lost is looked up, never sent again blind (#27 §2).

The real client and engine, the simulator, and the fault proxy between them. The proxy forwards a
skill or label create to the simulator (it lands), then answers 502, or drops the connection: the
job ends with the object created exactly once (counted in the simulator's org), one POST sent, the
item ``applied`` in the audit. A 502 the proxy makes up without forwarding (the platform did not
act) is looked up, found absent, and sent again: still one object. A clean refusal (a 4xx) is not
looked up, and a 429 is sent again without a look-up.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from helpers.clients import client_for, make_client, no_backoff
from helpers.faultproxy import RESET, Delay, FaultProxy, Forward, Via, status

from bulkops.client.endpoints.routing_config import DuplicateSkillError, create_skill_definition
from bulkops.client.endpoints.utilization import create_label
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.errors import BadRequestError
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson

OPTS = RunOptions(workers=4, conflict_delay=0.0)
SKILLS = r"/api/v2/routing/skills"
LABELS = r"/api/v2/routing/utilization/labels"

#: kind -> (the spec's section and entry, the POST's path, the org's objects of that name)
KINDS = {
    "skill": (
        {"skills": [{"create": "Digital Care"}]},
        SKILLS,
        lambda s: [x for x in s.org.skills.values() if x.name == "Digital Care" and x.state != "deleted"],
    ),
    "label": ({"utilizationLabels": [{"create": "Escalations"}]}, LABELS, lambda s: [x for x in s.org.utilization.labels.values() if x.name == "Escalations"]),
}
LOST = {"502 after acting": Forward(status(502)), "reset after acting": Forward(RESET)}


async def run_through(sim, proxy, spec_body, tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"version": 2, **spec_body}))
    via = Via(proxy.base_url, sim.client_id, sim.client_secret)
    async with client_for(via, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path / "state")
        summary = await execute(client, setup, options=OPTS)
    return setup, summary


def items(setup) -> list[tuple[str, str]]:
    return [(r["kind"], r["outcome"]) for r in read_ndjson(setup.paths.audit) if r.get("kind")]


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("lost", sorted(LOST))
async def test_a_create_whose_answer_is_lost_after_it_landed_is_adopted_not_sent_again(sim, tmp_path, kind, lost):
    sim.sim.reset(SimConfig(users=20, seed=27))
    spec_body, path, named = KINDS[kind]
    async with FaultProxy(sim.base_url) as proxy:
        rule = proxy.inject("POST", path, LOST[lost], times=1)
        setup, summary = await run_through(sim, proxy, spec_body, tmp_path)
        posts, lookups = proxy.count("POST", path), proxy.count("GET", path)
    assert rule.injected == 1
    assert summary["status"] == "complete", summary
    assert len(named(sim.sim)) == 1  # created exactly once
    assert posts == 1 and lookups >= 2  # set-up's read, then the look-up after the lost answer
    assert items(setup) == [(kind, "applied")]
    record = next(r for r in read_ndjson(setup.paths.audit) if r.get("kind"))
    assert record["after"]["id"] == named(sim.sim)[0].id  # the audit names the object the platform made


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_a_5xx_before_the_platform_acted_is_looked_up_then_sent_again_once(sim, tmp_path, kind):
    sim.sim.reset(SimConfig(users=20, seed=27))
    spec_body, path, named = KINDS[kind]
    async with FaultProxy(sim.base_url) as proxy:
        proxy.inject("POST", path, status(503), times=1)  # answered by the proxy: nothing landed
        setup, summary = await run_through(sim, proxy, spec_body, tmp_path)
        posts = proxy.count("POST", path)
    assert summary["status"] == "complete", summary
    assert len(named(sim.sim)) == 1 and posts == 2
    assert items(setup) == [(kind, "applied")]


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_a_create_that_times_out_and_lands_late_is_still_made_once(sim, tmp_path, kind):
    """The answer outlasts the client's timeout and the create reaches the org only afterwards: the
    look-up misses it, the create is sent again and lands; the late one meets the duplicate name."""
    sim.sim.reset(SimConfig(users=20, seed=27))
    spec_body, path, named = KINDS[kind]
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"version": 2, **spec_body}))
    async with FaultProxy(sim.base_url) as proxy:
        proxy.inject("POST", path, Delay(2.0), times=1)  # forwarded after the client gave up
        via = Via(proxy.base_url, sim.client_id, sim.client_secret)
        async with client_for(via, rps=3000, timeout=0.5) as client:
            setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path / "state")
            summary = await execute(client, setup, options=OPTS)
        await asyncio.sleep(2.0)  # the late create has reached the simulator by now
        posts = proxy.count("POST", path)
    assert summary["status"] == "complete", summary
    assert len(named(sim.sim)) == 1 and posts == 2
    assert items(setup) == [(kind, "applied")]


async def test_a_clean_refusal_is_raised_without_a_look_up_and_a_429_is_sent_again_without_one(sim):
    async with FaultProxy(sim.base_url) as proxy:
        via = Via(proxy.base_url, sim.client_id, sim.client_secret)
        async with make_client(sim, via=via, backoff=no_backoff, rps=3000) as client:
            proxy.inject("POST", SKILLS, status(400, {"message": "name too long", "code": "bad.request", "status": 400}), times=1)
            with pytest.raises(BadRequestError):
                await create_skill_definition(client, "Refused Skill")
            proxy.inject("POST", LABELS, status(429, retry_after="0"), times=1)
            made = await create_label(client, "Paced Label")
            with pytest.raises(DuplicateSkillError):  # a duplicate name refused is still said as such
                await create_skill_definition(client, next(iter(sim.sim.skill_ids_by_name())))
        assert proxy.count("GET", SKILLS) == 0 and proxy.count("GET", LABELS) == 0  # no look-up for any of them
        assert proxy.count("POST", LABELS) == 2 and made.name == "Paced Label"
    assert "Refused Skill" not in sim.sim.skill_ids_by_name()
