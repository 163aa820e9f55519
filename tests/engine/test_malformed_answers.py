"""A malformed 200 is not an answer: at the engine's level, nothing is recorded from one.

The real client and engine against the simulator through the fault proxy. A transient bad
answer is retried and the job ends exactly as without it; a persistent one stops the pass
(resumable) and no user is recorded applied, unchanged or failed because of it.
"""

from __future__ import annotations

import pytest
from helpers.engine import client_for, email
from helpers.faultproxy import EMPTY_BODY, EMPTY_OBJECT, REPEAT_CURSOR, FaultProxy, Via
from test_reorg import write_json

from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, open_job, resolve_against_org
from bulkops.errors import MalformedResponseError, PassFailed
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson

OPTS = RunOptions(workers=4, conflict_delay=0.0, page_size=50)
BUDGET = {"max_attempts": 3, "max_retry_seconds": 5.0}


@pytest.fixture
async def proxied(sim):
    async with FaultProxy(sim.base_url) as proxy:
        yield proxy, Via(proxy.base_url, sim.client_id, sim.client_secret)


async def set_up(via, spec, tmp_path):
    async with client_for(via, rps=2000, **BUDGET) as client:
        opened = check_locally(spec)
        return create_job(await resolve_against_org(client, opened), state_dir=tmp_path)


async def run_pass(via, setup):
    async with client_for(via, rps=2000, **BUDGET) as client:
        return await execute(client, setup, options=OPTS)


def outcomes(setup) -> list[str]:
    return [r["outcome"] for r in read_ndjson(setup.paths.audit)]


async def test_an_empty_queue_members_answer_stops_the_pass_and_sends_no_leave_as_done(sim, proxied, tmp_path):
    proxy, via = proxied
    s = sim.sim
    sales = s.queue_ids_by_name()["Sales"]
    leavers = [s.user(u)["email"] for u in sorted(s.queue_member_ids(sales))[:11]]
    setup = await set_up(via, write_json(tmp_path / "leave.json", [{"user": e, "leaveQueues": ["Sales"]} for e in leavers]), tmp_path)
    rule = proxy.inject("GET", r"/api/v2/routing/queues/[^/]+/members", EMPTY_BODY)
    with pytest.raises(PassFailed) as failed:
        await run_pass(via, setup)
    assert isinstance(failed.value.cause, MalformedResponseError)
    assert rule.injected == 3  # the retry budget, then the stop
    assert outcomes(setup) == [] and setup.store.counts() == {"pending": 11}
    assert len(s.queue_member_ids(sales) & {u for u in s.user_ids() if s.user(u)["email"] in leavers}) == 11
    proxy.remove(rule)
    summary = await run_pass(via, open_job(tmp_path, setup.job_id))  # resume once the API answers properly
    assert summary["users"] == {"applied": 11, "total": 11}
    assert not s.queue_member_ids(sales) & {u for u in s.user_ids() if s.user(u)["email"] in leavers}


async def test_an_empty_object_for_a_users_page_is_retried_and_nobody_is_missed(sim, proxied, tmp_path):
    """Set-up lists the org (180 of its users named): a page answered ``{}`` is retried, not read as the end."""
    proxy, via = proxied
    users = [{"user": email(i), "skills": {"Billing": 1 + i % 5}} for i in range(180)]
    rule = proxy.inject("GET", r"/api/v2/users/query", EMPTY_OBJECT, nth=1)
    setup = await set_up(via, write_json(tmp_path / "m.json", users), tmp_path)
    assert rule.injected == 1 and setup.store.get("users_read") == "listing"
    summary = await run_pass(via, setup)
    assert summary["status"] == "complete" and not summary["users"].get("failed")
    assert summary["users"].get("applied", 0) + summary["users"].get("unchanged", 0) == 180


async def test_a_cursor_that_never_advances_stops_set_up_instead_of_listing_forever(sim, proxied, tmp_path):
    sim.sim.reset(SimConfig(users=1200))  # three pages of 500: listing beats fetching 180 by email
    proxy, via = proxied
    users = [{"user": email(i), "skills": {"Billing": 1 + i % 5}} for i in range(180)]
    proxy.inject("GET", r"/api/v2/users/query", REPEAT_CURSOR, query={"cursor": True})
    with pytest.raises(MalformedResponseError):
        await set_up(via, write_json(tmp_path / "m.json", users), tmp_path)
    assert proxy.count("GET", r"/api/v2/users/query") < 20
    assert not list(tmp_path.glob("*/state.db"))  # nothing stored, nothing written
