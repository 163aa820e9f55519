"""A clock tests can move forward, so token, cursor and rate-limit expiry need no sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable


class AdjustableClock:
    """``base()`` plus an offset that only :meth:`advance` changes (never goes backwards)."""

    def __init__(self, base: Callable[[], float] = time.monotonic) -> None:
        self._base = base
        self._offset = 0.0

    def __call__(self) -> float:
        return self._base() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        self._offset += seconds


class ManualClock:
    """A clock that stands still until told: exact arithmetic for unit tests."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
