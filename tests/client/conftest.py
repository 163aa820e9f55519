import pytest_asyncio
from helpers.clients import make_client
from helpers.faultproxy import FaultProxy


@pytest_asyncio.fixture(loop_scope="session")
async def client(sim):
    c = make_client(sim, rps=500)
    yield c
    await c.close()


@pytest_asyncio.fixture(loop_scope="session")
async def proxy(sim):
    """A FaultProxy in front of the (freshly reset) simulator, with no rules yet."""
    async with FaultProxy(sim.base_url) as p:
        yield p
