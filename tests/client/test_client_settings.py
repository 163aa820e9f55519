"""Wrong connection settings fail at once with what to check, instead of being retried for the whole budget."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from helpers.clients import make_client

from bulkops.errors import ConfigError, TransportError


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


async def test_a_refused_connection_is_still_retried_then_a_transport_error():
    gone = At("http://127.0.0.1:9", "id", "secret")
    async with make_client(gone, max_attempts=2, max_retry_seconds=2) as client:
        with pytest.raises(TransportError):
            await client.get_user("x")
