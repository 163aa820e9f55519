"""The run: one producer reading the named users, W sharded workers, one queue batcher.

The producer takes the users still open, 100 at a time in id order, with the state set-up
read for each: a state still fresh (``RunOptions.state_max_age``) is used as it is, the
others are read again by id (100 a request). The users are dealt to the workers in turn
(``domain/shard.py``: an even split), each handed out once, so one user's writes are always
serialized in one worker; a user waiting out a conflict delay waits off it
(``engine/run/shardturn.py``) while the worker's next users go on, and then gives way to the
users not yet started (``Precedence``: the pass's one order of attempts). Worker
queues are bounded: memory stays flat however large the job. With a pool of OAuth clients
(``client.pool``), worker i writes through the pool's lane i, so each shard goes through one
client while that client is healthy, and the workers are rounded up to a multiple of the clients
(``lanes_for``) so each client carries as many shards; the producer, the queue batcher and the other kinds' items
go through the pool's first healthy client.
"""

from __future__ import annotations

import asyncio
import copy
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import structlog

from bulkops.client.api import GenesysClient
from bulkops.client.connect.pool import ClientPool
from bulkops.client.requestkind import STATE_READS, request_kind
from bulkops.client.wire import user_state
from bulkops.domain.model import UserState
from bulkops.domain.shard import Dealer
from bulkops.engine.run.counters import RunCounters
from bulkops.engine.run.options import RunOptions
from bulkops.engine.run.phases import ItemPhases, first_leaf
from bulkops.engine.run.queues import QueueBatcher, QueueMembership
from bulkops.engine.run.shardturn import Precedence, Shard, Turn
from bulkops.engine.run.worker import UserProcessor, WorkItem
from bulkops.engine.setup.forbidden import ForbiddenBreaker
from bulkops.errors import StoppedAtOnce
from bulkops.kinds.folder import IntentRewrite, rewrite_intent
from bulkops.kinds.registry import KINDS, kinds
from bulkops.state.audit import AuditLog
from bulkops.state.layout import RunPaths
from bulkops.state.reconciliation import ReconciliationQueue
from bulkops.state.records import ReconciliationEntry, UserOutcome
from bulkops.state.store import INFLIGHT, RunStore
from bulkops.state.writefail import as_state_write_error

log = structlog.get_logger("bulkops.engine")


class _Stop(enum.Enum):
    """The end-of-listing marker on a worker queue; an enum member, so ``item is _STOP`` tells
    the type checker the item is a ``WorkItem`` otherwise."""

    STOP = enum.auto()


_STOP: Final = _Stop.STOP
#: Users fetched by id in one request (``GET /api/v2/users?id=...``).
ID_BATCH = 100
#: What the producer hands one worker: users to handle, then ``_STOP``.
WorkQueue = asyncio.Queue[WorkItem | _Stop]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RunResult:
    counters: RunCounters
    requests: int
    stopped: bool
    duration: float
    listing_complete: bool
    #: The fatal error that ended the pass (the pass is then stopped, resumable).
    error: BaseException | None = None


class Engine:
    def __init__(
        self,
        *,
        client: GenesysClient,
        store: RunStore,
        paths: RunPaths,
        run_id: str,
        membership: QueueMembership,
        options: RunOptions = RunOptions(),
        on_progress: Callable[[RunCounters], None] | None = None,
        only_users: list[str] | None = None,
        pool: ClientPool | None = None,
        hold_late_items: bool = False,
    ):
        """``only_users``: a targeted pass (``reconcile retry``) over these users only. ``pool``:
        the clients to write through (``client`` first); without it, ``client`` alone."""
        self.client = client
        self.pool = pool if pool is not None else ClientPool([client])
        #: What is not a worker's (the producer's reads, queue batches, other kinds' items) goes through this.
        self.front = self.pool.lane(None)
        self.store = store
        self.paths = paths
        self.run_id = run_id
        self.options = options
        self.membership = membership
        self.counters = RunCounters()
        self.on_progress = on_progress
        self.only_users = only_users
        #: A wave before the last (#31 §3): the late items (skill deletes) wait for the last wave.
        self.hold_late_items = hold_late_items
        self._stop = asyncio.Event()
        self._in_flight: set[str] = set()
        #: The order of attempts of the users' pass under way (none before it starts).
        self._precedence: Precedence | None = None
        self.clock = time.time  # wall clock: set-up's read times are stored across processes

    def request_stop(self) -> None:
        """Graceful stop: no new users; in-flight users finish and are checkpointed."""
        self._stop.set()
        if self._precedence is not None:
            self._precedence.stop()  # a user back from its delay goes on at once, as before a stop

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def run(self) -> RunResult:
        """One pass. A fatal error (revoked credentials, the API gone past the retry budget,
        a full disk) ends it promptly: every task is cancelled, nothing waits on a queue
        whose reader is gone, and the error comes back in ``RunResult.error``."""
        started = time.monotonic()
        requests_before = self.pool.requests
        error: BaseException | None = None
        self._complete = False
        try:
            await self._run_tasks()
        except asyncio.CancelledError:
            # A second signal cancelled the pass: it ends like a fatal error (summary, result
            # files, the resume command), with the users in flight left in flight.
            if (task := asyncio.current_task()) is not None:
                task.uncancel()
            error = StoppedAtOnce("stopped at once by a second signal; the users in flight stay in flight and resume checks each against the org")
            self._stop.set()
        except Exception as exc:  # noqa: BLE001 - every fatal error ends the pass the same way
            error = as_run_error(exc, self.paths)
            self._stop.set()
            log.error("run.fatal", error=f"{type(error).__name__}: {error}")
        return RunResult(
            counters=self.counters,
            requests=self.pool.requests - requests_before,
            stopped=self.stopping,
            duration=time.monotonic() - started,
            listing_complete=self._complete,
            error=error,
        )

    async def _run_tasks(self) -> None:
        """The job's phases in order, each only once the one before it is through: the other
        kinds' early items (skill creates), the users, then their late items (skill deletes)."""
        job_id = self.store.get("job_id")
        counts = self.store.counts()
        self.counters.total = self.store.total()
        self.counters.done_before = self.counters.total - counts.get("pending", 0) - counts.get("inflight", 0)
        audit = AuditLog(self.paths.audit, run_id=self.run_id, job_id=job_id)
        if audit.repaired:
            log.warning("audit.repaired", path=str(self.paths.audit), detail="the last line was cut by a crash; kept as is")
        reconciliation = ReconciliationQueue(self.paths.reconciliation)
        items = ItemPhases(
            client=self.front, store=self.store, audit=audit, reconciliation=reconciliation, options=self.options, counters=self.counters, kinds=kinds()
        )
        try:
            # Only the items still open run (a retry pass has reopened just the ones it retries).
            done = await items.run("before_users", lambda: self.stopping)
            done = done and await self._run_users(audit, reconciliation)
            for phase in () if self.hold_late_items else ("after_users", "last"):
                done = done and not self.stopping and await items.run(phase, lambda: self.stopping)
            self._complete = bool(done) and not self.stopping
        finally:
            _quietly(audit.close)
            _quietly(reconciliation.close)

    async def _run_users(self, audit: AuditLog, reconciliation: ReconciliationQueue) -> bool:
        """The users still open; True when every one was handled."""
        batcher = QueueBatcher(self.front, self.membership, forbidden=ForbiddenBreaker(self.options.forbidden_threshold))
        workers = lanes_for(self.options.workers, len(self.pool.clients))
        queues: list[WorkQueue] = [asyncio.Queue(self.options.queue_size) for _ in range(workers)]
        processor = UserProcessor(
            client=self.front,
            store=self.store,
            audit=audit,
            reconciliation=reconciliation,
            membership=self.membership,
            batcher=batcher,
            options=self.options,
            counters=self.counters,
            on_done=self._user_done,
        )
        batcher_task = asyncio.create_task(batcher.run(), name="queue-batcher")
        precedence = self._precedence = Precedence(self.options.retry_defer_max, processor.sleep, listing_open=True, stopped=self.stopping)
        # Worker i writes through lane i of the pool: each user through one client (its shard's).
        worker_tasks = [
            asyncio.create_task(self._work(q, _through(processor, self.pool.lane(i)), precedence), name=f"worker-{i}") for i, q in enumerate(queues)
        ]
        ids = self.only_users if self.only_users is not None else list(self.store.open_user_ids())
        producer = asyncio.create_task(self._produce(queues, ids, audit, reconciliation, precedence), name="producer")
        workers_done = asyncio.gather(*worker_tasks)
        tasks: tuple[asyncio.Future[Any], ...] = (producer, *worker_tasks, batcher_task, workers_done)
        try:
            # Each stage is awaited while every other task is watched: the first one to
            # fail ends the pass at once instead of leaving a stage waiting on a dead peer.
            listing_complete = await _until(producer, [*worker_tasks, batcher_task])
            await _until(workers_done, [batcher_task])
            await batcher.close()
            await batcher_task  # ends once closing; a failure in its last flush surfaces here
            self.counters.requests_by_kind["queue_batches"] += batcher.requests - batcher.division_requests
            self.counters.requests_by_kind["move_division"] += batcher.division_requests  # batched (#27 §5)
            if listing_complete and not self.stopping:
                self._report_unseen(audit, reconciliation, ids)
                return True
            return False
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _user_done(self, item: WorkItem, outcome: str) -> None:
        self._in_flight.discard(item.state.id)
        if self.on_progress:
            self.on_progress(self.counters)

    async def _work(self, queue: WorkQueue, processor: UserProcessor, precedence: Precedence) -> None:
        """One shard: its users one at a time, each in its own task so that one waiting out a
        conflict delay gives the turn to the next (``engine/run/shardturn.py``); returns once every
        user handed to it is finished. A user's failure ends the shard with that error."""
        shard = Shard(sleep=processor.sleep, precedence=precedence)
        try:
            async with asyncio.TaskGroup() as users:
                while True:
                    item = await queue.get()
                    if item is _STOP:
                        return
                    turn = await shard.take()
                    precedence.started()  # a first attempt on its turn: no retry waits for it now
                    if self.stopping:
                        turn.end()
                        self._in_flight.discard(item.state.id)  # stays pending in the store
                        continue
                    users.create_task(_handle(processor, item, turn), name=f"user-{item.state.id}")
        except* Exception as gathered:  # the error itself, so a transient one ends the pass as one
            raise first_leaf(gathered) from None

    async def _produce(
        self, queues: list[WorkQueue], user_ids: list[str], audit: AuditLog, reconciliation: ReconciliationQueue, precedence: Precedence
    ) -> bool:
        """Dispatch the users 100 at a time, dealt to the workers in turn; True when every one was handed to a worker."""
        try:
            return await self._deal(queues, user_ids, audit, reconciliation, precedence)
        finally:
            precedence.listing_over()

    async def _deal(self, queues: list[WorkQueue], user_ids: list[str], audit: AuditLog, reconciliation: ReconciliationQueue, precedence: Precedence) -> bool:
        """The producer's work: each open user handed to its worker (counted fresh first), then the end marker."""
        rewrites = await self._rewrites()
        complete = True
        dealer = Dealer(len(queues))
        for i in range(0, len(user_ids), ID_BATCH):
            if self.stopping:
                complete = False
                break
            chunk = user_ids[i : i + ID_BATCH]
            open_ = self.store.open_intents(chunk)
            states = await self._states(chunk, open_)
            aheads = self.store.writeaheads([uid for uid in chunk if uid in open_ and open_[uid][1] == INFLIGHT])
            for uid in chunk:
                if uid not in open_ or uid not in states or uid in self._in_flight:
                    continue  # done already, or not found: reported once the pass is through
                intent, status = open_[uid]
                real = rewrite_intent(intent, rewrites)
                if isinstance(real, str):  # e.g. it names a skill the job was to create, and did not
                    self._fail(audit, reconciliation, uid, real)
                    continue
                self._in_flight.add(uid)
                precedence.handed()  # before the put: a full queue holds the user back, still fresh
                await queues[dealer.next()].put(WorkItem(real, states[uid], status, aheads.get(uid)))
        await _close_queues(queues)
        return complete

    async def _states(self, chunk: list[str], open_: dict[str, Any]) -> dict[str, UserState]:
        """The users' states: as set-up read them while fresh, otherwise read again by id."""
        now = self.clock()
        fresh = {uid: state for uid, (state, read_at) in self.store.states(chunk).items() if now - read_at <= self.options.state_max_age}
        stale = [uid for uid in chunk if uid in open_ and uid not in fresh]
        if stale:
            with request_kind(STATE_READS):
                params = {"id": stale, "expand": ["skills", "languages"]}
                async for page in self.front.iter_pages("/api/v2/users", params=params, page_size=ID_BATCH):
                    fresh.update((e["id"], user_state(e)) for e in page.entities)
        self.store.drop_states(chunk)
        return fresh

    async def _rewrites(self) -> list[IntentRewrite]:
        """What each kind makes of the users' intents now its early phase is through (the skills:
        the real ids of the skills the job created, for their placeholders)."""
        found = [await folder.before_users(self.front, self.store) for folder in KINDS]
        return [r for r in found if r is not None]

    def _report_unseen(self, audit: AuditLog, reconciliation: ReconciliationQueue, among: list[str] | None) -> None:
        """Users the spec names that the API never showed: reported and queued for a person
        (``reconcile retry`` looks for them again), never forgotten."""
        open_ = list(self.store.open_user_ids())
        if among is not None:
            wanted = set(among)
            open_ = [u for u in open_ if u in wanted]
        for uid in open_:
            self._fail(audit, reconciliation, uid, "not found by id (deleted or made inactive since set-up?)")

    def _fail(self, audit: AuditLog, reconciliation: ReconciliationQueue, uid: str, reason: str) -> None:
        reconciliation.add(ReconciliationEntry(key=uid, outcome="failed", reason=reason, run_id=self.run_id, intent=self.store.intent(uid)))
        audit.write(UserOutcome("failed", uid, reason=reason))
        self.store.mark_done(uid, "failed")
        self.counters.outcomes["failed"] += 1


def lanes_for(workers: int, clients: int) -> int:
    """The workers of a pass: ``workers`` rounded up to a multiple of the pool's clients, so each
    client writes through as many shards (16 over 3 clients was 6/5/5 shards, 12.7% longer)."""
    clients = max(1, clients)
    return -(-max(1, workers) // clients) * clients


async def _handle(processor: UserProcessor, item: WorkItem, turn: Turn) -> None:
    """One user on its shard's turn, given back while it waits out a conflict delay, and at the end."""
    try:
        await processor.process(item, pause=turn.pause)
    finally:
        turn.end()


def _through(processor: UserProcessor, client: GenesysClient) -> UserProcessor:
    """``processor`` writing through ``client`` (a pool's lane): one 403 breaker, one set of
    queued users and one batcher for all; ``processor`` itself when it is its client already."""
    if processor.client is client:
        return processor
    lane = copy.copy(processor)
    lane.client = client
    return lane


async def _close_queues(queues: list[WorkQueue]) -> None:
    """Tell each worker the listing is over. Only on the producer's normal end: after a
    failure the workers are cancelled instead, so nothing waits on a full queue."""
    for q in queues:
        await q.put(_STOP)


async def _until(target: asyncio.Future[T], watched: list[asyncio.Task[Any]]) -> T:
    """Await ``target``; if a watched task fails first, raise its error at once.
    (A watched task may end normally: a worker that got its stop while the producer
    is still handing stops to the others.)"""
    pending: set[asyncio.Future[Any]] = {t for t in watched if not t.done()}
    while True:
        done, _ = await asyncio.wait([target, *pending], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = None if task is target or task.cancelled() else task.exception()
            if error is not None:
                target.cancel()
                raise error
        if target in done:
            return target.result()
        pending -= done


def as_run_error(exc: BaseException, paths: RunPaths) -> BaseException:
    """A failure to write the run state becomes one typed error naming the folder."""
    return as_state_write_error(exc, f"the run state under {paths.root}")


def _quietly(fn: Callable[[], T], default: T | None = None) -> T | None:
    """Clean-up after a fatal error must not raise a second one (a full disk fails close too)."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        log.warning("cleanup.failed", error=f"{type(exc).__name__}: {exc}")
        return default
