"""``GET /api/v2/organizations/me`` and the pool's one-org check, over HTTP against the simulator (#27 §7)."""

from __future__ import annotations

import dataclasses

import pytest
from helpers.clients import config_for, make_client, no_backoff

from bulkops.client import GenesysClient
from bulkops.client.connect.pool import ClientPool
from bulkops.client.endpoints.organization import Organization, organization
from bulkops.client.wire import ShapeError
from bulkops.errors import ConfigError
from bulkops.simulator import SimConfig


def _writes(stats: dict) -> int:
    return sum(v["total"] for k, v in stats["byRoute"].items() if not k.startswith(("GET ", "POST /oauth")))


async def test_the_org_is_typed_and_one_per_seed(sim):
    client = make_client(sim, rps=500)
    try:
        first = await client.get_organization()
        sim.sim.reset(SimConfig())
        again = await client.get_organization()
        sim.sim.reset(SimConfig(seed=2))
        other = await client.get_organization()
    finally:
        await client.close()
    assert isinstance(first, Organization) and first == again  # stable for a seed, across resets
    assert first.state == "active" and first.product_platform == "GenesysCloud" and first.version == 1
    assert other.id != first.id and other.name != first.name
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("bad", [[], {"id": "o"}, {"id": "o", "name": 3}, {"id": "o", "name": "n", "version": "1"}, {"name": "n"}])
def test_an_answer_without_a_string_id_and_name_is_malformed(bad):
    with pytest.raises(ShapeError):
        organization(bad)


def _pool_members(sim, *ids: str) -> list:
    primary = config_for(sim, rps=2000)
    creds = sim.sim.config.credentials
    return [dataclasses.replace(primary, client_id=cid, client_secret=creds[cid]) for cid in ids]


async def test_a_pool_of_one_org_opens_and_names_it(sim):
    sim.sim.reset(SimConfig(users=5, extra_clients=2))
    primary = GenesysClient(config_for(sim, rps=2000), backoff=no_backoff)
    try:
        async with ClientPool.around(primary, _pool_members(sim, "bulkops-sim-2", "bulkops-sim-3"), backoff=no_backoff) as pool:
            org = await pool.check_one_org()
            assert org is not None and org == await primary.get_organization()
        assert await ClientPool([primary]).check_one_org() is None  # a pool of one reads nothing
    finally:
        await primary.close()
    assert set(sim.sim.stats()["byClient"]) == {"bulkops-sim", "bulkops-sim-2", "bulkops-sim-3"}


async def test_a_pool_with_a_client_of_another_org_is_refused_before_any_write_naming_both(sim):
    sim.sim.reset(SimConfig(users=5, extra_clients=2, other_org_clients=frozenset({"bulkops-sim-3"})))
    primary = GenesysClient(config_for(sim, rps=2000), backoff=no_backoff)
    try:
        ours = await primary.get_organization()
        with pytest.raises(ConfigError) as info:
            async with ClientPool.around(primary, _pool_members(sim, "bulkops-sim-2", "bulkops-sim-3"), backoff=no_backoff):
                pytest.fail("the pool opened")
    finally:
        await primary.close()
    message = str(info.value)
    assert "'bulkops-sim-3'" in message and "'bulkops-sim'" in message and ours.name in message and ours.id in message
    assert "Contact Centre" in message.split("bulkops-sim-3")[1].split(", but")[0]  # the other org named too
    assert _writes(sim.sim.stats()) == 0
