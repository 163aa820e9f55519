"""The run: one producer paging the org, W sharded workers, one queue batcher.

The producer joins each listing page with the stored intents and sends each user to the
worker that owns its shard (``shard_of``), so one user's writes are always serialized in
one worker. Worker queues are bounded: memory stays flat however large the org.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Callable

import structlog

from bulkops.client.api import GenesysClient
from bulkops.client.wire import user_state
from bulkops.domain.shard import shard_of
from bulkops.engine.counters import RunCounters
from bulkops.engine.options import RunOptions
from bulkops.engine.queues import QueueBatcher, QueueMembership
from bulkops.engine.tracker import PageTracker
from bulkops.engine.worker import UserProcessor, WorkItem
from bulkops.errors import CursorExpiredError
from bulkops.state.audit import AuditLog
from bulkops.state.layout import RunPaths
from bulkops.state.reconciliation import ReconciliationQueue
from bulkops.state.store import RunStore

log = structlog.get_logger("bulkops.engine")

_STOP = object()


@dataclass(frozen=True, slots=True)
class RunResult:
    counters: RunCounters
    requests: int
    stopped: bool
    duration: float
    listing_complete: bool


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
    ):
        """``only_users``: a targeted pass (``reconcile retry``) that fetches these users by id
        instead of paging the whole org."""
        self.client = client
        self.store = store
        self.paths = paths
        self.run_id = run_id
        self.options = options
        self.membership = membership
        self.counters = RunCounters()
        self.on_progress = on_progress
        self.only_users = only_users
        self._stop = asyncio.Event()
        self._in_flight: set[str] = set()
        self.tracker = PageTracker(self._checkpoint_position)

    def request_stop(self) -> None:
        """Graceful stop: no new users; in-flight users finish and are checkpointed."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _checkpoint_position(self, position: str | int | None, listing_done: bool) -> None:
        if self.only_users is None:  # a targeted pass has no listing position to keep
            self.store.set(listing_position=position, listing_complete=listing_done)

    async def run(self) -> RunResult:
        started = time.monotonic()
        if self.only_users is None and self.store.get("listing_complete"):
            # The org was listed to the end already (a resume, or a retry pass that died):
            # fetch whoever is still open by id instead of listing the org again.
            self.only_users = list(self.store.open_user_ids())
        requests_before = self.client.stats.requests
        job_id = self.store.get("job_id")
        counts = self.store.counts()
        self.counters.total = self.store.total()
        self.counters.done_before = self.counters.total - counts.get("pending", 0) - counts.get("inflight", 0)
        audit = AuditLog(self.paths.audit, run_id=self.run_id, job_id=job_id)
        if audit.repaired:
            log.warning("audit.repaired", path=str(self.paths.audit), detail="the last line was cut by a crash; kept as is")
        reconciliation = ReconciliationQueue(self.paths.reconciliation)
        batcher = QueueBatcher(self.client, self.membership)
        workers = max(1, self.options.workers)
        queues: list[asyncio.Queue] = [asyncio.Queue(self.options.queue_size) for _ in range(workers)]
        processor = UserProcessor(
            client=self.client,
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
        worker_tasks = [asyncio.create_task(self._work(q, processor), name=f"worker-{i}") for i, q in enumerate(queues)]
        listing_complete = False
        produce = self._produce_ids(queues, self.only_users) if self.only_users is not None else self._produce(queues)
        producer = asyncio.create_task(produce, name="producer")
        try:
            await asyncio.wait([producer, *worker_tasks], return_when=asyncio.FIRST_EXCEPTION)
            for task in (producer, *worker_tasks):
                if task.done() and task.exception():
                    raise task.exception()  # type: ignore[misc]
            listing_complete = producer.result()
            await asyncio.gather(*worker_tasks)
            await batcher.close()
            self.counters.requests_by_kind["queue_batches"] += batcher.requests
            if listing_complete and not self.stopping:
                self._report_unseen(audit, self.only_users)
        finally:
            tasks = (producer, *worker_tasks, batcher_task)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            audit.close()
            reconciliation.close()
        return RunResult(
            counters=self.counters,
            requests=self.client.stats.requests - requests_before,
            stopped=self.stopping,
            duration=time.monotonic() - started,
            listing_complete=bool(self.store.get("listing_complete")),
        )

    def _user_done(self, item: WorkItem, outcome: str) -> None:
        self._in_flight.discard(item.state.id)
        self.tracker.done(item.page)
        if self.on_progress:
            self.on_progress(self.counters)

    async def _work(self, queue: asyncio.Queue, processor: UserProcessor) -> None:
        while True:
            item = await queue.get()
            if item is _STOP:
                return
            if self.stopping:
                self._in_flight.discard(item.state.id)  # stays pending in the store
                continue
            await processor.process(item)

    async def _produce(self, queues: list[asyncio.Queue]) -> bool:
        """Page the org and dispatch users; True when the listing reached its end."""
        try:
            if self.store.get("listing_complete"):
                return True
            start = self.store.get("listing_position")
            while True:
                try:
                    return await self._page_through(queues, start)
                except CursorExpiredError as exc:
                    # Users already done are skipped on the way, so restarting loses and repeats nothing.
                    log.warning("listing.cursor_expired", detail=str(exc), action="restarting the users listing from the start")
                    start = None
        finally:
            for q in queues:
                await q.put(_STOP)

    async def _produce_ids(self, queues: list[asyncio.Queue], user_ids: list[str]) -> bool:
        """Fetch the named users 100 at a time (``GET /api/v2/users?id=...``) and dispatch them."""
        try:
            for i in range(0, len(user_ids), 100):
                if self.stopping:
                    return False
                chunk = user_ids[i : i + 100]
                async for page in self.client.iter_pages(
                    "/api/v2/users", params={"id": chunk, "expand": ["skills", "languages"]}, page_size=100
                ):
                    await self._dispatch(queues, page.entities, page.next_position)
            return True
        finally:
            for q in queues:
                await q.put(_STOP)

    async def _dispatch(self, queues: list[asyncio.Queue], entities: list[dict], next_position: str | int | None) -> None:
        open_ = self.store.open_intents([e["id"] for e in entities])
        seq = self.tracker.open_page(next_position)
        for entity in entities:
            uid = entity["id"]
            if uid not in open_ or uid in self._in_flight:
                continue
            intent, status = open_[uid]
            self._in_flight.add(uid)
            self.tracker.add_user(seq)
            await queues[shard_of(uid, len(queues))].put(WorkItem(intent, user_state(entity), status, seq))
        self.tracker.seal(seq)

    async def _page_through(self, queues: list[asyncio.Queue], start: str | None) -> bool:
        async for page in self.client.iter_users(start=start, page_size=self.options.page_size):
            if self.stopping:
                return False
            await self._dispatch(queues, page.entities, page.next_position)
        return True

    def _report_unseen(self, audit: AuditLog, among: list[str] | None) -> None:
        """Users the spec names that the API never showed: reported, never forgotten."""
        open_ = list(self.store.open_user_ids())
        if among is not None:
            wanted = set(among)
            open_ = [u for u in open_ if u in wanted]
        for uid in open_:
            audit.record("failed", user_id=uid, reason="not in the users listing (deleted or made inactive since validation?)")
            self.store.mark_done(uid, "failed")
            self.counters.outcomes["failed"] += 1
