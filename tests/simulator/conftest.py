"""Fixtures for the simulator's own tests: an HTTP session and an authenticated client."""

from __future__ import annotations

import aiohttp
import pytest_asyncio
from simhelpers import Api, get_token


@pytest_asyncio.fixture(loop_scope="session")
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest_asyncio.fixture(loop_scope="session")
async def api(http, sim) -> Api:
    return Api(http, sim, await get_token(http, sim))
