"""GENESYSCLOUD_ACCESS_TOKEN: a token obtained elsewhere, used as it is, over real HTTP."""

from __future__ import annotations

import asyncio
import base64

import aiohttp
import pytest

from bulkops.client import ClientConfig, GenesysClient
from bulkops.client.connect.config import ENV_ACCESS_TOKEN
from bulkops.errors import AccessTokenRefusedError, CredentialsError
from bulkops.simulator import SimConfig


async def token_from(sim) -> str:
    """A token from the simulator's own token endpoint, as `gc` or a pipeline would get one."""
    basic = base64.b64encode(f"{sim.client_id}:{sim.client_secret}".encode()).decode()
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sim.base_url}/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}) as resp:
            return str((await resp.json())["access_token"])


def token_route_calls(sim) -> int:
    return int(sim.sim.stats()["byRoute"].get("POST /oauth/token", {}).get("total", 0))


async def test_a_ready_token_is_used_as_it_is_and_the_token_endpoint_is_never_asked(sim):
    token = await token_from(sim)
    config = ClientConfig.resolve(base_url=sim.base_url, env={ENV_ACCESS_TOKEN: token})
    async with GenesysClient(config) as client:
        users = sim.sim.user_ids()[:5]
        got = await asyncio.gather(*(client.get_user(u) for u in users))
        assert [r.data["id"] for r in got] == users
        assert client.auth.fetches == 0
    assert token_route_calls(sim) == 1  # only the fetch above, made outside bulkops


async def test_a_401_on_a_ready_token_is_final_and_says_the_token_expired_or_was_revoked(sim):
    sim.sim.reset(SimConfig(token_ttl=600))
    token = await token_from(sim)
    config = ClientConfig.resolve(base_url=sim.base_url, env={ENV_ACCESS_TOKEN: token})
    async with GenesysClient(config) as client:
        await client.get_user(sim.sim.user_ids()[0])
        sim.advance(700)  # the token has expired on the server
        with pytest.raises(AccessTokenRefusedError) as refused:
            await client.get_user(sim.sim.user_ids()[1])
        assert isinstance(refused.value, CredentialsError)  # the engine's fatal class: exit 5
        assert "GENESYSCLOUD_ACCESS_TOKEN" in str(refused.value) and "expired or was revoked" in str(refused.value)
        assert token not in str(refused.value)
        assert client.stats.by_status[401] == 1 and client.auth.fetches == 0  # no retry, no token request
    assert token_route_calls(sim) == 1
