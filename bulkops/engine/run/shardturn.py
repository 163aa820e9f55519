"""A shard's turn: one user at a time writes through a worker; a user waiting out a conflict waits off it.

A 409 means another writer is busy with that user, and the platform guide asks for a pause (the
conflict delay, 5 s) before the re-read. Slept on the worker, that pause stalled every user queued
behind it on the shard. Here the conflicted user gives its shard's turn back while it waits (it sits
in the shard's delay queue, ``Shard.waiting``), and takes a turn again when the delay is over: the
shard's next users are written meanwhile. The user itself is still handled by its one coroutine, so
nothing else writes it while it waits (one writer per user), and it stays ``inflight`` in the store
with its write-ahead record: a kill during the delay leaves it to the resumed run's re-check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class Shard:
    """One worker's turn (a lock) and the users of its shard waiting out a conflict delay."""

    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: Users of this shard waiting out a conflict delay off the worker (the delay queue's length).
    waiting: int = 0

    async def take(self) -> Turn:
        """Wait for the shard's turn (the user before it done, or waiting off the worker)."""
        await self.turn.acquire()
        return Turn(self)


@dataclass(slots=True)
class Turn:
    """One user's hold on its shard's turn, given back while it waits out a conflict delay."""

    shard: Shard
    held: bool = True

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds`` off the worker, then queue for the shard's turn again."""
        self._give()
        self.shard.waiting += 1
        try:
            await self.shard.sleep(seconds)
        finally:
            self.shard.waiting -= 1
        await self.shard.turn.acquire()  # cancelled here: not acquired, and ``held`` says so
        self.held = True

    def end(self) -> None:
        """The user is finished (or the pass is ending): the next one may go."""
        self._give()

    def _give(self) -> None:
        if self.held:
            self.held = False
            self.shard.turn.release()
