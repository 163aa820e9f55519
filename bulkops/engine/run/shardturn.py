"""A shard's turn: one user at a time writes through a worker; a user waiting out a conflict waits off it.

A 409 means another writer is busy with that user, and the platform guide asks for a pause (the
conflict delay, 5 s) before the re-read. Slept on the worker, that pause stalled every user queued
behind it on the shard. Here the conflicted user gives its shard's turn back while it waits (it sits
in the shard's delay queue, ``Shard.waiting``), and takes a turn again when the delay is over: the
shard's next users are written meanwhile. The user itself is still handled by its one coroutine, so
nothing else writes it while it waits (one writer per user), and it stays ``inflight`` in the store
with its write-ahead record: a kill during the delay leaves it to the resumed run's re-check.

Back from its delay, a user's next attempt also gives way to earlier attempts (``Precedence``): a
second attempt waits while a first one can still start, a third while a second can, for at most
``RunOptions.retry_defer_max``. A pass ends on the chain of its last conflicts (each a delay, then
maybe another); only work that starts no further delay (a last attempt: its 409 goes to
reconciliation) can fill the end, so the attempts that may start a chain go first and the last
attempts are kept for the end. Before this, retries
went as soon as due, fresh work ran out first, and the last ~10 s of a 70 s pass ran at a third of
the rate (#29 §2).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class Precedence:
    """Which attempts may take a turn: an attempt waits while an earlier one can still start.

    Attempt 1 is a user's first write: "can still start" is the listing still open (the producer
    may hand out more) or a user handed to a worker that has not had its turn yet. Attempt k > 1
    is a user back from its (k-1)-th conflict delay, ``ready`` until it has its turn again. An
    attempt waits at most ``bound`` seconds (measured on ``sleep``): in a run of hours the fresh
    users last hours, and a retry kept back that long would stay in flight (a kill leaves more
    to re-check), and the retries kept back would pile up in memory; a bound of a few conflict
    delays still keeps the last ones for the pass's tail. A stop (``stop``) lets every one go at
    once: no fresh user starts after it, so a user back from its delay goes on as it always did.
    """

    bound: float = 0.0
    sleep: Sleep = asyncio.sleep
    #: The producer may still hand out users (an engine opens it, ``listing_over`` closes it).
    listing_open: bool = False
    #: Users handed to a worker that have not had their turn yet (first attempts).
    fresh: int = 0
    #: Retries back from their delay and not yet on their turn, by attempt number.
    ready: Counter[int] = field(default_factory=Counter)
    #: The pass is stopping: no attempt gives way any more.
    stopped: bool = False
    _waiters: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)

    def handed(self) -> None:
        """The producer hands a user to a worker: a first attempt that can start."""
        self.fresh += 1

    def started(self) -> None:
        """A handed user had its turn (or was set aside by a stop): no longer waiting to start."""
        self.fresh -= 1
        self._wake()

    def listing_over(self) -> None:
        """The producer has handed out every user it will."""
        self.listing_open = False
        self._wake()

    def stop(self) -> None:
        """A stop: no fresh user will start, so no attempt waits for one."""
        self.stopped = True
        self._wake()

    def may_start(self, attempt: int) -> bool:
        """True when no attempt before ``attempt`` can start: it need not give way."""
        if self.stopped:
            return True
        if attempt > 1 and (self.listing_open or self.fresh > 0):
            return False
        return not any(self.ready[k] for k in range(2, attempt))

    @contextmanager
    def readied(self, attempt: int) -> Iterator[None]:
        """Count ``attempt`` ready (so later attempts give way to it) until the block ends: its turn taken, or cancelled."""
        self.ready[attempt] += 1
        try:
            yield
        finally:
            self.ready[attempt] -= 1
            self._wake()

    async def give_way(self, attempt: int) -> None:
        """Wait until ``attempt`` may start, or ``bound`` seconds."""
        if self.bound <= 0 or self.may_start(attempt):
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (attempt, waiter)
        self._waiters.append(entry)
        timer = asyncio.ensure_future(self.sleep(self.bound))
        try:
            await asyncio.wait((waiter, timer), return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            self._waiters.remove(entry)

    def _wake(self) -> None:
        for attempt, waiter in self._waiters:
            if not waiter.done() and self.may_start(attempt):
                waiter.set_result(None)


@dataclass(slots=True)
class Shard:
    """One worker's turn (a lock) and the users of its shard waiting out a conflict delay."""

    sleep: Sleep = asyncio.sleep
    #: The pass's order of attempts (one for every shard); by default none is kept back.
    precedence: Precedence = field(default_factory=Precedence)
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
    #: The user's write attempt the turn is for: 1, then one more after each conflict delay.
    attempt: int = 1

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds`` off the worker, give way to earlier attempts, then queue for the shard's turn again."""
        self._give()
        self.attempt += 1
        self.shard.waiting += 1
        try:
            await self.shard.sleep(seconds)
        finally:
            self.shard.waiting -= 1
        with self.shard.precedence.readied(self.attempt):
            await self.shard.precedence.give_way(self.attempt)
            await self.shard.turn.acquire()  # cancelled here: not acquired, and ``held`` says so
            self.held = True

    def end(self) -> None:
        """The user is finished (or the pass is ending): the next one may go."""
        self._give()

    def _give(self) -> None:
        if self.held:
            self.held = False
            self.shard.turn.release()
