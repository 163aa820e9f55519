"""The watch between waves (#31 §3) over HTTP against the routing profile's org, with an injected
clock and sleep so a ten-minute watch takes no time: readings every few seconds until the watch is
done, the rest of a watch cut short, a breach ending it at once, a stop request, no queue to read."""

from __future__ import annotations

import pytest_asyncio
from helpers.clients import make_client

from bulkops.domain.rollout.gate import parse_gate
from bulkops.engine.waves.watch import Watch, watch_queues
from bulkops.simulator import SimConfig
from bulkops.state.waveslog import GateReading
from tests.helpers.clock import FakeTime

ROUTING = SimConfig(routing_picture=True, queue_traffic=True)


@pytest_asyncio.fixture(loop_scope="session")
async def routed(sim):
    sim.sim.reset(ROUTING)
    c = make_client(sim, rps=500)
    yield sim.sim, c
    await c.close()


def _watch(sim, gate: list[str], seconds: float, t: FakeTime, **kw) -> Watch:
    ids = sim.queue_ids_by_name()
    queues = {ids["Support ES"]: "Support ES", ids["VIP"]: "VIP"}
    return Watch(queues, parse_gate(gate), seconds, 5.0, clock=t.clock, sleep=t.sleep, **kw)


async def test_a_held_gate_is_read_every_few_seconds_to_the_end(routed):
    sim, client = routed
    t = FakeTime()
    seen: list[tuple[GateReading, float]] = []
    outcome = await watch_queues(client, _watch(sim, ["waiting<=100"], 600, t), wave=0, done_before=0, on_reading=lambda r, e: seen.append((r, e)))
    assert outcome.held and outcome.readings == 121 and outcome.watched == 600  # at 0, 5, ..., 600
    assert sum(t.slept) == 600 and max(t.slept) == 5
    assert {r.queue for r, _ in seen} == {"Support ES", "VIP"} and len(seen) == 242
    assert all(r.values["waiting"] is not None and r.values["serviceLevel"] is None for r, _ in seen)  # no level asked


async def test_a_watch_cut_short_carries_on_for_the_rest(routed):
    sim, client = routed
    t = FakeTime()
    outcome = await watch_queues(client, _watch(sim, ["waiting<=100"], 20, t), wave=1, done_before=12, on_reading=lambda r, e: None)
    assert outcome.held and sum(t.slept) == 8 and outcome.watched == 20


async def test_a_breach_ends_the_watch_at_once_naming_the_queue(routed):
    sim, client = routed
    t = FakeTime()
    outcome = await watch_queues(client, _watch(sim, ["VIP:onQueue>=100", "serviceLevel>=0"], 600, t), wave=0, done_before=0, on_reading=lambda r, e: None)
    assert not outcome.held and t.slept == [] and outcome.readings == 1
    [breach] = outcome.breaches
    assert breach.queue == "VIP" and breach.condition.metric == "onQueue"


async def test_a_stop_request_ends_the_watch_before_its_next_reading(routed):
    sim, client = routed
    t = FakeTime()
    outcome = await watch_queues(
        client, _watch(sim, ["waiting<=100"], 600, t, stopping=lambda: len(t.slept) >= 2), wave=0, done_before=0, on_reading=lambda r, e: None
    )
    assert outcome.stopped and not outcome.held and outcome.readings == 2 and outcome.watched == 10


async def test_no_queue_to_watch_waits_its_time_reading_nothing(routed):
    _, client = routed
    t = FakeTime()
    before = client.stats.requests
    watch = Watch({}, parse_gate(["waiting<=3"]), 12, 5.0, clock=t.clock, sleep=t.sleep)
    outcome = await watch_queues(client, watch, wave=0, done_before=0, on_reading=lambda r, e: None)
    assert outcome.held and outcome.readings == 0 and sum(t.slept) == 12 and client.stats.requests == before
