"""ClientPool: lanes map to clients, a refused client's lanes move, its request is sent again
through the lane's new client; over HTTP against the simulator's extra clients."""

from __future__ import annotations

import dataclasses

import pytest
from helpers.clients import config_for, no_backoff

from bulkops.client import GenesysClient
from bulkops.client.connect.pool import ClientPool, PoolLane, credentials_refused
from bulkops.errors import AuthError, CredentialsError
from bulkops.simulator import SimConfig


def clients(sim, n: int) -> list[GenesysClient]:
    primary = config_for(sim, rps=2000)
    creds = list(sim.sim.config.credentials.items())[:n]
    return [GenesysClient(dataclasses.replace(primary, client_id=cid, client_secret=secret), backoff=no_backoff) for cid, secret in creds]


async def close(pool: ClientPool) -> None:
    for c in pool.clients:
        await c.close()


def test_what_counts_as_the_client_refused():
    assert credentials_refused(CredentialsError(401, "invalid_client"))
    assert credentials_refused(CredentialsError(403, "refused"))  # the token endpoint: never about one object
    assert credentials_refused(AuthError(401, "bad.credentials"))
    assert not credentials_refused(AuthError(403, "missing.division.permission"))  # one object, one permission
    assert not credentials_refused(ValueError())


async def test_lanes_go_through_their_own_client_and_a_refused_clients_lanes_move(sim):
    sim.sim.reset(SimConfig(users=5, extra_clients=2))
    pool = ClientPool(clients(sim, 3))
    try:
        a, b, c = pool.clients
        assert [pool.client_for(i) for i in range(6)] == [a, b, c, a, b, c]
        assert pool.client_for(None) is a
        pool.fail(b, AuthError(401, "refused"))
        pool.fail(b, AuthError(401, "refused again"))  # reported once
        assert list(pool.failures) == [1] and "refused" in pool.failures[1].reason and "again" not in pool.failures[1].reason
        moved = [pool.client_for(i) for i in range(6)]
        assert moved[0] is a and moved[2] is c and moved[3] is a and moved[5] is c  # the others keep theirs
        assert {moved[1], moved[4]} <= {a, c} and b not in moved
        pool.fail(a, AuthError(401, "refused"))
        assert {pool.client_for(i) for i in range(6)} == {c} and pool.client_for(None) is c
        with pytest.raises(AuthError, match="last"):
            pool.fail(c, AuthError(401, "last"))
        with pytest.raises(AuthError, match="last"):
            pool.client_for(0)
    finally:
        await close(pool)


async def test_a_lane_sends_a_refused_request_again_through_its_new_client(sim):
    sim.sim.reset(SimConfig(users=5, extra_clients=2))
    pool = ClientPool(clients(sim, 3))
    try:
        lane = pool.lane(1)
        assert isinstance(lane, PoolLane) and pool.lane(1) is lane
        assert (await lane.get_user(sim.sim.user_ids()[0])).status == 200
        sim.sim.configure(revoked_clients={"bulkops-sim-2"})
        sim.sim.tokens.expire_all()  # its next request needs a new token, which is refused
        resp = await lane.get_user(sim.sim.user_ids()[1])
        assert resp.status == 200
        assert pool.failed(pool.clients[1]) is not None and pool.failed(pool.clients[0]) is None
        by_client = sim.sim.stats()["byClient"]
        assert by_client["bulkops-sim-2"] == 3  # its token, the first read, the refused token request
        assert pool.requests == sim.sim.stats()["total"] == pool.stats().requests
        assert pool.stats().by_kind["token"] == 3  # three token requests: two answered, one refused
    finally:
        await close(pool)


async def test_a_forbidden_object_is_not_the_client_refused(sim):
    sim.sim.reset(SimConfig(users=5, extra_clients=1, forbidden_divisions=frozenset({"*"})))
    pool = ClientPool(clients(sim, 2))
    try:
        uid = sim.sim.user_ids()[0]
        with pytest.raises(AuthError) as refused:
            await pool.lane(1).request("PATCH", f"/api/v2/users/{uid}/routingskills/bulk", json=[])
        assert refused.value.status == 403 and not pool.failures
    finally:
        await close(pool)


async def test_a_pool_of_one_is_its_client(sim):
    (only,) = clients(sim, 1)
    pool = ClientPool([only])
    try:
        assert pool.lane(0) is only and pool.lane(None) is only and pool.stats() is only.stats
        with pytest.raises(AuthError):
            pool.fail(only, AuthError(401, "refused"))
    finally:
        await close(pool)
