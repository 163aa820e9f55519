"""Per-token request allowance: a continuously refilling token bucket or a fixed window.

A bucket (capacity = the allowance per window, refilled at allowance/window per
second) means a client pacing itself at exactly the allowed rate never sees a 429,
while a burst above it does. A fixed window (``rate_mode="fixed"``, the realistic
setting being 300 per 60 s) counts requests from the token's first one and forgets the
count when the window ends, so a client may spend the whole allowance in a burst and
then wait. One family of routes (a path prefix) may have a lower allowance of its own.
Pure: time comes only from the injected clock.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one request against its bucket, ready for the response headers."""

    allowed: bool
    count: int  # requests used in the current window (capacity - tokens left)
    limit: int  # the allowance per window
    reset: int  # whole seconds until the bucket is full again
    retry_after: int  # whole seconds to wait before retrying (0 when allowed)
    key: str = "client.credentials.token.rate.per.minute"  # the ``limit.key`` of a 429's body

    def headers(self) -> dict[str, str]:
        out = {
            "inin-ratelimit-count": str(self.count),
            "inin-ratelimit-allowed": str(self.limit),
            "inin-ratelimit-reset": str(self.reset),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after)
        return out


class TokenBucket:
    """One bucket: ``capacity`` requests per ``window`` seconds, refilling continuously."""

    __slots__ = ("capacity", "rate", "tokens", "last", "_clock")

    def __init__(self, capacity: float, window: float, clock: Callable[[], float]):
        if capacity <= 0 or window <= 0:
            raise ValueError("capacity and window must be positive")
        self.capacity = float(capacity)
        self.rate = self.capacity / window  # tokens per second
        self._clock = clock
        self.tokens = self.capacity
        self.last = clock()

    def _refill(self) -> None:
        now = self._clock()
        if now > self.last:
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
            self.last = now

    def peek(self) -> bool:
        """Would one more request be allowed now (nothing charged)?"""
        self._refill()
        return self.tokens >= 1.0 - _EPS

    def acquire(self) -> Decision:
        self._refill()
        allowed = self.tokens >= 1.0 - _EPS
        retry_after = 0
        if allowed:
            self.tokens = max(0.0, self.tokens - 1.0)
        else:
            retry_after = max(1, math.ceil((1.0 - self.tokens) / self.rate - _EPS))
        missing = self.capacity - self.tokens
        return Decision(
            allowed=allowed,
            count=max(0, math.ceil(missing - _EPS)),
            limit=int(self.capacity) if self.capacity.is_integer() else math.floor(self.capacity),
            reset=max(0, math.ceil(missing / self.rate - _EPS)),
            retry_after=retry_after,
        )


class FixedWindow:
    """``capacity`` requests per ``window`` seconds, counted from the first request; the count
    goes back to zero when a window ends (the next one starts where it ended)."""

    __slots__ = ("capacity", "window", "start", "count", "_clock")

    def __init__(self, capacity: float, window: float, clock: Callable[[], float]):
        if capacity <= 0 or window <= 0:
            raise ValueError("capacity and window must be positive")
        self.capacity = float(capacity)
        self.window = float(window)
        self._clock = clock
        self.start = clock()
        self.count = 0

    def _roll(self) -> float:
        now = self._clock()
        if now >= self.start + self.window:
            self.start += math.floor((now - self.start) / self.window) * self.window
            self.count = 0
        return now

    def peek(self) -> bool:
        self._roll()
        return self.count + 1 <= self.capacity + _EPS

    def acquire(self) -> Decision:
        now = self._roll()
        allowed = self.count + 1 <= self.capacity + _EPS
        if allowed:
            self.count += 1
        reset = max(1, math.ceil(self.start + self.window - now - _EPS))
        return Decision(
            allowed=allowed,
            count=self.count,
            limit=int(self.capacity) if self.capacity.is_integer() else math.floor(self.capacity),
            reset=reset,
            retry_after=0 if allowed else reset,
        )


Limit = TokenBucket | FixedWindow
MODES = ("bucket", "fixed")


class _PerToken:
    """One :data:`Limit` per access token, created on the token's first request."""

    def __init__(self, capacity: float, window: float, mode: str, clock: Callable[[], float]):
        if mode not in MODES:
            raise ValueError(f"rate mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.capacity = capacity
        self.window = window
        self.mode = mode
        self._clock = clock
        self._limits: dict[str, Limit] = {}

    def get(self, key: str) -> Limit:
        limit = self._limits.get(key)
        if limit is None:
            kind = FixedWindow if self.mode == "fixed" else TokenBucket
            limit = self._limits[key] = kind(self.capacity, self.window, self._clock)
        return limit


class RateLimiter:
    """The allowance per access token, and optionally a lower one on the routes under ``route_prefix``.

    A request under the prefix must pass both; a refused one is charged to neither. Its answer
    carries the headers of whichever allowance has fewer requests left (the route's on a tie).
    """

    ROUTE_KEY = "route.rate.per.minute"

    def __init__(
        self,
        capacity: float,
        window: float,
        clock: Callable[[], float],
        *,
        mode: str = "bucket",
        route_prefix: str | None = None,
        route_capacity: float | None = None,
    ):
        self.capacity = capacity
        self.window = window
        self.mode = mode
        self._clock = clock
        self._general = _PerToken(capacity, window, mode, clock)
        self.route_prefix = route_prefix
        self._route = _PerToken(route_capacity, 60.0, mode, clock) if route_prefix and route_capacity else None

    @classmethod
    def from_knobs(
        cls,
        rps: float | None,
        rate_per_minute: int | None,
        clock: Callable[[], float],
        *,
        mode: str = "bucket",
        route_prefix: str | None = None,
        route_rate_per_minute: int | None = None,
    ) -> RateLimiter | None:
        """``rps`` (per-second window) or ``rate_per_minute`` (60 s window), as a bucket or a fixed
        window; the route allowance is per 60 s. None = unlimited (no general limit and no route one)."""
        route = {"mode": mode, "route_prefix": route_prefix, "route_capacity": route_rate_per_minute}
        if rps is not None:
            return cls(rps, 1.0, clock, **route)  # type: ignore[arg-type]
        if rate_per_minute is not None:
            return cls(rate_per_minute, 60.0, clock, **route)  # type: ignore[arg-type]
        if route_prefix and route_rate_per_minute:
            return cls(math.inf, 60.0, clock, **route)  # type: ignore[arg-type]
        return None

    def acquire(self, key: str, path: str = "") -> Decision | None:
        """The decision for one request of token ``key`` on ``path``; None when no allowance applies."""
        general = self._general.get(key) if math.isfinite(self.capacity) else None
        if self._route is None or not path.startswith(self.route_prefix or "\0"):
            return general.acquire() if general is not None else None
        route = self._route.get(key)
        if not route.peek():
            return dataclasses.replace(route.acquire(), key=self.ROUTE_KEY)
        if general is not None and not general.peek():
            return general.acquire()
        mine = dataclasses.replace(route.acquire(), key=self.ROUTE_KEY)
        if general is None:
            return mine
        theirs = general.acquire()
        return theirs if theirs.limit - theirs.count < mine.limit - mine.count else mine
