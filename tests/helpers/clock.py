"""Clocks a test drives, for the change-window logic (``bulkops.engine.run.window.Clock``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
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


class GatedClock:
    """The real clock plus an offset that only moves forward. A wait for an instant ``gated`` accepts (a
    window's close) lasts until ``ready()`` holds, then the clock jumps to that instant; any other wait
    (the next opening) jumps at once. So a window closes when the run has got somewhere, however busy
    the machine, and nights pass in no time."""

    def __init__(self, gated: Callable[[datetime], bool], ready: Callable[[], bool]) -> None:
        self.offset = timedelta(0)
        self.gated = gated
        self.ready = ready
        #: The instants jumped to, and (time.monotonic) when each gated one was let through.
        self.jumps: list[datetime] = []
        self.let_through: list[float] = []

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    async def sleep_until(self, instant: datetime) -> None:
        if self.gated(instant):
            while True:
                if self.ready():
                    break
                await asyncio.sleep(0.05)
            self.let_through.append(time.monotonic())
        self.offset += max(instant - self.now(), timedelta(0))
        self.jumps.append(instant)
        await asyncio.sleep(0)


class FakeTime:
    """A monotonic clock that moves only when slept on, for the limiter, the backoff and the watch
    (``clock`` and ``sleep`` are what they take): exact and instant, whatever the machine's load."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class VirtualSleep:
    """An ``asyncio.sleep`` on a clock that moves only when the test says (``advance``): a wait of
    ``seconds`` ends exactly when the clock has moved that far, however busy the machine."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self.now + seconds, wake)
        self._sleepers.append(entry)
        try:
            await wake
        finally:
            self._sleepers.remove(entry)

    @property
    def sleeping(self) -> int:
        return len(self._sleepers)

    async def advance(self, seconds: float) -> None:
        """Move the clock on, waking each sleeper due on the way in order, and let the woken run."""
        target = self.now + seconds
        while True:
            due = [(at, wake) for at, wake in self._sleepers if at <= target and not wake.done()]
            if not due:
                break
            at, wake = min(due, key=lambda e: e[0])
            self.now = max(self.now, at)
            wake.set_result(None)
            await settle()
        self.now = target
        await settle()


async def settle(rounds: int = 10) -> None:
    """Let every task that can run, run (a few passes of the event loop)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
