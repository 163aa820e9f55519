"""Wrong connection settings fail at once with what to check, instead of being retried for the whole budget."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestServer
from helpers.clients import make_client

from bulkops.client.contact import CONNECT_WINDOW, FIRST_CONTACT_PAUSE
from bulkops.errors import CannotConnectError, ConfigError, TransportError
from bulkops.simulator import SimConfig, Simulator


@dataclass
class At:
    base_url: str
    client_id: str
    client_secret: str


async def test_https_to_a_plain_http_server_is_a_settings_error(sim):
    wrong = At(sim.base_url.replace("http://", "https://"), sim.client_id, sim.client_secret)
    started = time.monotonic()
    async with make_client(wrong, max_retry_seconds=30) as client:
        with pytest.raises(ConfigError, match="TLS .* check the scheme of --base-url"):
            await client.get_user("x")
    assert time.monotonic() - started < 15  # not retried for the 30 s budget (loose: a busy machine is slow too)


async def test_a_host_that_does_not_resolve_is_a_settings_error():
    wrong = At("https://bulkops-test.invalid", "id", "secret")
    async with make_client(wrong, max_retry_seconds=30) as client:
        with pytest.raises(ConfigError, match="cannot resolve the host 'bulkops-test.invalid'"):
            await client.get_user("x")


async def test_nothing_listening_at_start_ends_in_seconds_naming_the_url():
    """#28 §5: a refused first contact is given a few seconds, not the retry budget, and says where."""
    gone = At("http://127.0.0.1:9", "id", "secret")
    started = time.monotonic()
    async with make_client(gone, max_retry_seconds=120) as client:
        with pytest.raises(CannotConnectError, match=r"cannot connect to http://127\.0\.0\.1:9") as caught:
            await client.get_user("x")
    assert caught.value.url == "http://127.0.0.1:9"
    # the window, or 8 tries 0.5 s apart if sooner: seconds, not the 120 s budget (loose above: a busy machine is slow too)
    assert min(CONNECT_WINDOW, 7 * FIRST_CONTACT_PAUSE) <= time.monotonic() - started < 30


async def test_a_short_retry_budget_at_start_still_says_cannot_connect():
    gone = At("http://127.0.0.1:9", "id", "secret")
    async with make_client(gone, max_attempts=2, max_retry_seconds=1) as client:
        with pytest.raises(CannotConnectError):
            await client.get_user("x")


async def test_a_refused_connection_after_the_api_answered_is_retried_then_a_transport_error():
    """Once the API has answered, a refused connection is a blip (a restart, a load balancer):
    retried up to the budget, then the resumable TransportError."""
    sim = Simulator(SimConfig())
    server = TestServer(sim.app, host="127.0.0.1")
    await server.start_server()
    there = At(str(server.make_url("")).rstrip("/"), sim.config.client_id, sim.config.client_secret)
    async with make_client(there, max_retry_seconds=CONNECT_WINDOW + 3, timeout=5) as client:
        await client.get_user(sim.org.sorted_user_ids[0])
        await server.close()
        with pytest.raises(TransportError) as caught:
            await client.get_user("x")
    assert caught.value.no_connection and not isinstance(caught.value, CannotConnectError)
