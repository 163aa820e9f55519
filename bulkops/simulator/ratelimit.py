"""Per-token request allowance as a continuously refilling token bucket.

A bucket (capacity = the allowance per window, refilled at allowance/window per
second) means a client pacing itself at exactly the allowed rate never sees a 429,
while a burst above it does, which is the behaviour a client's own limiter must be
tested against. Pure: time comes only from the injected clock.
"""

from __future__ import annotations

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


class RateLimiter:
    """A bucket per access token, created full on the token's first request."""

    def __init__(self, capacity: float, window: float, clock: Callable[[], float]):
        self.capacity = capacity
        self.window = window
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    @classmethod
    def from_knobs(cls, rps: float | None, rate_per_minute: int | None, clock: Callable[[], float]) -> RateLimiter | None:
        """``rps`` (per-second window) or ``rate_per_minute`` (60 s window); None = unlimited."""
        if rps is not None:
            return cls(rps, 1.0, clock)
        if rate_per_minute is not None:
            return cls(rate_per_minute, 60.0, clock)
        return None

    def acquire(self, key: str) -> Decision:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.capacity, self.window, self._clock)
        return bucket.acquire()
