"""One user, start to finish: diff, write, on 409 re-send or fetch-merge-retry, audit, checkpoint.

A 409 on the user PATCH (the one write carrying a version) re-fetches the user, re-diffs and
retries; a 409 on a write carrying no version sends that write again, with no read between
(``operations.apply_changes``). Both wait ``conflict_delay`` and share ``conflict_attempts``.

The order of durable effects is what makes kill -9 safe: the store marks the user
``inflight`` before its first write, with its write-ahead record (the state it was read in and
the change about to be sent, ``state/writeahead.py``), in one commit; the audit line is written
before the store marks it ``done``. A crash in between leaves it inflight, and the resumed run
re-checks it: what the record says was being sent and the org now holds is recorded as confirmed
operations with the record's ``before`` (``engine/run/writeahead.py``), so undo restores it; what had
not landed is written as usual.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog

from bulkops.client.api import GenesysClient
from bulkops.client.requestkind import REFETCHES, WRITES, request_kind
from bulkops.client.wire import user_state
from bulkops.domain.cost import LANGUAGES_PER_BULK, SKILLS_PER_BULK
from bulkops.domain.guard import HeldBack, hold_back
from bulkops.domain.merge import apply, diff
from bulkops.domain.model import Changes, ResolvedIntent, UserState
from bulkops.engine.run.counters import RunCounters
from bulkops.engine.run.operations import OpLog, apply_changes
from bulkops.engine.run.options import RunOptions
from bulkops.engine.run.queues import QueueBatcher, QueueMembership, Ticket
from bulkops.engine.run.writeahead import confirmed_ops, landed, merge_changes
from bulkops.engine.setup.expand import fill_unknown
from bulkops.engine.setup.forbidden import ForbiddenBreaker
from bulkops.errors import TRANSIENT_ERRORS, ApiError, AuthError, ConflictError, CredentialsError
from bulkops.state.audit import AuditLog
from bulkops.state.codec import changes_to_dict, state_to_dict
from bulkops.state.reconciliation import ReconciliationQueue
from bulkops.state.records import ErrorInfo, OpResult, ReconciliationEntry, UserOutcome
from bulkops.state.store import INFLIGHT, RunStore
from bulkops.state.writeahead import WriteAhead

log = structlog.get_logger("bulkops.engine")


@dataclass(slots=True)
class WorkItem:
    intent: ResolvedIntent
    state: UserState  # as set-up read it (while fresh), or as read again by id
    status: str  # store status when dispatched: pending or inflight
    #: An inflight user's write-ahead record (None: pending, or a store made before the record).
    ahead: WriteAhead | None = None


@dataclass(slots=True)
class _UserRun:
    """What is known about one user while it is being handled."""

    item: WorkItem
    started: float
    before: UserState
    state: UserState
    first_changes: Changes
    log: OpLog
    attempts: int = 0
    conflicts: int = 0
    #: A re-send after a 409 was refused because the attempts are spent.
    resends_spent: bool = False
    #: What the last write attempt sent (after any 409 re-merge): what the audit records as written.
    written: Changes = dataclasses.field(default_factory=Changes)
    #: The intent as written this time: an undo's, without the elements changed since (``held``).
    intent: ResolvedIntent | None = None
    held: tuple[HeldBack, ...] = ()
    #: Direct membership before any write, of the named queues whose members were read (undo needs it).
    queues_before: dict[str, bool] = dataclasses.field(default_factory=dict)
    #: The write-ahead record as stored: its before, and every change sent or about to be.
    ahead: WriteAhead | None = None
    #: Of a resumed user's record, what the org held when read again: landed before the kill.
    confirmed: Changes = dataclasses.field(default_factory=Changes)
    #: Resumed in flight with no record (a store made before it): none is made now, since the
    #: state read now may already hold what the killed run wrote.
    unrecorded: bool = False


class UserProcessor:
    def __init__(
        self,
        *,
        client: GenesysClient,
        store: RunStore,
        audit: AuditLog,
        reconciliation: ReconciliationQueue,
        membership: QueueMembership,
        batcher: QueueBatcher,
        options: RunOptions,
        counters: RunCounters,
        on_done: Callable[[WorkItem, str], None],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.client = client
        self.store = store
        self.audit = audit
        self.reconciliation = reconciliation
        self.membership = membership
        self.batcher = batcher
        self.options = options
        self.counters = counters
        self.on_done = on_done
        self.sleep = sleep
        #: Users with an open reconciliation entry (a run may have died after queueing one
        #: and before recording it done); a user applied now closes its entry.
        self.queued: set[str] = set(reconciliation.entries())
        self.forbidden = ForbiddenBreaker(options.forbidden_threshold)

    async def process(self, item: WorkItem) -> None:
        state = dataclasses.replace(item.state, queues=self._queues_of(item.state.id, item.intent))
        run = _UserRun(item, time.monotonic(), state, state, Changes(), OpLog())
        run.queues_before = self._queues_known(item.state.id, item.intent)
        run.ahead, run.unrecorded = item.ahead, item.status == INFLIGHT and item.ahead is None
        try:
            run.before = run.state = await self._known(state, run.log)
            if run.ahead is not None:
                run.confirmed = landed(run.ahead.changes, run.state)
            run.first_changes = self._diff(run)
            changes = await self._write_user(run)  # what is left: queue membership
        except TRANSIENT_ERRORS:
            raise  # says nothing about this user: the pass stops, the user stays in flight
        except AuthError as exc:
            if exc.status != 403 or isinstance(exc, CredentialsError):
                raise  # credentials revoked or refused: the whole pass stops
            self.forbidden.refused(_last_op(run.log), exc)  # raises once a permission is judged missing
            return await self._finish(run, "failed", reason="forbidden for this user (403): a division or object the role cannot reach", error=exc)
        except ConflictError as exc:
            return await self._finish(run, "reconciliation", reason=f"still conflicting after {run.attempts} attempts", error=exc)
        except ApiError as exc:
            return await self._finish(run, "failed", reason="the API refused a write", error=exc)
        # A leave of a queue the user is in through a group cannot be done by a direct removal.
        blocked = self.membership.blocked_leaves(item.state.id, item.intent.leave_queues)
        if changes.join_queues or changes.leave_queues or changes.division:
            self._mark_inflight(run, changes)

            async def finish(ticket: Ticket) -> None:
                run.log.ops.extend(ticket.ops)
                run.log.requests += ticket.requests
                done = Changes(join_queues=changes.join_queues, leave_queues=changes.leave_queues, division=changes.division)
                run.state = apply(run.state, _landed(done, ticket.ops))
                reasons = batch_failures(ticket.ops) + blocked
                await self._finish(run, batch_outcome(ticket.ops, reasons), reason="; ".join(reasons) or None)

            run.written = dataclasses.replace(run.written, join_queues=changes.join_queues, leave_queues=changes.leave_queues, division=changes.division)
            self.batcher.submit(item.state.id, changes.join_queues, changes.leave_queues, finish, division=changes.division)
            return
        if blocked:
            return await self._finish(run, "failed", reason="; ".join(blocked))
        wrote = bool(run.log.ops) or item.status == INFLIGHT
        await self._finish(run, "applied" if wrote else "unchanged")

    def _diff(self, run: _UserRun) -> Changes:
        """Diff the current state against the intent, less what an undo must hold back."""
        intent, run.held = hold_back(run.state, run.item.intent)
        run.intent = intent
        return diff(run.state, intent)

    def _queues_known(self, uid: str, intent: ResolvedIntent) -> dict[str, bool]:
        named = (intent.join_queues | intent.leave_queues) - self.membership.blind
        known = self.membership.of(uid)
        return {q: q in known for q in sorted(named)}

    async def _known(self, state: UserState, log: OpLog) -> UserState:
        """Read what a best-effort ``expand`` left out (``engine.expand``), counted against the user."""
        state, spent = await fill_unknown(self.client, state)
        log.requests += spent
        self.counters.requests_by_kind["expand_fill"] += spent
        return state

    def _queues_of(self, uid: str, intent: ResolvedIntent) -> frozenset[str]:
        return self.membership.view(uid, intent.join_queues, intent.leave_queues)

    def _mark_inflight(self, run: _UserRun, changes: Changes) -> None:
        """Before a write: the user ``inflight`` with a write-ahead record that covers ``changes``
        (stored again only when they add to it: a 409's re-diff, a resumed pass)."""
        uid = run.item.state.id
        if run.unrecorded:
            return
        sent = merge_changes(run.ahead.changes, changes) if run.ahead is not None else changes
        if run.ahead is not None and sent == run.ahead.changes and run.item.status == INFLIGHT:
            return
        ahead = WriteAhead(run.ahead.before if run.ahead is not None else audit_before(run), sent)
        if run.item.status != INFLIGHT:
            self.store.mark_inflight(uid, ahead)
            run.item.status = INFLIGHT
        else:
            self.store.put_writeahead(uid, ahead)
        run.ahead = ahead

    async def _write_user(self, run: _UserRun) -> Changes:
        """Write everything but queue membership and return what is left (the membership part).
        A 409: re-fetch and re-diff, or send the same write again (``resend_payload``). The first
        diff serves the first attempt: a clean write diffs once."""
        uid = run.item.state.id
        changes = run.first_changes
        while True:
            if not changes.writes_user():
                return changes
            run.attempts += 1
            run.written = changes
            self._mark_inflight(run, changes)
            # A 409 says another writer changed the user. Sending the same write again is enough only
            # when the intent names nothing but what that write carries; otherwise something else it
            # names (already right, or written a moment ago) may have been changed: read again.
            whole = resend_payload(run.intent or run.item.intent, changes)
            resend = (lambda op: self._resend(run)) if whole is not None else None
            resends = self.counters.conflict_resends
            try:
                with request_kind(WRITES):
                    await apply_changes(self.client, run.state, changes, run.log, resend=resend, whole=whole)
                if whole is not None and self.counters.conflict_resends > resends:
                    run.written = dataclasses.replace(
                        changes, upsert_skills=whole.upsert_skills or changes.upsert_skills, upsert_languages=whole.upsert_languages or changes.upsert_languages
                    )
                for op in run.log.ops:
                    if op.ok:
                        self.forbidden.allowed(op.op)
                run.state = apply(run.state, changes.own())
                return changes.batched()
            except ConflictError:
                if run.resends_spent or not self._conflicted(run):
                    raise  # attempts spent: to reconciliation
            await self.sleep(self.options.conflict_delay)
            self.counters.conflict_retries += 1
            with request_kind(REFETCHES):
                resp = await self.client.get_user(uid)
            run.log.requests += resp.attempts
            self.counters.requests_by_kind["refetch_after_409"] += resp.attempts
            fresh = user_state(resp.data)
            run.state = await self._known(dataclasses.replace(fresh, queues=self._queues_of(uid, run.item.intent)), run.log)
            changes = self._diff(run)

    def _conflicted(self, run: _UserRun) -> bool:
        """Count a 409; True while the user has attempts left (``conflict_attempts`` in all, re-sends included)."""
        run.conflicts += 1
        self.counters.conflicts += 1
        return run.attempts < self.options.conflict_attempts

    async def _resend(self, run: _UserRun) -> bool:
        """After a 409 on a write with no version: wait, and send it again while attempts are left."""
        if not self._conflicted(run):
            run.resends_spent = True
            return False
        await self.sleep(self.options.conflict_delay)
        run.attempts += 1
        self.counters.conflict_resends += 1
        return True

    async def _finish(self, run: _UserRun, outcome: str, *, reason: str | None = None, error: ApiError | None = None) -> None:
        """Build the records (pure), then perform their effects in the order kill -9 needs:
        reconciliation entry, counters, audit line, and only then the checkpoint. An undo that held
        elements back goes to reconciliation, whatever it wrote of the rest."""
        if run.held and outcome in ("applied", "unchanged"):
            outcome, reason = "reconciliation", held_reason(run.held)
        record = user_outcome(run, outcome, reason=reason, error=error, latency_ms=round((time.monotonic() - run.started) * 1000, 1))
        uid = record.user_id
        if outcome in ("applied", "unchanged") and uid in self.queued:
            self.reconciliation.resolve(uid, self.audit.run_id, outcome)
            self.queued.discard(uid)
        if outcome in ("reconciliation", "failed"):
            self.reconciliation.add(reconciliation_entry(run, record, self.audit.run_id))
        self.counters.confirmed_after_restart += record.confirmed_after_restart
        for op in record.ops:
            if op.detail.get("confirmed"):
                continue  # sent by the pass a kill stopped, counted there
            if op.op in ("join_queue", "leave_queue"):
                self.counters.membership_changes += op.ok
            elif "batch" not in op.detail:  # batches (queues, divisions) are counted once per batch by the batcher, not per user
                self.counters.requests_by_kind[op.op] += int(op.requests)  # whole requests: a user's own writes
        self.audit.write(record)
        self.store.mark_done(uid, outcome)
        self.counters.outcomes[outcome] += 1
        log.debug("user.done", user_id=uid, outcome=outcome, requests=record.requests)
        self.on_done(run.item, outcome)


def batch_failures(ops: list[OpResult]) -> list[str]:
    """Why a user's batched changes failed, one reason a sort (queue membership, division move)."""
    failed = {op.op for op in ops if not op.ok}
    return (["a queue membership change failed"] if failed - {"move_division"} else []) + (
        ["the division move was refused"] if "move_division" in failed else []
    )


def batch_outcome(ops: list[OpResult], reasons: list[str]) -> str:
    """``applied`` without a reason; ``reconciliation`` when a division move alone met another
    writer (a 409 sent again in a batch of one: as a user's own write after its attempts);
    otherwise ``failed``."""
    if not reasons:
        return "applied"
    refused = [op for op in ops if not op.ok]
    conflicted = bool(refused) and all(op.op == "move_division" and op.error is not None and op.error.status == 409 for op in refused)
    return "reconciliation" if conflicted and reasons == batch_failures(ops) else "failed"


def _landed(done: Changes, ops: list[OpResult]) -> Changes:
    """``done`` less a division move the API refused (the user stays where it was)."""
    refused = any(op.op == "move_division" and not op.ok for op in ops)
    return dataclasses.replace(done, division=None) if refused else done


def resend_payload(intent: ResolvedIntent, changes: Changes) -> Changes | None:
    """What to send again after a 409 on a write with no version, when one write can carry
    everything the intent names: the skills it sets (a bulk upsert of all of them, not only the
    ones found different, since the other writer may have changed any), the languages it sets, or
    the replacement set. None when the intent names more (a field, a division, a removal, skills
    and languages both): the other writer may have changed that too, and only a read tells."""
    if intent.fields or intent.division or intent.remove_skills or intent.remove_languages:
        return None
    if intent.skills and intent.languages:
        return None
    if changes.replace_skills is not None:
        return Changes(replace_skills=changes.replace_skills)
    if intent.skills and not intent.replace_skills and len(intent.skills) <= SKILLS_PER_BULK:
        return Changes(upsert_skills=intent.skills)
    if intent.languages and len(intent.languages) <= LANGUAGES_PER_BULK:
        return Changes(upsert_languages=intent.languages)
    return None


def user_outcome(run: _UserRun, outcome: str, *, reason: str | None, error: ApiError | None, latency_ms: float) -> UserOutcome:
    """The audit line for one user: what was finally written, and the first diff only if a 409 changed it.
    A resumed user's line starts from its write-ahead record: its ``before``, and what of its change
    had landed before the kill as confirmed operations (``engine/run/writeahead.py``)."""
    written = changes_to_dict(merge_changes(run.confirmed, run.written))
    first = changes_to_dict(merge_changes(run.confirmed, run.first_changes))
    before = dict(run.ahead.before) if run.ahead is not None else audit_before(run)
    return UserOutcome(
        outcome=outcome,
        user_id=run.item.state.id,
        email=run.item.state.email,
        before=before,
        # The API bumps the version on every write by an amount it does not promise; leave it out.
        after={k: v for k, v in state_to_dict(run.state).items() if k != "version"},
        changes=written,
        first_changes=first if first != written and run.conflicts else None,
        version=before.get("version", run.before.version),
        attempts=run.attempts,
        conflicts=run.conflicts,
        requests=run.log.requests,
        latency_ms=latency_ms,
        correlation_id=run.log.correlation_id,
        ops=confirmed_ops(run.confirmed) + tuple(run.log.ops),
        reason=reason,
        error=ErrorInfo.of(error) if error is not None else None,
        confirmed_after_restart=outcome == "applied" and (not run.log.ops or not run.confirmed.is_empty()),
        held_back=run.held,
    )


def audit_before(run: _UserRun) -> dict[str, Any]:
    """The user as first read this pass, in the audit's shape, with the named queues' membership."""
    before = state_to_dict(run.before)
    if run.queues_before:
        before["queues"] = run.queues_before
    return before


def held_reason(held: tuple[HeldBack, ...]) -> str:
    """Without ids (the reason is read by people; ``held_back`` carries the three values of each)."""
    counts = Counter(h.key if h.element == "field" else h.element for h in held)
    what = ", ".join(f"{n} {k}s" if n > 1 else k for k, n in sorted(counts.items()))
    return f"changed since the undone job, so not restored: {what}"


def reconciliation_entry(run: _UserRun, record: UserOutcome, run_id: str) -> ReconciliationEntry:
    return ReconciliationEntry(
        key=record.user_id,
        outcome=record.outcome,
        reason=record.reason,
        run_id=run_id,
        email=record.email,
        intent=run.item.intent,
        last_state=state_to_dict(run.state),
        error=record.error,
        attempts=run.attempts,
        held_back=run.held,
    )


def _last_op(log: OpLog) -> str:
    """The kind of write that was just refused (``apply_changes`` records it before raising)."""
    failed = [op.op for op in log.ops if not op.ok]
    return failed[-1] if failed else "write"
