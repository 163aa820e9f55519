"""What a simulated queue did, minute by minute of the simulator's clock: the bounded history the
conversation aggregates answer a past interval from. Pure.

A minute of the clock holds ``time_scale`` minutes of simulated traffic. Each bucket keeps the
simulated seconds it covers, the conversations offered in them and those answered within the target
(expected counts). An interval is answered at its own length on the clock: a bucket contributes its
rates per simulated second times the clock seconds of the interval it covers, so offered / interval
stays the queue's offered rate however fast simulated time runs (what plan's prediction divides by).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

#: Clock seconds per bucket, and the buckets kept per queue (a day of minutes).
BUCKET_SECONDS = 60.0
KEPT_BUCKETS = 1440


@dataclass(slots=True)
class Bucket:
    """One clock minute of one queue (the current one still filling)."""

    index: int  # minutes since the anchor
    start: float  # clock seconds since the anchor, of the first moment covered
    end: float
    sim_seconds: float
    offered: float
    within: float


@dataclass(frozen=True, slots=True)
class Covered:
    """What the history says about part of an interval: the clock seconds it covers, and over them
    the conversations offered and answered within the target, at the interval's length."""

    seconds: float
    offered: float
    within: float


class History:
    """A queue's buckets, oldest first, at most ``KEPT_BUCKETS``."""

    def __init__(self) -> None:
        self.buckets: deque[Bucket] = deque(maxlen=KEPT_BUCKETS)

    def record(self, start: float, end: float, sim_seconds: float, offered: float, within: float) -> None:
        """A stretch of simulated traffic, ``start``..``end`` clock seconds since the anchor, within one minute."""
        index = int(start // BUCKET_SECONDS)
        last = self.buckets[-1] if self.buckets else None
        if last is not None and last.index == index:
            last.end, last.sim_seconds = end, last.sim_seconds + sim_seconds
            last.offered, last.within = last.offered + offered, last.within + within
        else:
            self.buckets.append(Bucket(index, start, end, sim_seconds, offered, within))

    def covered(self, start: float, end: float) -> Covered:
        """The part of ``start``..``end`` (clock seconds since the anchor) the history covers."""
        seconds = offered = within = 0.0
        for b in self.buckets:
            overlap = min(end, b.end) - max(start, b.start)
            if overlap <= 0 or b.sim_seconds <= 0:
                continue
            seconds += overlap
            offered += b.offered * overlap / b.sim_seconds
            within += b.within * overlap / b.sim_seconds
        return Covered(seconds, offered, within)


def next_boundary(t: float) -> float:
    """The clock second (since the anchor) where the bucket holding ``t`` ends."""
    return (int(t // BUCKET_SECONDS) + 1) * BUCKET_SECONDS
