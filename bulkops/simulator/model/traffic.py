"""Queue traffic (the ``routing`` profile, #31 §1): an offered load per queue, and what the queue
observations and conversation aggregates say about it given the agents on queue now.

Each queue is offered ``arrivals`` conversations per ``INTERVAL_SECONDS`` of ``handle_seconds``
each, seeded once with the org (a load the agents on queue at seeding carry at a plausible
occupancy) and kept in the org (``Org.queue_traffic``), so taking agents away later leaves the load
as it was and the queue's figures worsen. The figures are Erlang C's steady state
(``bulkops.domain.erlangc``) for the agents on queue now: the simulator runs no conversations and
keeps no history. Which of that is a guess: docs/simulator.md ("Queue traffic").
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from bulkops.domain import erlangc
from bulkops.simulator.model.activity import observations

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
    """What a queue shows now: agents on queue per routing status, and Erlang C's steady state."""

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


def waiting_now(traffic: QueueTraffic, agents: int) -> int:
    """Conversations waiting: Erlang C's mean queue length ``Pw·A/(N-A)`` while the agents keep up;
    when they cannot, the interval's arrivals they leave unanswered (the queue has no steady state)."""
    erlangs = traffic.load.erlangs
    if erlangc.keeps_up(erlangs, agents):
        return round(erlangc.probability_of_waiting(erlangs, agents) * erlangs / (agents - erlangs))
    return math.ceil(traffic.arrivals * (1.0 - agents / erlangs)) if erlangs > 0 else 0


def reading(queue_id: str, traffic: QueueTraffic, on_queue: dict[str, int]) -> QueueReading:
    """The queue's figures with the agents on queue now."""
    agents = sum(on_queue.values())
    return QueueReading(
        queue_id=queue_id,
        on_queue=dict(sorted(on_queue.items())),
        waiting=waiting_now(traffic, agents),
        interacting=min(agents, round(traffic.load.erlangs)),
        prediction=erlangc.predict(traffic.load, agents, traffic.target_seconds),
    )


def readings(org: Org, queue_ids: list[str]) -> list[QueueReading]:
    """Readings of the queues named that exist and have traffic, in the order named."""
    agents = on_queue_by_queue(org)
    out = []
    for qid in queue_ids:
        traffic = traffic_of(org, qid)
        if traffic is not None:
            out.append(reading(qid, traffic, agents.get(qid, {})))
    return out
