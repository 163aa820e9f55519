"""A base URL that answers 3xx (#25 §8a): never followed, never retried, a settings error (exit 5).

A FaultProxy stands for the misconfigured host and redirects to a second one that would answer
correctly: following the redirect would send the client secret or the bearer token there.
"""

import pytest
from helpers.clients import make_client, no_backoff
from helpers.faultproxy import FaultProxy, status

from bulkops.errors import ConfigError


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
async def test_a_redirected_token_request_is_refused_at_once_naming_status_and_location(sim, proxy, code):
    async with FaultProxy(sim.base_url) as elsewhere:
        target = f"{elsewhere.base_url}/oauth/token"
        proxy.inject("POST", r"/oauth/token", status(code, b"", headers={"Location": target}))
        client = make_client(sim, via=proxy, backoff=no_backoff, max_attempts=5)
        try:
            with pytest.raises(ConfigError) as caught:
                await client.get_user(sim.sim.user_ids()[0])
        finally:
            await client.close()
        assert f"HTTP {code}" in str(caught.value) and target in str(caught.value)
        assert proxy.count("POST", r"/oauth/token") == 1  # not retried
        assert elsewhere.count() == 0  # not followed: the secret never left for the other host
        assert client.stats.requests == 1


async def test_a_redirected_api_call_is_refused_at_once_and_the_token_never_leaves(sim, proxy):
    async with FaultProxy(sim.base_url) as elsewhere:
        proxy.inject("GET", r"/api/v2/users/[^/]+", status(307, b"", headers={"Location": f"http://0.0.0.0:{elsewhere.base_url.rsplit(':', 1)[1]}/x"}))
        client = make_client(sim, via=proxy, backoff=no_backoff, max_attempts=5)
        try:
            with pytest.raises(ConfigError, match=r"HTTP 307 redirecting to http://0\.0\.0\.0:\d+/x"):
                await client.get_user(sim.sim.user_ids()[0])
        finally:
            await client.close()
        assert proxy.count("GET", r"/api/v2/users/[^/]+") == 1
        assert proxy.count("POST", r"/oauth/token") == 1
        assert elsewhere.count() == 0


async def test_a_hostile_location_is_escaped_and_cut_short(sim, proxy):
    proxy.inject("POST", r"/oauth/token", status(302, b"", headers={"Location": "http://x/\u202egnp.exe" + "a" * 5000}))
    client = make_client(sim, via=proxy, backoff=no_backoff)
    try:
        with pytest.raises(ConfigError) as caught:
            await client.get_user(sim.sim.user_ids()[0])
    finally:
        await client.close()
    text = str(caught.value)
    assert "\u202e" not in text and "\\u202egnp.exe" in text and len(text) < 600


async def test_a_redirect_without_location_is_refused_too(sim, proxy):
    proxy.inject("GET", r"/api/v2/users/[^/]+", status(302, b""))
    client = make_client(sim, via=proxy, backoff=no_backoff)
    try:
        with pytest.raises(ConfigError, match="HTTP 302 redirecting to no Location"):
            await client.get_user(sim.sim.user_ids()[0])
    finally:
        await client.close()
