"""The client counts every request it sends under the kind its caller labelled, the token's included.

The witness is the simulator's own counter (and, for requests the simulator never sees, the
fault proxy's): the client's ``stats.requests`` must be what the server charged.
"""

from __future__ import annotations

import asyncio

import pytest
from helpers.clients import make_client
from helpers.faultproxy import RESET, status

from bulkops.client.requestkind import CATALOGUE, REFETCHES, WRITES, request_kind
from bulkops.errors import AuthError
from bulkops.simulator import SimConfig


async def test_each_request_is_counted_under_its_label_and_the_token_under_token(sim):
    s = sim.sim
    uid = s.user_ids()[0]
    skill = next(iter(s.skill_ids_by_name().values()))
    async with make_client(sim, rps=500) as c:
        with request_kind(CATALOGUE):
            await c.all_entities("/api/v2/routing/skills", page_size=10)
        with request_kind(WRITES):
            await c.upsert_skills(uid, {skill: 3.0})
        await c.get_user(uid)  # nobody labelled it
    server = s.stats()
    assert c.stats.requests == server["total"] == sum(c.stats.by_kind.values())
    assert c.stats.by_kind == {"token": 1, "catalogue": server["byRoute"]["GET /api/v2/routing/skills"]["total"], "writes": 1, "other": 1}
    assert sum(c.stats.by_status.values()) == c.stats.requests - 1  # the API's answers; the token's is under by_kind only


async def test_tasks_started_inside_a_label_inherit_it(sim):
    ids = sim.sim.user_ids()[:6]
    async with make_client(sim, rps=500) as c:
        with request_kind(REFETCHES):
            await asyncio.gather(*(asyncio.create_task(c.get_user(u)) for u in ids))
    assert c.stats.by_kind == {"token": 1, "refetches": 6}


async def test_a_token_refreshed_after_a_401_is_counted_again(sim):
    sim.sim.reset(SimConfig(token_ttl=600))
    uid = sim.sim.user_ids()[0]
    async with make_client(sim, rps=500) as c:
        await c.get_user(uid)
        sim.advance(700)  # the server drops the token; the client learns it from a 401
        await c.get_user(uid)
    assert c.auth.fetches == 2
    assert c.stats.by_kind == {"token": 2, "other": 3} and c.stats.requests == sim.sim.stats()["total"] == 5


async def test_token_requests_that_fail_are_counted_like_any_other(sim, proxy):
    proxy.inject("POST", r"/oauth/token", RESET, times=1)  # no answer at all
    proxy.inject("POST", r"/oauth/token", status(503), times=1)  # a transient refusal
    async with make_client(sim, via=proxy, rps=500, backoff=lambda state: 0.0) as c:
        await c.get_user(sim.sim.user_ids()[0])
    assert c.stats.by_kind["token"] == proxy.count("POST", r"/oauth/token") == 3
    assert c.stats.requests == sum(proxy.seen.values()) == 4 and c.stats.transport_errors == 1


async def test_refused_credentials_are_one_counted_request(sim):
    c = make_client(sim, rps=100, client_secret="wrong")
    with pytest.raises(AuthError):
        await c.get_user(sim.sim.user_ids()[0])
    await c.close()
    assert c.stats.by_kind == {"token": 1} and c.stats.requests == sim.sim.stats()["total"] == 1
