"""Clocks a test drives, for the change-window logic (``bulkops.engine.run.window.Clock``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class FakeClock:
    """Stands still until a wait moves it: ``sleep_until`` jumps to the instant at once (and records it)."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self.slept_until: list[datetime] = []

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    async def sleep_until(self, instant: datetime) -> None:
        self.slept_until.append(instant)
        self._now = max(self._now, instant)
        await asyncio.sleep(0)


class SkippingClock:
    """The real clock plus an offset: a short wait (a window closing in seconds) passes in real time,
    a long one (the next day's opening) is skipped by moving the offset, so a run meets real closes
    and sleeps through nights in no time. ``skips``: how many long waits to skip (then they are real:
    a window's close an hour away, say, that the job finishes before)."""

    def __init__(self, *, skip_over: float = 60.0, skips: int | None = None) -> None:
        self.offset = timedelta(0)
        self.skip_over = skip_over
        self.skips = skips
        self.skipped: list[datetime] = []

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    async def sleep_until(self, instant: datetime) -> None:
        left = (instant - self.now()).total_seconds()
        if left > self.skip_over and (self.skips is None or len(self.skipped) < self.skips):
            self.skipped.append(instant)
            self.offset += instant - self.now()
            await asyncio.sleep(0)
            return
        await asyncio.sleep(max(0.0, left))
