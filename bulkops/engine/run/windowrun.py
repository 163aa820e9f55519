"""A pass inside a change window (#30 §4): wait for the window to open, stop the pass at its close.

The close reuses the run's graceful stop (``Engine.request_stop``, what the first Ctrl-C or SIGTERM
asks): no new users, the users in flight finish and are checkpointed, the pass writes its summary.
Nothing here touches the run state, so a kill at any point resumes as any other stop does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bulkops.engine.run.window import Clock, Opening, Window


class Stoppable(Protocol):
    """What a window's close asks to stop: the engine of a pass."""

    def request_stop(self) -> None: ...


async def wait_until_open(window: Window, clock: Clock, stop: asyncio.Event, on_wait: Callable[[Opening], None]) -> Opening | None:
    """The opening ``now`` is in, after waiting for the next one if the window is shut (``on_wait`` told
    when); None when ``stop`` is set first (Ctrl-C while waiting)."""
    while not stop.is_set():
        now = clock.now()
        current = window.current(now)
        if current is not None:
            return current
        upcoming = window.next_opening(now)
        on_wait(upcoming)
        if await _stopped_before(clock.sleep_until(upcoming.opens), stop):
            return None
    return None


async def _stopped_before(waiting: Awaitable[None], stop: asyncio.Event) -> bool:
    """Await ``waiting`` unless ``stop`` is set first; True when it was."""
    sleeper = asyncio.ensure_future(waiting)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, stopper):
            task.cancel()
        await asyncio.gather(sleeper, stopper, return_exceptions=True)
    return stop.is_set()


@dataclass
class CloseWatch:
    """Stops the pass it is attached to when its opening closes."""

    opening: Opening
    on_close: Callable[[Opening], None] = lambda _: None
    #: True once the close came (the pass then ended because of it, unless it had already finished).
    closed: bool = False
    _targets: list[Stoppable] = field(default_factory=list)

    def attach(self, engine: Stoppable) -> None:
        """The pass's engine: asked to stop at the close (at once if the close has come)."""
        self._targets.append(engine)
        if self.closed:
            engine.request_stop()

    def close(self) -> None:
        self.closed = True
        self.on_close(self.opening)
        for target in self._targets:
            target.request_stop()


@contextlib.asynccontextmanager
async def watching_close(opening: Opening, clock: Clock, on_close: Callable[[Opening], None]) -> AsyncIterator[CloseWatch]:
    """A ``CloseWatch`` for ``opening``, closed by a task that sleeps until its end; the task ends with the block."""
    watch = CloseWatch(opening, on_close)

    async def sleeper() -> None:
        await clock.sleep_until(opening.closes)
        watch.close()

    task = asyncio.create_task(sleeper())
    try:
        yield watch
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
