"""The queues of one simulator carried forward in simulated time, lazily: each queue's process
(process.py) is advanced to the clock's now when it is read, and to the moment of a change when the
agents on queue change. No background thread: between reads nothing runs.

Simulated time runs ``time_scale`` times as fast as the simulator's clock (injectable, so tests move
it exactly). Who is on queue is counted as traffic.py counts it (joined members, direct or through
a group, not OFF_QUEUE): on every read, and after a write at most every ``RECOUNT_EVERY`` clock
seconds (longer when counting is slow, so a large org is not recounted after every write). A change
counted late is placed at the last write before the count. Which of that is a guess: docs/simulator.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bulkops.domain import erlangc
from bulkops.simulator.model import traffic
from bulkops.simulator.model.queuetime import process
from bulkops.simulator.model.queuetime.history import BUCKET_SECONDS, KEPT_BUCKETS, Covered, History, next_boundary

if TYPE_CHECKING:
    from bulkops.simulator.model.org import Org

#: Clock seconds between recounts while writes flow (at least; ten times a slow count's duration).
RECOUNT_EVERY = 0.25


@dataclass(slots=True)
class QueueRun:
    """One queue's process: its load, the agents on queue since ``at``, its state, its history."""

    traffic: traffic.QueueTraffic
    agents: int
    state: list[float]
    at: float  # clock seconds since the anchor the state is at
    settled: bool = True
    history: History = field(default_factory=History)

    @property
    def rates(self) -> process.Rates:
        return process.Rates(self.traffic.arrivals / traffic.INTERVAL_SECONDS, self.traffic.handle_seconds, self.agents)

    def answered_within(self) -> float:
        return process.answered_within(self.state, self.rates, self.traffic.target_seconds)


def _steady_run(t: traffic.QueueTraffic, agents: int, at: float) -> QueueRun:
    run = QueueRun(t, agents, [1.0], at)
    run.state = process.steady_state(run.rates)
    return run


class LiveQueues:
    """Every queue with traffic in ``org``, advanced on demand to ``clock()``."""

    def __init__(self, org: Org, clock: Callable[[], float], time_scale: float, *, now_utc: datetime | None = None) -> None:
        self.org, self.clock, self.time_scale = org, clock, time_scale
        self.anchor = clock()
        self.anchor_utc = now_utc or datetime.now(UTC)
        counts = traffic.on_queue_by_queue(org)
        self.runs: dict[str, QueueRun] = {}
        for qid in sorted(org.queue_traffic):
            t = traffic.traffic_of(org, qid)
            if t is not None:
                self.runs[qid] = _steady_run(t, sum(counts.get(qid, {}).values()), 0.0)
        self._pending: float | None = None  # the last write not yet counted (seconds since the anchor)
        self._last_count, self._count_cost = 0.0, 0.0

    def now(self) -> float:
        """Clock seconds since the anchor."""
        return self.clock() - self.anchor

    # ------------------------------------------------------------------ changes
    def wrote(self) -> None:
        """A write that may change who is on queue just ended: count now, or soon (throttled)."""
        self._pending = self.now()
        if self._pending - self._last_count >= max(RECOUNT_EVERY, 10 * self._count_cost):
            self.recount()

    def recount(self) -> dict[str, dict[str, int]]:
        """Count who is on queue; a queue whose agents changed is advanced to the change first."""
        started = time.perf_counter()
        counts = traffic.on_queue_by_queue(self.org)
        self._count_cost = time.perf_counter() - started
        at = self._pending if self._pending is not None else self.now()
        for qid, run in self.runs.items():
            agents = sum(counts.get(qid, {}).values())
            if agents != run.agents:
                self._advance(run, max(at, run.at))
                run.agents, run.settled = agents, False
        self._pending, self._last_count = None, self.now()
        return counts

    def set_scale(self, time_scale: float) -> None:
        """Simulated time runs at ``time_scale`` from now on (what went before ran at the old one)."""
        now = self.now()
        for run in self.runs.values():
            self._advance(run, now)
        self.time_scale = time_scale

    # ------------------------------------------------------------------ advancing
    def _advance(self, run: QueueRun, to: float) -> None:
        """Carry ``run`` forward to ``to``, bucket by bucket of its history."""
        skipped = to - run.at - BUCKET_SECONDS * KEPT_BUCKETS
        if skipped > 0:  # older than the history keeps: one stretch, unrecorded
            self._move(run, skipped * self.time_scale)
            run.at += skipped
        while run.at < to:
            end = min(to, next_boundary(run.at))
            sim_seconds = (end - run.at) * self.time_scale
            level_before = run.answered_within()
            self._move(run, sim_seconds)
            offered = run.rates.arrival_rate * sim_seconds
            run.history.record(run.at, end, sim_seconds, offered, offered * (level_before + run.answered_within()) / 2)
            run.at = end

    @staticmethod
    def _move(run: QueueRun, sim_seconds: float) -> None:
        if run.settled or sim_seconds <= 0:
            return
        run.state = process.advance(run.state, run.rates, sim_seconds)
        run.settled = process.settled(run.state, run.rates)

    # ------------------------------------------------------------------ reading
    def readings(self, queue_ids: Iterable[str]) -> list[traffic.QueueReading]:
        """The named queues with traffic, advanced to now, in the order named."""
        counts = self.recount()
        now = self.now()
        out = []
        for qid in queue_ids:
            run = self.runs.get(qid)
            if run is None:
                continue
            self._advance(run, now)
            on_queue = dict(sorted(counts.get(qid, {}).items()))
            out.append(
                traffic.QueueReading(
                    queue_id=qid,
                    on_queue=on_queue,
                    waiting=round(process.waiting(run.state, run.agents)),
                    interacting=round(process.interacting(run.state, run.agents)),
                    prediction=erlangc.predict(run.traffic.load, run.agents, run.traffic.target_seconds),
                )
            )
        return out

    def covered(self, queue_id: str, start_utc: datetime, end_utc: datetime) -> Covered:
        """What the history of ``queue_id`` says of the interval (nothing where it has none)."""
        run = self.runs.get(queue_id)
        if run is None:
            return Covered(0.0, 0.0, 0.0)
        start = (start_utc - self.anchor_utc).total_seconds()
        end = (end_utc - self.anchor_utc).total_seconds()
        return run.history.covered(start, min(end, run.at))
