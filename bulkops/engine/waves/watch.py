"""The watch after a wave: the affected queues read every few seconds for a while, every reading
checked against the gate, the first breach ending it (#31 §3).

The clock and the sleep are injected (tests run a ten-minute watch in no time); every reading is
handed to ``on_reading`` before it is judged, so it is recorded whatever follows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.queue_observations import QueueObservation, queue_observations
from bulkops.domain.rollout.gate import Breach, Gate, Metric, breaches
from bulkops.state.waveslog import GateReading

#: Seconds between two readings of the watched queues.
EVERY_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class WatchOutcome:
    """How a watch ended: the breaches of its first failing reading (none: it held), the seconds
    of watch done (carried over from before a resume), and how many readings it took."""

    breaches: tuple[Breach, ...] = ()
    watched: float = 0.0
    readings: int = 0
    stopped: bool = False

    @property
    def held(self) -> bool:
        return not self.breaches and not self.stopped


@dataclass(frozen=True, slots=True)
class Watch:
    """What to watch and how: queue id -> name, the gate, the watch's length and polling."""

    queues: Mapping[str, str]
    gate: Gate
    seconds: float
    every: float = EVERY_SECONDS
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    stopping: Callable[[], bool] = field(default=lambda: False)


def values_of(o: QueueObservation | None) -> dict[Metric, float | None]:
    """A queue's reading by gate metric; a queue the answer left out is unread (None: no breach)."""
    if o is None:
        return {"waiting": None, "interacting": None, "onQueue": None, "serviceLevel": None}
    return {"waiting": float(o.waiting), "interacting": float(o.interacting), "onQueue": float(o.agents_on_queue), "serviceLevel": o.service_level}


async def read_once(client: GenesysClient, watch: Watch, wave: int, elapsed: float) -> tuple[list[GateReading], list[Breach]]:
    """One reading of every watched queue, as records, and the breaches in it."""
    seen = await queue_observations(client, watch.queues, service_level=watch.gate.needs_service_level)
    readings, found = [], []
    for qid, name in watch.queues.items():
        values = values_of(seen.get(qid))
        failed = breaches(watch.gate, {name: values})
        found += failed
        readings.append(GateReading(wave, elapsed, qid, name, {str(k): v for k, v in values.items()}, tuple(str(b.condition) for b in failed)))
    return readings, found


async def watch_queues(client: GenesysClient, watch: Watch, *, wave: int, done_before: float, on_reading: Callable[[GateReading, float], None]) -> WatchOutcome:
    """Read the queues now and then every ``every`` seconds until ``seconds`` of watch are done
    (``done_before`` of them before a resume); a breach ends it at once. ``on_reading`` gets each
    reading with the seconds of watch done. A watch of no queue waits its time reading nothing."""
    start = watch.clock() - done_before
    count = 0
    while True:
        elapsed = watch.clock() - start
        if watch.stopping():
            return WatchOutcome(watched=elapsed, readings=count, stopped=True)
        found: list[Breach] = []
        if watch.queues:
            readings, found = await read_once(client, watch, wave, elapsed)
            count += 1
            for r in readings:
                on_reading(r, elapsed)
        if found:
            return WatchOutcome(tuple(found), elapsed, count)
        left = watch.seconds - elapsed
        if left <= 0:
            return WatchOutcome(watched=elapsed, readings=count)
        await watch.sleep(min(watch.every, left))
