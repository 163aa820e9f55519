"""The queues of one simulator carried forward in simulated time, lazily: each queue's process
(process.py) is advanced to now when it is read, and to the moment of a change when the agents on
queue change. No background thread: between reads nothing runs.

Simulated time runs ``time_scale`` times as fast as the simulator's clock (injectable, so tests move
it exactly); every position here is in simulated seconds since the anchor (the clock when the org
was installed). Who is on queue is counted as traffic.py counts it (joined members, direct or
through a group, not OFF_QUEUE): on every read, and after a write at most every ``RECOUNT_EVERY``
clock seconds (longer when counting is slow, so a large org is not recounted after every write); a
change counted late is placed at the last write before the count.

A past interval is read on the simulated calendar, which ends now: an instant ``d`` before now (UTC)
is ``d`` simulated seconds before now, so "the last 30 minutes" is the queue's last 30 simulated
minutes, however fast they ran. Which of that is a guess: docs/simulator.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bulkops.domain.rollout import erlangc
from bulkops.simulator.model.analytics import traffic
from bulkops.simulator.model.queuetime import process
from bulkops.simulator.model.queuetime.history import SPAN_SECONDS, Covered, History

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
    at: float  # simulated seconds since the anchor the state is at
    settled: bool = True
    level: float = 0.0  # the share answered within the target for a conversation arriving at ``at``
    history: History = field(default_factory=History)

    @property
    def rates(self) -> process.Rates:
        return process.Rates(self.traffic.arrivals / traffic.INTERVAL_SECONDS, self.traffic.handle_seconds, self.agents)

    def moved(self) -> None:
        """The state or the agents changed: the level follows."""
        self.level = process.answered_within(self.state, self.rates, self.traffic.target_seconds)


def _steady_run(t: traffic.QueueTraffic, agents: int) -> QueueRun:
    run = QueueRun(t, agents, [1.0], 0.0)
    run.state = process.steady_state(run.rates)
    run.moved()
    return run


class LiveQueues:
    """Every queue with traffic in ``org``, advanced on demand to ``clock()``."""

    def __init__(self, org: Org, clock: Callable[[], float], time_scale: float, *, now_utc: datetime | None = None) -> None:
        self.org, self.clock, self.time_scale = org, clock, time_scale
        self.anchor = clock()
        self.anchor_utc = now_utc or datetime.now(UTC)
        self._scaled_from = (self.anchor, 0.0)  # (clock, simulated seconds) where time_scale took effect
        counts = traffic.on_queue_by_queue(org) if org.queue_traffic else {}
        self.runs: dict[str, QueueRun] = {}
        for qid in sorted(org.queue_traffic):
            t = traffic.traffic_of(org, qid)
            if t is not None:
                self.runs[qid] = _steady_run(t, sum(counts.get(qid, {}).values()))
        self._pending: float | None = None  # the last write not yet counted (simulated seconds)
        self._last_count, self._count_cost = self.anchor, 0.0

    # ------------------------------------------------------------------ time
    def now(self) -> float:
        """Simulated seconds since the anchor."""
        clock_at, sim_at = self._scaled_from
        return sim_at + (self.clock() - clock_at) * self.time_scale

    def now_utc(self) -> datetime:
        """The simulator's wall time: the anchor's UTC moved on by its clock."""
        return self.anchor_utc + timedelta(seconds=self.clock() - self.anchor)

    def simulated(self, instant: datetime) -> float:
        """Where ``instant`` falls in simulated seconds since the anchor (the calendar ends now)."""
        return self.now() - (self.now_utc() - instant).total_seconds()

    def set_scale(self, time_scale: float) -> None:
        """Simulated time runs at ``time_scale`` from now on (what went before ran at the old one)."""
        self._scaled_from = (self.clock(), self.now())
        self.time_scale = time_scale

    # ------------------------------------------------------------------ changes
    def wrote(self) -> None:
        """A write that may change who is on queue just ended: count now, or soon (throttled)."""
        if not self.runs:  # an org without traffic (the default one) counts nothing
            return
        self._pending = self.now()
        if self.clock() - self._last_count >= max(RECOUNT_EVERY, 10 * self._count_cost):
            self.recount()

    def recount(self) -> dict[str, dict[str, int]]:
        """Count who is on queue; a queue whose agents changed is advanced to the change first."""
        if not self.runs:
            return {}
        started = time.perf_counter()
        counts = traffic.on_queue_by_queue(self.org)
        self._count_cost = time.perf_counter() - started
        at = self._pending if self._pending is not None else self.now()
        for qid, run in self.runs.items():
            agents = sum(counts.get(qid, {}).values())
            if agents != run.agents:
                self._advance(run, max(at, run.at))
                run.agents, run.settled = agents, False
                run.moved()
        self._pending, self._last_count = None, self.clock()
        return counts

    # ------------------------------------------------------------------ advancing
    def _advance(self, run: QueueRun, to: float) -> None:
        """Carry ``run`` forward to ``to`` and record the stretch (what lies beyond the history, unrecorded)."""
        skipped = to - run.at - SPAN_SECONDS
        if skipped > 0:
            self._move(run, skipped)
            run.at += skipped
        if run.at >= to:
            return
        level_before = run.level
        self._move(run, to - run.at)
        run.history.record_stretch(run.at, to, run.rates.arrival_rate, level_before, run.level)
        run.at = to

    @staticmethod
    def _move(run: QueueRun, seconds: float) -> None:
        if not run.settled and seconds > 0:
            run.state = process.advance(run.state, run.rates, seconds)
            run.settled = process.settled(run.state, run.rates)
            run.moved()

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
            out.append(
                traffic.QueueReading(
                    queue_id=qid,
                    on_queue=dict(sorted(counts.get(qid, {}).items())),
                    waiting=round(process.waiting(run.state, run.agents)),
                    interacting=round(process.interacting(run.state, run.agents)),
                    prediction=erlangc.predict(run.traffic.load, run.agents, run.traffic.target_seconds),
                )
            )
        return out

    def covered(self, queue_id: str, start: datetime, end: datetime) -> Covered:
        """What the history of ``queue_id`` says of the interval (nothing where it has none)."""
        run = self.runs.get(queue_id)
        if run is None:
            return Covered(0.0, 0.0, 0.0)
        return run.history.covered(self.simulated(start), min(self.simulated(end), run.at))
