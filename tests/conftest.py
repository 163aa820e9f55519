"""Shared fixtures: one Genesys Cloud simulator served over real HTTP for the whole session.

``simulator`` starts it once; ``sim`` resets it to the default org (``SimConfig()``,
no faults) before each test and returns the same handle. A test that needs another
org or faults calls ``handle.sim.reset(SimConfig(...))`` or ``handle.sim.configure(...)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest_asyncio
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, settings

from bulkops.logsetup import configure_logging
from bulkops.simulator import AdjustableClock, SimConfig, Simulator
from bulkops.simulator.config import profile_config

configure_logging("warning")  # importing bulkops configures nothing; tests log at warning

# One Hypothesis profile for the whole suite, loaded before any test module is imported (a test's own
# ``settings(max_examples=...)`` takes the rest from it): no per-example deadline and no health check
# on slow generation, so a machine busy with other work slows the properties down but never fails them.
settings.register_profile(
    "bulkops",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile("bulkops")


@dataclass
class SimHandle:
    """What a test needs to talk to the simulator: the object itself and where it listens."""

    sim: Simulator
    base_url: str  # e.g. http://127.0.0.1:54321 (no trailing slash)
    clock: AdjustableClock

    @property
    def client_id(self) -> str:
        return self.sim.config.client_id

    @property
    def client_secret(self) -> str:
        return self.sim.config.client_secret

    def advance(self, seconds: float) -> None:
        """Move the simulator's clock forward (token/cursor expiry, rate-limit refill) without sleeping."""
        self.clock.advance(seconds)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def simulator():
    clock = AdjustableClock()
    sim = Simulator(SimConfig(), clock=clock)
    server = TestServer(sim.app, host="127.0.0.1")
    await server.start_server()
    try:
        yield SimHandle(sim=sim, base_url=str(server.make_url("")).rstrip("/"), clock=clock)
    finally:
        await server.close()


@pytest_asyncio.fixture(loop_scope="session")
async def sim(simulator: SimHandle) -> SimHandle:
    simulator.sim.reset(SimConfig())
    return simulator


@pytest_asyncio.fixture(loop_scope="session")
async def real_sim(simulator: SimHandle) -> SimHandle:
    """The simulator as ``bulkops sim serve --profile real`` (a real org's hard parts), with its
    rate window opened to 6,000/min so a test stays fast; the fixed-window mode stays."""
    simulator.sim.reset(profile_config("real", rate_per_minute=6000))
    return simulator
