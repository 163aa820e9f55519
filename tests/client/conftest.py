import pytest_asyncio
from clienthelpers import make_client


@pytest_asyncio.fixture(loop_scope="session")
async def client(sim):
    c = make_client(sim, rps=500)
    yield c
    await c.close()
