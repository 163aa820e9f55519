"""The account of a job: one record every command renders (``status``, the summary, the report).

Read from the run store (each user's and item's checkpointed outcome, the passes' figures),
the reconciliation queue (what a person still has to look at, what a person dropped) and,
when the caller has read it, the audit log (user lines, 409s and requests of every pass).
``status``, summary.json, ``--json``, the terminal and report.html all show this record, so
they cannot disagree, after ``reconcile retry`` and ``reconcile drop`` as after a run.

What the words mean (docs/report.md says the same for a person):

* ``complete``: nothing is left for a person: no user or item failed or held for
  reconciliation that a person has not dropped, no open queue entry, nothing pending.
* ``finished, N need a look``: every user and item was handled, N of them failed or are held
  for reconciliation (``bulkops reconcile list``).
* ``stopped`` / ``interrupted`` / ``incomplete``: work is still open (``bulkops resume``);
  interrupted is a pass that ended without saying so (killed); ``running``: a pass holds the job.
* dropped: an entry a person took off the queue with ``reconcile drop`` (fixed by hand, or
  accepted as it is). It is settled: counted apart, as ``dropped``, and never as needing a look.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bulkops.engine.run.passfigures import PassFigures, passes_of
from bulkops.engine.run.requesttotal import META_KEY as TOTAL_KEY
from bulkops.engine.run.requesttotal import RequestTotal
from bulkops.kinds.registry import kinds
from bulkops.state.joblock import holder
from bulkops.state.layout import RunPaths
from bulkops.state.ndjson import BadLine, scan_ndjson
from bulkops.state.records import entry_id, entry_named, split_entry_id
from bulkops.state.store import RunStore

State = Literal["complete", "finished", "stopped", "interrupted", "incomplete", "running"]
#: The order outcomes and statuses are listed in, wherever they are shown.
ORDER = ("applied", "unchanged", "reconciliation", "failed", "dropped", "inflight", "pending")
HELD = ("reconciliation", "failed")
OPEN = ("pending", "inflight")


@dataclass(frozen=True, slots=True)
class PassEnd:
    """How the pass that is writing the summary ended (the engine's ``RunResult``)."""

    stopped: bool
    listing_complete: bool


@dataclass(frozen=True, slots=True)
class QueueFold:
    """The reconciliation queue folded: the open entries, and the entries a person dropped, by id."""

    #: id -> byte offset of its open ``queued`` event, in the queue's order (the report reads them back).
    open: Mapping[str, int] = field(default_factory=dict)
    #: id -> the outcome it was queued with (failed, reconciliation), for the ids whose latest event is ``dropped``.
    dropped: Mapping[str, str] = field(default_factory=dict)

    @property
    def open_ids(self) -> tuple[str, ...]:
        return tuple(self.open)


@dataclass(frozen=True, slots=True)
class AuditTally:
    """The audit log's user lines over every pass (the report's one read of it adds them up)."""

    runs: int = 0
    lines: int = 0
    requests: float = 0.0
    conflicts: int = 0


@dataclass(frozen=True, slots=True)
class JobTotals:
    """The whole job's figures, every finished pass added up (the report's tiles)."""

    passes: int
    requests: int
    requests_per_changed_user: float | None
    duration_s: float
    achieved_rps: float | None
    configured_rps: float | None
    http_429: int
    http_5xx: int
    http_retries: int


@dataclass(frozen=True, slots=True)
class JobAccount:
    job_id: str
    state: State
    #: Users per outcome (settled) or status (open), ``dropped`` apart; never ``total``.
    users: Mapping[str, int]
    total: int
    #: Per kind of item (skill definitions, queue settings, ...): the same, per outcome or status.
    items: Mapping[str, Mapping[str, int]]
    need_look: int
    dropped: int
    open_entries: int
    open_work: int
    requests: RequestTotal
    #: The queue as folded for this account (the report lists its open entries from it).
    queue: QueueFold = field(default_factory=QueueFold)
    passes: tuple[PassFigures, ...] = ()
    audit: AuditTally | None = None

    @property
    def status(self) -> str:
        """The one word (or phrase) every view shows."""
        if self.state == "finished":
            return f"finished, {self.need_look} need a look"
        return self.state

    def totals(self) -> JobTotals:
        """The whole job's figures, every pass: requests (set-up included), time, rate, HTTP faults."""
        seconds = sum(p.duration_s for p in self.passes)
        engine = sum(p.engine_requests for p in self.passes)
        applied, total = self.users.get("applied", 0), self.requests
        return JobTotals(
            passes=total.passes,
            requests=total.requests,
            requests_per_changed_user=round(total.requests / applied, 3) if applied and total.passes else None,
            duration_s=round(seconds, 2),
            achieved_rps=round(engine / seconds, 2) if seconds > 0 else None,
            configured_rps=self.passes[-1].configured_rps if self.passes else None,
            http_429=sum(p.http_429 for p in self.passes),
            http_5xx=sum(p.http_5xx for p in self.passes),
            http_retries=sum(p.http_retries for p in self.passes),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "status": self.status,
            "need_look": self.need_look,
            "dropped": self.dropped,
            "open_entries": self.open_entries,
            "open_work": self.open_work,
            "users": dict(self.users) | {"total": self.total},
            "items": {k: dict(v) for k, v in self.items.items()},
            "passes": self.requests.passes,
            "requests": self.requests.requests,
        }


def read_account(store: RunStore, paths: RunPaths, *, pass_end: PassEnd | None = None, audit: AuditTally | None = None) -> JobAccount:
    """The job's account now. ``pass_end``: the pass writing its summary (it holds the job);
    without it, the job is looked at from outside (``status``, ``report``, ``reconcile drop``).
    ``audit``: the audit log's tally when the caller has read the log (the report)."""
    fold = fold_queue(paths.reconciliation)
    dropped_users, dropped_items = dropped_by_owner(fold, kinds())
    users = settle(store.counts(), dropped_users)
    items = {kind: settle(counts, dropped_items.get(kind, {})) for kind, counts in sorted(store.item_counts().items())}
    every = [users, *items.values()]
    need_look = sum(c.get(k, 0) for c in every for k in HELD)
    open_work = sum(c.get(k, 0) for c in every for k in OPEN)
    state = job_state(open_work=open_work, need_look=need_look, pass_end=pass_end, outside=_outside(store, paths) if pass_end is None else None)
    return JobAccount(
        job_id=store.get("job_id") or paths.root.name,
        state=state,
        users=users,
        total=store.total(),
        items=items,
        need_look=need_look,
        dropped=sum(c.get("dropped", 0) for c in every),
        open_entries=len(fold.open_ids),
        open_work=open_work,
        requests=RequestTotal.from_dict(store.get(TOTAL_KEY)),
        queue=fold,
        passes=passes_of(store),
        audit=audit,
    )


def job_state(*, open_work: int, need_look: int, pass_end: PassEnd | None, outside: State | None) -> State:
    """Pure: the state from what is open, what is held, and how the pass ended (or who holds the job).
    A pass stopped after its last user was checkpointed leaves nothing open: the job is settled, and
    says so as ``status`` will."""
    if outside == "running":
        return outside
    if open_work:
        if pass_end is not None:
            return "stopped" if pass_end.stopped else "incomplete"
        return outside or "stopped"
    if pass_end is not None and not pass_end.listing_complete and not pass_end.stopped:
        return "incomplete"
    return "finished" if need_look else "complete"


def settle(counts: Mapping[str, int], dropped: Mapping[str, int]) -> dict[str, int]:
    """Pure: ``counts`` with the dropped ones moved from their outcome to ``dropped``, in ``ORDER``
    (any other key after); zeros left out."""
    out = dict(counts)
    moved = 0
    for outcome, n in dropped.items():
        take = min(n, out.get(outcome, 0))
        out[outcome] = out.get(outcome, 0) - take
        moved += take
    out["dropped"] = out.get("dropped", 0) + moved
    ordered = {k: out[k] for k in ORDER if out.get(k)}
    return ordered | {k: v for k, v in out.items() if k not in ORDER and v}


def fold_queue(path: Path) -> QueueFold:
    """The queue's events folded as ``ReconciliationQueue.entries`` folds them (queued opens an entry;
    dropped, retried and resolved close it; a line naming no user, or cut by a crash, is skipped),
    keeping the dropped apart. The one fold of the queue that the account and the report read."""
    open_: dict[str, int] = {}
    queued_as: dict[str, str] = {}
    dropped: dict[str, str] = {}
    for off, rec in scan_ndjson(path):
        if isinstance(rec, BadLine) or (named := entry_named(rec)) is None:
            continue
        uid = entry_id(*named)
        event = rec.get("event")
        if event == "queued":
            open_[uid] = off  # the latest record, in the place of the first (as a dict update keeps it)
            queued_as[uid] = str(rec.get("outcome") or "failed")
            dropped.pop(uid, None)
        elif event in ("dropped", "retried", "resolved"):
            open_.pop(uid, None)
            dropped.pop(uid, None)
            if event == "dropped" and uid in queued_as:
                dropped[uid] = queued_as[uid]
    return QueueFold(open_, dropped)


def dropped_by_owner(fold: QueueFold, kind_names: Iterable[str]) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Pure: dropped entries by the outcome they were queued with, the users' and each kind's
    (``fold`` names them by ``records.entry_id``: a user by its id, an item as ``kind:key``)."""
    known = set(kind_names)
    users: dict[str, int] = {}
    items: dict[str, dict[str, int]] = {}
    for name, outcome in fold.dropped.items():
        kind, _ = split_entry_id(name)
        into = items.setdefault(kind, {}) if kind in known else users
        into[outcome] = into.get(outcome, 0) + 1
    return users, items


def _outside(store: RunStore, paths: RunPaths) -> State:
    """Seen from outside a pass: another process holds the job, or the last pass died, or it stopped.
    This process holding the lock (a pass's end-of-pass files, ``reconcile drop``) is not "running"."""
    who = holder(paths.root)
    if who is not None and who.get("pid") != os.getpid():
        return "running"
    return "interrupted" if store.get("running") else "stopped"


def tally_runs(runs: Iterable[tuple[int, float, int]]) -> AuditTally:
    """Per run (lines, requests, 409s), added up."""
    n = lines = conflicts = 0
    requests = 0.0
    for ln, rq, cf in runs:
        n, lines, requests, conflicts = n + 1, lines + ln, requests + rq, conflicts + cf
    return AuditTally(n, lines, round(requests, 3), conflicts)
