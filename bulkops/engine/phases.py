"""The items of the other kinds, one phase at a time: read, diff, check, write, audit, checkpoint.

The same order of durable effects as a user's (``worker.py``): the item is marked ``inflight``
before its write, its audit line is written before it is marked ``done``; a resumed run reads
it again, finds nothing left to do, and reports it applied. Items are read 100 at a time and
written with the run's worker count at once; each key is one item, so one writer per object.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import structlog

from bulkops.client.api import GenesysClient
from bulkops.client.requestkind import STATE_READS, WRITES, request_kind
from bulkops.engine.counters import RunCounters
from bulkops.engine.kinds import Kind, Phase
from bulkops.engine.options import RunOptions
from bulkops.errors import TRANSIENT_ERRORS, ApiError, AuthError, ConflictError, CredentialsError
from bulkops.state.audit import AuditLog
from bulkops.state.reconciliation import ReconciliationQueue
from bulkops.state.records import ErrorInfo, ItemOutcome, ReconciliationEntry
from bulkops.state.store import INFLIGHT, RunStore

log = structlog.get_logger("bulkops.engine")

READ_BATCH = 100
AnyKind = Kind[Any, Any, Any]


@dataclass(slots=True)
class _ItemRun:
    kind: AnyKind
    key: str
    item: Any
    status: str
    before: Any
    state: Any
    attempts: int = 0
    conflicts: int = 0
    change: Any = None


class ItemPhases:
    def __init__(
        self,
        *,
        client: GenesysClient,
        store: RunStore,
        audit: AuditLog,
        reconciliation: ReconciliationQueue,
        options: RunOptions,
        counters: RunCounters,
        kinds: Mapping[str, AnyKind],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.client, self.store, self.audit, self.reconciliation = client, store, audit, reconciliation
        self.options, self.counters, self.kinds, self.sleep = options, counters, kinds, sleep

    def pending(self, phase: Phase) -> int:
        return len(self.store.open_items(phase))

    async def run(self, phase: Phase, stopping: Callable[[], bool]) -> bool:
        """Handle every open item of ``phase``; True when all were handled (not stopped)."""
        rows = self.store.open_items(phase)
        gate = asyncio.Semaphore(max(1, self.options.workers))
        for kind_name, group in groupby(rows, key=lambda r: r[0]):
            kind = self.kinds[kind_name]
            items = [(key, kind.decode(payload), status) for _, key, payload, status in group]
            size = min(READ_BATCH, kind.read_batch)
            for i in range(0, len(items), size):
                if stopping():
                    return False
                batch = items[i : i + size]
                with request_kind(STATE_READS):
                    states = await kind.read(self.client, [item for _, item, _ in batch])

                async def one(key: str, item: Any, status: str, kind: AnyKind = kind, states: Mapping[str, Any] = states) -> None:
                    async with gate:
                        state = states.get(key)
                        await self._process(_ItemRun(kind, key, item, status, state, state))

                async with asyncio.TaskGroup() as tasks:
                    for key, item, status in batch:
                        tasks.create_task(one(key, item, status))
        return True

    async def _process(self, run: _ItemRun) -> None:
        kind = run.kind
        run.change = kind.diff(run.state, run.item)
        if run.change is None:
            return self._finish(run, "applied" if run.status == INFLIGHT else "unchanged")
        reason = await kind.check(self.client, run.state, run.item, run.change)
        if reason is not None:
            return self._finish(run, "failed", reason=reason)
        if run.status != INFLIGHT:
            self.store.mark_item(kind.name, run.key, INFLIGHT)
            run.status = INFLIGHT
        while True:
            run.attempts += 1
            try:
                with request_kind(WRITES):
                    run.state = await kind.write(self.client, run.state, run.item, run.change)
                return self._finish(run, "applied")
            except TRANSIENT_ERRORS:
                raise  # says nothing about this item: the pass stops, the item stays in flight
            except AuthError as exc:
                if exc.status != 403 or isinstance(exc, CredentialsError):
                    raise
                return self._finish(run, "failed", reason="forbidden (403): the role cannot change this object", error=exc)
            except ConflictError as exc:
                run.conflicts += 1
                self.counters.conflicts += 1
                if run.attempts >= self.options.conflict_attempts:
                    return self._finish(run, "reconciliation", reason=f"still conflicting after {run.attempts} attempts", error=exc)
                await self.sleep(self.options.conflict_delay)
                if kind.rereads_on_conflict:
                    with request_kind(STATE_READS):
                        run.state = (await kind.read(self.client, [run.item])).get(run.key)
                    run.change = kind.diff(run.state, run.item)
                    if run.change is None:
                        return self._finish(run, "applied")
            except ApiError as exc:
                return self._finish(run, "failed", reason=f"the API refused the write: {exc.message}", error=exc)

    def _finish(self, run: _ItemRun, outcome: str, *, reason: str | None = None, error: ApiError | None = None) -> None:
        """Build the record (pure), then its effects: reconciliation, audit, and only then the checkpoint."""
        kind = run.kind
        record = ItemOutcome(
            kind=kind.name,
            key=run.key,
            outcome=outcome,
            name=kind.label(run.item),
            before=kind.describe(run.before),
            after=kind.describe(run.state) if outcome == "applied" else None,
            changes=kind.describe_change(run.change) if run.change is not None and run.attempts else None,
            attempts=run.attempts,
            conflicts=run.conflicts,
            requests=run.attempts,
            reason=reason,
            error=ErrorInfo.of(error) if error is not None else None,
        )
        if outcome in ("reconciliation", "failed"):
            self.reconciliation.add(
                ReconciliationEntry(
                    user_id=f"{kind.name}:{run.key}",
                    outcome=outcome,
                    reason=reason,
                    run_id=self.audit.run_id,
                    email=record.name,
                    last_state=kind.describe(run.state),
                    error=record.error,
                    attempts=run.attempts,
                )
            )
        self.audit.write(record)
        self.store.mark_item(kind.name, run.key, "done", outcome)
        self.counters.items.setdefault(kind.name, Counter())[outcome] += 1
        log.debug("item.done", kind=kind.name, key=run.key, outcome=outcome)
