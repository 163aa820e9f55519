"""What a simulated queue did, minute by minute of simulated time: the bounded history the
conversation aggregates answer a past interval from. Pure.

Each bucket is a simulated minute (seconds since the simulator's anchor, in simulated time) with the
conversations offered in it and those answered within the target (expected counts: the offered rate
is constant, the share answered in time is interpolated linearly along each stretch the process was
advanced by). Six simulated hours of minutes are kept per queue: at the routing profile's 600 x, the
last 36 seconds of the clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

#: Simulated seconds per bucket, and the buckets kept per queue (six hours of minutes: enough for the
#: half hour plan reads and a gate's last 15 minutes, and few enough to refill fast after an idle spell).
BUCKET_SECONDS = 60.0
KEPT_BUCKETS = 360
SPAN_SECONDS = BUCKET_SECONDS * KEPT_BUCKETS


@dataclass(slots=True)
class Bucket:
    """One simulated minute of one queue (the current one still filling)."""

    index: int  # simulated minutes since the anchor
    start: float  # simulated seconds since the anchor, of the first moment covered
    end: float
    offered: float
    within: float


@dataclass(frozen=True, slots=True)
class Covered:
    """What the history says about part of an interval: the simulated seconds it covers, and in them
    the conversations offered and answered within the target."""

    seconds: float
    offered: float
    within: float


class History:
    """A queue's buckets, oldest first, at most ``KEPT_BUCKETS``."""

    def __init__(self) -> None:
        self.buckets: deque[Bucket] = deque(maxlen=KEPT_BUCKETS)

    def record_stretch(self, start: float, end: float, rate: float, level_start: float, level_end: float) -> None:
        """``rate`` conversations a second offered from ``start`` to ``end`` (simulated seconds since the
        anchor), a share ``level_start`` answered in time at the start and ``level_end`` at the end."""
        span = end - start
        a = start
        while a < end:
            b = min(end, next_boundary(a))
            la = level_start + (level_end - level_start) * (a - start) / span
            lb = level_start + (level_end - level_start) * (b - start) / span
            offered = rate * (b - a)
            self.record(a, b, offered, offered * (la + lb) / 2)
            a = b

    def record(self, start: float, end: float, offered: float, within: float) -> None:
        """Simulated traffic from ``start`` to ``end`` (seconds since the anchor), within one minute."""
        index = int(start // BUCKET_SECONDS)
        last = self.buckets[-1] if self.buckets else None
        if last is not None and last.index == index:
            last.end, last.offered, last.within = end, last.offered + offered, last.within + within
        else:
            self.buckets.append(Bucket(index, start, end, offered, within))

    def covered(self, start: float, end: float) -> Covered:
        """The part of ``start``..``end`` (simulated seconds since the anchor) the history covers,
        a bucket partly inside counted pro rata."""
        seconds = offered = within = 0.0
        for b in self.buckets:
            overlap = min(end, b.end) - max(start, b.start)
            if overlap <= 0 or b.end <= b.start:
                continue
            share = overlap / (b.end - b.start)
            seconds, offered, within = seconds + overlap, offered + b.offered * share, within + b.within * share
        return Covered(seconds, offered, within)


def next_boundary(t: float) -> float:
    """Where the bucket holding ``t`` (simulated seconds since the anchor) ends."""
    return (int(t // BUCKET_SECONDS) + 1) * BUCKET_SECONDS
