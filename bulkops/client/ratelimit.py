"""One rate governor per run: every request of the run, pagination included, passes here.

Three rules, one gate:
  * pace: at most ``rps`` requests/s, strictly spaced (an ``aiolimiter`` bucket of
    capacity 1), so a server that allows exactly that rate never has to say 429;
  * pause: a 429's ``Retry-After`` pauses the *whole* client, not just the task that got it;
  * slow down early: when the ``inin-ratelimit-*`` headers show the allowance almost
    spent, hold back until the remaining requests fit in the time left in the window.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Mapping

from aiolimiter import AsyncLimiter

#: Below this share of the allowance left, spread what is left over the time left.
LOW_WATER = 0.2


def header_pause(headers: Mapping[str, str]) -> float:
    """Seconds to hold back, read from ``inin-ratelimit-*`` headers (0 when healthy or absent)."""
    try:
        count = float(headers["inin-ratelimit-count"])
        allowed = float(headers["inin-ratelimit-allowed"])
        reset = float(headers["inin-ratelimit-reset"])
    except (KeyError, ValueError):
        return 0.0
    if allowed <= 0 or not math.isfinite(reset) or reset <= 0:
        return 0.0
    remaining = allowed - count
    if remaining <= 0:
        return reset
    if remaining >= allowed * LOW_WATER:
        return 0.0
    return reset / (remaining + 1)


class RateGovernor:
    def __init__(
        self,
        rps: float,
        *,
        max_pause: float = 120.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.rps = rps
        self._limiter = AsyncLimiter(1, 1.0 / rps)
        self._max_pause = max_pause
        self._clock = clock
        self._sleep = sleep
        self._paused_until = 0.0
        self.pauses = 0

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._now())

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (clamped to ``max_pause``; NaN counts as the max:
        an unreadable length must still hold back, and ``min``/``max`` let a NaN through)."""
        seconds = self._max_pause if math.isnan(seconds) else min(max(seconds, 0.0), self._max_pause)
        until = self._now() + seconds
        if until > self._paused_until:
            self._paused_until = until
            self.pauses += 1

    def observe(self, headers: Mapping[str, str]) -> None:
        hold = header_pause(headers)
        if hold > 0:
            self.pause(hold)

    async def acquire(self) -> None:
        while True:
            wait = self._paused_until - self._now()
            if wait > 0:
                await self._sleep(wait)
                continue
            await self._limiter.acquire()
            if self._paused_until <= self._now():
                return
