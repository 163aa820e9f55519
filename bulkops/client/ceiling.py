"""The client-side ceiling (``--rps``): an ``aiolimiter.AsyncLimiter`` leaky bucket of capacity 1.9.

A leaky bucket of capacity ``c`` draining at ``rps`` admits fewer than ``c + rps * T`` starts in any
window of ``T`` seconds, whatever the event loop does: the bucket's level is read on the loop's
clock at each admission, so a late wake-up can never be made up in a burst. With ``c = 1.9`` a
1-second window holds fewer than ``1.9 + rps < ceil(rps) + 2`` starts, so at most ``ceil(rps) + 1``
for every rps: 9 at 8/s, 51 at 50/s (any ``c < 2`` keeps that bound; 2 would allow one more).

Why 1.9 and not 1: a capacity-1 bucket admits a start only at level 0, so each late wake-up's
lateness is lost for good (1 ms late at 50/s is 5% of an interval; that cost 5.5% of the rate once,
docs/benchmarks.md). The extra 0.9 lets a start that came up to 0.9 of an interval late be
followed by the next one sooner, so the rate is kept over a run on a busy machine and the bound
above still holds. (1.5, half an interval, kept 94.2% of 50/s on this loaded machine.)

aiolimiter reads the running loop's clock (``loop.time()``), so the ceiling is only used with the
real loop clock; a governor whose clock a test moves has no ceiling of this kind (its schedule,
exact in that time, is the ceiling there). One limiter is made per event loop, because aiolimiter
binds to the first loop that uses it and a client may outlive one ``asyncio.run``.
"""

from __future__ import annotations

import asyncio

from aiolimiter import AsyncLimiter

#: The bucket's capacity in requests: one start plus 0.9 of an interval of tolerance for lateness.
CAPACITY = 1.9


class RateCeiling:
    """At most ``rps`` request starts a second over any run, and ``ceil(rps) + 1`` in any 1-second window."""

    def __init__(self, rps: float):
        if rps <= 0:
            raise ValueError("rps must be positive")
        self.rps = rps
        self._limiter: AsyncLimiter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _bucket(self) -> AsyncLimiter:
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._loop is not loop:
            self._limiter = AsyncLimiter(CAPACITY, CAPACITY / self.rps)
            self._loop = loop
        return self._limiter

    async def acquire(self) -> None:
        """Wait until one more start keeps the bucket within its capacity."""
        await self._bucket().acquire()
