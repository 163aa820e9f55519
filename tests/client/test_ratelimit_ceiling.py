"""The ``--rps`` ceiling (aiolimiter, on the event loop's real clock) is a true ceiling.

The rule tests move a fake clock; aiolimiter reads the loop's clock, so these run in real time
(about a second each). They assert only what holds however busy the machine is: a leaky bucket
of capacity 1.9 admits at most ``ceil(rps) + 1`` starts in any 1-second window and needs at least
``(n - 1.9) / rps`` seconds for n starts. A busy loop (simulated by blocking it now and then, as a
loaded machine does) only makes starts later, never denser. Speed figures: scripts/bench_engine.py.
"""

import asyncio
import math
import time

from helpers.clients import make_client

from bulkops.client.ceiling import CAPACITY, RateCeiling
from bulkops.client.ratelimit import RateGovernor
from bulkops.client.transport import Transport
from bulkops.simulator import SimConfig


def busiest_second(starts):
    """The most starts in any window [t, t + 1) that opens at a start."""
    starts = sorted(starts)
    return max(sum(1 for u in starts[i:] if u < t + 1.0) for i, t in enumerate(starts))


async def starts_of(acquire, n, *, workers=16, stall_every=7):
    """``n`` acquisitions by ``workers`` tasks; every ``stall_every``-th start blocks the loop for 40 ms."""
    loop = asyncio.get_running_loop()
    starts = []

    async def worker():
        while len(starts) < n:
            await acquire()
            starts.append(loop.time())
            if len(starts) % stall_every == 0:
                time.sleep(0.04)  # the loop is late for everyone: the wake-ups pile up

    await asyncio.gather(*(worker() for _ in range(workers)))
    return starts


async def test_no_one_second_window_holds_more_than_ceil_rps_plus_one_starts():
    rps = 100
    starts = await starts_of(RateCeiling(rps).acquire, 100)
    assert busiest_second(starts) <= math.ceil(rps) + 1
    assert max(starts) - min(starts) >= (len(starts) - CAPACITY) / rps  # never faster than rps over a run


async def test_the_governor_on_the_loop_clock_keeps_its_schedule_under_the_ceiling():
    """The schedule catches late wake-ups up: alone (as before the ceiling) it let 105 starts into one
    second here, as it let 10-11 into a second at --rps 8 in a real run; the ceiling under it holds 101."""
    rps = 100
    gov = RateGovernor(rps)
    starts = await starts_of(gov.acquire, 150)
    assert busiest_second(starts) <= math.ceil(rps) + 1
    assert max(starts) - min(starts) >= (len(starts) - CAPACITY) / rps


async def test_a_fractional_rate_is_bounded_by_its_ceiling_plus_one():
    rps = 30.5  # the bound is ceil(30.5) + 1 = 32
    starts = await starts_of(RateGovernor(rps).acquire, 45, stall_every=3)
    assert busiest_second(starts) <= math.ceil(rps) + 1


async def test_one_ceiling_serves_each_event_loop_it_is_used_on():
    ceiling = RateCeiling(1000)
    await ceiling.acquire()

    def other_loop():
        asyncio.run(ceiling.acquire())  # a fresh bucket for the new loop, no cross-loop warning

    await asyncio.to_thread(other_loop)
    await ceiling.acquire()


class RecordingTransport(Transport):
    """The real transport, noting when each API request leaves (the token request is not paced)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.starts = []

    async def send(self, method, url, **kw):
        if "/api/v2/" in url:
            self.starts.append(asyncio.get_running_loop().time())
        return await super().send(method, url, **kw)


async def test_the_default_client_over_http_never_passes_its_ceiling(sim):
    sim.sim.reset(SimConfig(users=20))
    rps = 40
    transport = RecordingTransport(timeout=10, max_connections=16)
    c = make_client(sim, rps=rps, transport=transport)  # the default governor: the loop's clock, the ceiling
    uid = sim.sim.user_ids()[0]

    async def worker(k):
        for _ in range(5):
            await c.get_user(uid)
            if k % 4 == 0:
                time.sleep(0.03)

    await asyncio.gather(*(worker(k) for k in range(16)))
    assert c.stats.by_status == {200: 80}
    assert busiest_second(transport.starts) <= math.ceil(rps) + 1
    assert max(transport.starts) - min(transport.starts) >= (80 - CAPACITY) / rps
    await c.close()


async def test_a_pause_that_starts_while_waiting_at_the_ceiling_is_honoured():
    """A 429 that arrives while a request waits at the ceiling (after its slot) holds that request too."""
    loop = asyncio.get_running_loop()
    gov = RateGovernor(1000, max_pause=5, ceiling=RateCeiling(2))  # slots 1 ms apart, the ceiling 0.05 s
    await gov.acquire()
    waiting = asyncio.create_task(gov.acquire())
    await asyncio.sleep(0.01)  # its slot has come: it waits at the ceiling now
    paused_at = loop.time()
    gov.pause(0.3)
    await waiting
    assert loop.time() - paused_at >= 0.3
