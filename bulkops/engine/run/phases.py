"""The items of the other kinds, one phase at a time: read, diff, check, write, audit, checkpoint.

The same order of durable effects as a user's (``worker.py``): the item is marked ``inflight``
before its write, with its write-ahead record (the object as read and the change, as the audit
describes them) in the same commit; its audit line is written before it is marked ``done``; a
resumed run reads it again, finds nothing left to do, and reports it applied with the record's
``before`` and change, so an undo restores it. Items are read 100 at a time and
written with the run's worker count at once; each key is one item, so one writer per object.

An undo item (``engine/undo/itemundo.py``) carries a guard: after each read, before anything is
written, the parts it restores are compared with what the undone job wrote and with what is to
be restored (``domain/itemguard.py``); a part found at neither is held back, the item narrowed to
the rest, and the item ends in reconciliation with all three values of each part held back. A
check that refuses an undo item (a label agents use now) holds it back the same way.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import orjson
import structlog

from bulkops.client.api import GenesysClient
from bulkops.client.requestkind import STATE_READS, WRITES, request_kind
from bulkops.domain.itemguard import HeldPart, ItemGuard, hold_back_parts
from bulkops.engine.run.counters import RunCounters
from bulkops.engine.run.options import RunOptions
from bulkops.engine.undo.itemundo import decode_row
from bulkops.errors import TRANSIENT_ERRORS, ApiError, AuthError, ConflictError, CredentialsError
from bulkops.kinds.base import Kind, Phase, UndoableKind
from bulkops.state.audit import AuditLog
from bulkops.state.reconciliation import ReconciliationQueue
from bulkops.state.records import ErrorInfo, ItemOutcome, ReconciliationEntry
from bulkops.state.store import INFLIGHT, RunStore

log = structlog.get_logger("bulkops.engine")

READ_BATCH = 100
AnyKind = Kind[Any, Any, Any]


def in_run_order(rows: list[tuple[str, str, bytes, str]], order: list[str]) -> list[tuple[str, str, bytes, str]]:
    """A phase's open items (kind, key, payload, status) with the kinds in ``order`` (the registry's,
    ``kinds/registry.py``), each kind's by key: the order never hangs on what the kinds are called."""
    rank = {name: n for n, name in enumerate(order)}
    return sorted(rows, key=lambda r: (rank.get(r[0], len(rank)), r[0], r[1]))


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
    #: An undo item's guard, and the parts it held back (``domain/itemguard.py``).
    guard: ItemGuard | None = None
    held: tuple[HeldPart, ...] = ()
    wrote: bool = False
    #: The write-ahead record a killed pass left (``before`` and ``changes``, as the audit shows them).
    ahead: Mapping[str, Any] | None = None


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
        rows = in_run_order(self.store.open_items(phase), list(self.kinds))
        gate = asyncio.Semaphore(max(1, self.options.workers))
        for kind_name, group in groupby(rows, key=lambda r: r[0]):
            kind = self.kinds[kind_name]
            items = [(key, *decode_row(kind, payload), status) for _, key, payload, status in group]
            size = min(READ_BATCH, kind.read_batch)
            for i in range(0, len(items), size):
                if stopping():
                    return False
                batch = items[i : i + size]
                with request_kind(STATE_READS):
                    states = await kind.read(self.client, [item for _, item, _, _ in batch])

                async def one(key: str, item: Any, guard: ItemGuard | None, status: str, kind: AnyKind = kind, states: Mapping[str, Any] = states) -> None:
                    async with gate:
                        state = states.get(key)
                        ahead = self._ahead(kind.name, key) if status == INFLIGHT else None
                        await self._process(_ItemRun(kind, key, item, status, state, state, guard=guard, ahead=ahead))

                try:
                    async with asyncio.TaskGroup() as tasks:
                        for key, item, guard, status in batch:
                            tasks.create_task(one(key, item, guard, status))
                except* Exception as gathered:  # the error itself, so a transient one ends as one (exit 6, not 1)
                    raise first_leaf(gathered) from None
        return True

    def _ahead(self, kind: str, key: str) -> Mapping[str, Any] | None:
        payload = self.store.item_writeahead(kind, key)
        record = orjson.loads(payload) if payload is not None else None
        return record if isinstance(record, dict) else None

    def _guard(self, run: _ItemRun) -> bool:
        """An undo item's guard on the state just read: narrow the item to the parts the org still
        holds as the undone job left them (or as they were before it); False when none is left."""
        if run.guard is None or not isinstance(run.kind, UndoableKind):
            return True
        keep, held = hold_back_parts(run.kind.name, run.kind.parts(run.state, run.item), run.guard)
        run.held = tuple({h.key: h for h in (*run.held, *held)}.values())
        if not held:
            return True
        narrowed = run.kind.narrow(run.item, keep) if keep else None
        if narrowed is None:
            return False
        run.item = narrowed
        return True

    def _done(self, run: _ItemRun) -> str:
        return "reconciliation" if run.held else "applied" if run.status == INFLIGHT or run.wrote else "unchanged"

    async def _process(self, run: _ItemRun) -> None:
        if await self._ready(run):
            await self._write(run)

    async def _ready(self, run: _ItemRun) -> bool:
        """The guard, the diff and the kind's check: True when the item has a change to write (then
        marked in flight with its write-ahead record); otherwise it is finished here."""
        kind = run.kind
        if not self._guard(run):
            self._finish(run, "reconciliation", reason=held_reason(run.held))
            return False
        run.change = kind.diff(run.state, run.item)
        if run.change is None:
            self._finish(run, self._done(run), reason=held_reason(run.held))
            return False
        undoing = run.guard is not None and isinstance(kind, UndoableKind)
        check = kind.check_undo if undoing and isinstance(kind, UndoableKind) else kind.check
        reason = await check(self.client, run.state, run.item, run.change)
        if reason is not None:
            if undoing:  # an undo: what is in the way now is someone else's, held back
                self._finish(run, "reconciliation", reason=f"held back: {reason}")
            else:
                self._finish(run, "failed", reason=reason)
            return False
        if run.status != INFLIGHT:
            ahead = {"before": kind.describe(run.before), "changes": kind.describe_change(run.change)}
            self.store.mark_item(kind.name, run.key, INFLIGHT, ahead=orjson.dumps(ahead))
            run.status = INFLIGHT
        return True

    async def _write(self, run: _ItemRun) -> None:
        """The write, again after a conflict while attempts are left; every ending finishes the item."""
        while True:
            run.attempts += 1
            try:
                with request_kind(WRITES):
                    run.state = await run.kind.write(self.client, run.state, run.item, run.change)
                run.wrote = True
                return self._finish(run, self._done(run), reason=held_reason(run.held))
            except TRANSIENT_ERRORS:
                raise  # says nothing about this item: the pass stops, the item stays in flight
            except AuthError as exc:
                if exc.status != 403 or isinstance(exc, CredentialsError):
                    raise
                return self._finish(run, "failed", reason="forbidden (403): the role cannot change this object", error=exc)
            except ConflictError as exc:
                if await self._after_conflict(run, exc):
                    return None
            except ApiError as exc:
                return self._finish(run, "failed", reason=f"the API refused the write: {exc.message}", error=exc)

    async def _after_conflict(self, run: _ItemRun, exc: ConflictError) -> bool:
        """After a 409: True when the item is finished (out of attempts, held back, or found as wanted
        on the re-read); False to write again."""
        run.conflicts += 1
        self.counters.conflicts += 1
        if run.attempts >= self.options.conflict_attempts:
            self._finish(run, "reconciliation", reason=f"still conflicting after {run.attempts} attempts", error=exc)
            return True
        await self.sleep(self.options.conflict_delay)
        if not run.kind.rereads_on_conflict:
            return False
        with request_kind(STATE_READS):
            run.state = (await run.kind.read(self.client, [run.item])).get(run.key)
        if not self._guard(run):
            self._finish(run, "reconciliation", reason=held_reason(run.held))
            return True
        run.change = run.kind.diff(run.state, run.item)
        if run.change is None:
            self._finish(run, "reconciliation" if run.held else "applied", reason=held_reason(run.held))
            return True
        return False

    def _finish(self, run: _ItemRun, outcome: str, *, reason: str | None = None, error: ApiError | None = None) -> None:
        """Build the record (pure), then its effects: reconciliation, audit, and only then the checkpoint."""
        kind = run.kind
        before, changes = kind.describe(run.before), kind.describe_change(run.change) if run.change is not None and run.attempts else None
        if run.ahead is not None:  # written by a pass a kill stopped: the object as that pass read it
            before = run.ahead.get("before")
            changes = changes if changes is not None else run.ahead.get("changes")
        record = ItemOutcome(
            kind=kind.name,
            key=run.key,
            outcome=outcome,
            name=kind.label(run.item),
            before=before,
            after=kind.describe(run.state) if outcome == "applied" or run.wrote else None,
            changes=changes,
            attempts=run.attempts,
            conflicts=run.conflicts,
            requests=run.attempts,
            reason=reason,
            error=ErrorInfo.of(error) if error is not None else None,
        )
        if outcome in ("reconciliation", "failed"):
            last_state = kind.describe(run.state)
            if run.held:  # an undo's parts someone changed since the undone job: all three values each
                last_state = {**(last_state or {}), "heldBack": [h.to_json() for h in run.held]}
            self.reconciliation.add(
                ReconciliationEntry(
                    kind=kind.name,
                    key=run.key,
                    outcome=outcome,
                    reason=reason,
                    run_id=self.audit.run_id,
                    email=record.name,
                    last_state=last_state,
                    error=record.error,
                    attempts=run.attempts,
                )
            )
        self.audit.write(record)
        self.store.mark_item(kind.name, run.key, "done", outcome)
        self.counters.items.setdefault(kind.name, Counter())[outcome] += 1
        log.debug("item.done", kind=kind.name, key=run.key, outcome=outcome)


def held_reason(held: tuple[HeldPart, ...]) -> str | None:
    """The audit's and the queue's reason for an undo item with parts held back (None: none)."""
    if not held:
        return None
    return "held back, changed since the undone job: " + "; ".join(h.describe() for h in held)


def first_leaf(group: BaseExceptionGroup[Exception]) -> Exception:
    """The first error a task group gathered (a group of groups opened up): what stopped the pass."""
    first = group.exceptions[0]
    return first_leaf(first) if isinstance(first, BaseExceptionGroup) else first
