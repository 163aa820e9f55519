"""One rate governor per run: every request of the run, pagination included, passes here.

The configured rate (``--rps``) is a ceiling, not a promise: the server says what it allows
on every answer (``inin-ratelimit-allowed`` requests per window, ``inin-ratelimit-count`` used,
``inin-ratelimit-reset`` seconds until the window resets), and the governor paces to that.

Two layers, one gate (``acquire``):
  * ceiling: ``--rps`` is an ``aiolimiter.AsyncLimiter`` (``RateCeiling``, client/ceiling.py), a
    true ceiling: at most ``ceil(rps) + 1`` starts in any 1-second window however late the loop
    wakes. Every request passes it last, after the schedule below;
  * pace: requests get evenly spaced start times at ``pace`` requests/s. The times are an
    absolute schedule, so a wake-up that comes late does not lose its slot; the ceiling under it
    keeps the catching up from becoming a burst;
  * learn: ``pace`` = min(configured rps, allowed / window x (1 - MARGIN)). The window is the
    longest ``reset`` seen for that allowance (whole seconds): exact for a fixed window from
    the first answer (its reset counts down from the full window), and for a bucket as soon as
    it has been drained once. So a fixed window of 300 per 60 s is spread evenly (4.95/s)
    instead of being spent in a burst and then waited out. The MARGIN keeps the count inside a
    window when request latencies differ (the server counts arrivals, not our start times);
  * low water: when an answer shows less than LOW_WATER of the allowance left, what is left is
    spread over the time left (``(left + 1) / reset`` requests/s) until that window ends;
  * pause: an allowance spent (count >= allowed) pauses the whole client until the reset; so
    does a 429's ``Retry-After`` (``pause``), not just the task that got it.

Several allowances (a family of routes with a lower one of its own) are each learned; the pace
follows the highest, the general one, and the lower family is held by the low-water and
pause rules, so a few queue writes do not slow every user write to the queues' allowance.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bulkops.client.ceiling import RateCeiling

#: Below this share of the allowance left, spread what is left over the time left.
LOW_WATER = 0.2
#: Pace this much under the learned allowance.
MARGIN = 0.01
#: An allowance not seen again for this long is forgotten (the server may have changed it).
HORIZON = 180.0


@dataclass(frozen=True, slots=True)
class RateHeaders:
    """The ``inin-ratelimit-*`` headers of one answer."""

    count: float
    allowed: float
    reset: float

    @classmethod
    def read(cls, headers: Mapping[str, str]) -> RateHeaders | None:
        """The three headers, or None when one is missing, unreadable or meaningless."""
        try:
            count = float(headers["inin-ratelimit-count"])
            allowed = float(headers["inin-ratelimit-allowed"])
            reset = float(headers["inin-ratelimit-reset"])
        except (KeyError, ValueError):
            return None
        if not all(math.isfinite(v) for v in (count, allowed, reset)) or allowed < 1 or count < 0 or reset < 0:
            return None
        return cls(count, allowed, reset)


@dataclass(frozen=True, slots=True)
class Allowance:
    """What the server allows: ``allowed`` requests per ``window`` seconds."""

    allowed: int
    window: float

    @property
    def rate(self) -> float:
        return self.allowed / self.window

    def describe(self) -> str:
        """``server allows 300/min: 5.0 req/s``."""
        per = "min" if self.window == 60 else "s" if self.window == 1 else f"{self.window:g}s"
        return f"server allows {self.allowed}/{per}: {self.rate:.1f} req/s"


class RateGovernor:
    def __init__(
        self,
        rps: float,
        *,
        max_pause: float = 120.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        margin: float = MARGIN,
        ceiling: RateCeiling | None = None,
    ):
        """``clock``/``sleep`` move the schedule's time (a test passes its own, exact and instant).
        ``ceiling`` defaults to a ``RateCeiling`` of ``rps`` on the event loop's clock, and to none
        when a clock is given: aiolimiter reads the loop's clock, which a test's clock does not move,
        and in a test's exact time the schedule alone never starts faster than ``rps``."""
        if rps <= 0:
            raise ValueError("rps must be positive")
        self.rps = rps
        self._margin = margin
        self._max_pause = max_pause
        self._clock = clock
        self._sleep = sleep
        self._ceiling = ceiling if ceiling is not None or clock is not None else RateCeiling(rps)
        self._paused_until = 0.0
        self._next = -math.inf  # the next free start time
        self._windows: dict[int, tuple[float, float]] = {}  # allowed -> (longest reset seen, last seen)
        self._low_pace = math.inf
        self._low_until = -math.inf
        self.pauses = 0

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    # -- what the server said ---------------------------------------------------------------

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from one answer's ``inin-ratelimit-*`` headers (nothing when they are absent)."""
        h = RateHeaders.read(headers)
        if h is None:
            return
        now = self._now()
        allowed = int(h.allowed)
        longest = self._windows.get(allowed, (0.0, now))[0]
        self._windows[allowed] = (max(longest, h.reset), now)
        left = h.allowed - h.count
        if left <= 0:
            self.pause(h.reset)
        elif left < h.allowed * LOW_WATER and h.reset > 0:
            self._low_pace = (left + 1) / h.reset
            self._low_until = now + h.reset
        else:
            self._low_until = -math.inf

    @property
    def allowance(self) -> Allowance | None:
        """The server's allowance learned from the headers (the highest one seen lately), if any."""
        now = self._now()
        known = [Allowance(a, max(1.0, longest)) for a, (longest, seen) in self._windows.items() if now - seen <= HORIZON]
        return max(known, key=lambda a: a.rate, default=None)

    @property
    def server_bound(self) -> bool:
        """True when the server's allowance, not the configured rate, sets the pace."""
        a = self.allowance
        return a is not None and a.rate * (1 - self._margin) < self.rps

    def describe(self) -> str:
        """What bounds the pace, for progress lines and the summary."""
        a = self.allowance
        if a is not None and self.server_bound:
            return a.describe()
        return f"configured {self.rps:g} req/s"

    @property
    def steady_pace(self) -> float:
        """Requests per second over a long run: the configured ceiling or the learned allowance."""
        a = self.allowance
        return self.rps if a is None else min(self.rps, a.rate * (1 - self._margin))

    @property
    def pace(self) -> float:
        """Requests per second now: the steady pace, or less near the end of a nearly spent window."""
        pace = self.steady_pace
        if self._now() < self._low_until:
            pace = min(pace, self._low_pace)
        return pace

    # -- holding back ---------------------------------------------------------------------

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

    async def acquire(self) -> None:
        """Wait for this request's start: after any pause, its slot on the schedule, then the ceiling."""
        while True:
            await self._slot()
            if self._ceiling is None:
                return
            await self._ceiling.acquire()
            if self._paused_until <= self._now():
                return

    async def _slot(self) -> None:
        """Wait for a slot of 1/pace after the last one (absolute times), after any pause."""
        while True:
            now = self._now()
            wait = self._paused_until - now
            if wait > 0:
                await self._sleep(wait)
                continue
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.pace
            if slot > now:
                await self._sleep(slot - now)
                if self._paused_until > self._now():
                    continue
            return
