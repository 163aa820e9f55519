"""Queue traffic (the ``routing`` profile, #31 §1): an offered load per queue, who is on queue, and
the record a reading of a queue gives.

Each queue is offered ``arrivals`` conversations per ``INTERVAL_SECONDS`` of ``handle_seconds``
each, seeded once with the org (a load the agents on queue at seeding carry at a plausible
occupancy) and kept in the org (``Org.queue_traffic``), so taking agents away later leaves the load
as it was and the queue's figures worsen. What the queue does with that load over simulated time is
``queuetime/``. Which of that is a guess: docs/simulator.md ("Queue traffic").
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from bulkops.domain.rollout import erlangc
from bulkops.simulator.model.analytics.activity import observations

if TYPE_CHECKING:
    from bulkops.simulator.model.org import Org

#: The interval an offered load is counted over (the half hour workforce planning uses).
INTERVAL_SECONDS = 1800.0
#: Seeded ranges (guesses): handle time in seconds, the occupancy the seeded agents run at, the
#: answer-time target and the service-level objective every queue gets.
HANDLE_SECONDS = (180.0, 420.0)
OCCUPANCY = (0.6, 0.85)
TARGET_SECONDS = 20.0
SERVICE_LEVEL_OBJECTIVE = 0.8
#: The load a queue with nobody on queue at seeding is offered (Erlangs), so it still has traffic.
UNSTAFFED_ERLANGS = (0.5, 2.0)


@dataclass(frozen=True, slots=True)
class QueueTraffic:
    """One queue's offered load and its service-level target."""

    arrivals: float  # conversations offered per INTERVAL_SECONDS
    handle_seconds: float
    target_seconds: float = TARGET_SECONDS
    objective: float = SERVICE_LEVEL_OBJECTIVE

    @property
    def load(self) -> erlangc.OfferedLoad:
        return erlangc.OfferedLoad(self.arrivals, INTERVAL_SECONDS, self.handle_seconds)


@dataclass(frozen=True, slots=True)
class QueueReading:
    """What a queue shows now: agents on queue per routing status, the conversations waiting and
    with an agent (its process in simulated time), and Erlang C's steady state for those agents."""

    queue_id: str
    on_queue: dict[str, int]  # routing status -> agents
    waiting: int
    interacting: int
    prediction: erlangc.Prediction

    @property
    def agents(self) -> int:
        return sum(self.on_queue.values())


def seed(org: Org) -> None:
    """An offered load for every queue, from the org's seed with a generator of its own (so every
    other seeded value stays as it was), sized to the agents on queue now."""
    rng = random.Random(f"queue-traffic:{org.seed}")
    agents = on_queue_by_queue(org)
    for qid in sorted(org.queues):
        handle = round(rng.uniform(*HANDLE_SECONDS))
        n = sum(agents.get(qid, {}).values())
        erlangs = n * rng.uniform(*OCCUPANCY) if n else rng.uniform(*UNSTAFFED_ERLANGS)
        org.queue_traffic[qid] = asdict(QueueTraffic(arrivals=round(erlangs * INTERVAL_SECONDS / handle, 1), handle_seconds=float(handle)))


def traffic_of(org: Org, queue_id: str) -> QueueTraffic | None:
    """The queue's offered load, or None when the org models no traffic for it."""
    rec = org.queue_traffic.get(queue_id)
    return QueueTraffic(**rec) if rec is not None else None


def on_queue_by_queue(org: Org) -> dict[str, dict[str, int]]:
    """Joined members on queue per queue, counted per routing status (as ``oOnQueueUsers`` is)."""
    out: dict[str, dict[str, int]] = {}
    for o in observations(org):
        if o.on_queue:
            counts = out.setdefault(o.queueId, {})
            counts[o.routingStatus] = counts.get(o.routingStatus, 0) + 1
    return out
