"""Reading a job folder: the only module of the report that opens its files.

The audit log is append-only and a user can have several lines (a resumed run, a
``reconcile retry`` pass); the last line per user is that user's outcome.

Memory stays bounded at any job size (at 100,000 users x 50 skills the audit is ~540 MB,
~5 KB a line): ``load_job`` reads the audit once and keeps no record, only

* per user, the byte offset of its last line (one int, the outcome folded into it), in
  order of the user's first line, so the result files read those lines back one at a
  time and in order;
* per run, a few numbers per line in typed arrays (time, latency, requests, 409s,
  attempts, offset: 48 bytes a line) for the timeline, the latency figures and the
  slowest / most retried users, whose whole lines are read back only for the handful
  shown;
* the offsets of the open reconciliation entries (read back the same way).

Stored intents (retry spec, unprocessed users) are read from ``state.db`` while the
files are written, a user at a time.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import orjson

from bulkops.engine.account import JobAccount, read_account, tally_runs
from bulkops.state.auditline import UserLine, lines_at, scan_audit, user_line
from bulkops.state.codec import intent_to_dict
from bulkops.state.layout import RunPaths
from bulkops.state.ndjson import BadLine
from bulkops.state.records import ItemOutcome, ReconciliationEntry, UserOutcome
from bulkops.state.store import RunStore


@dataclass(frozen=True, slots=True)
class OpenUser:
    """A user the job still has to handle (pending or in flight when the run ended)."""

    user_id: str
    status: str
    spec_line: int
    intent: Mapping[str, Any]


class QueueEntries(Sequence[ReconciliationEntry]):
    """Entries of the reconciliation queue, kept as byte offsets and decoded one at a time when iterated."""

    def __init__(self, path: Path, offsets: Sequence[int] = ()):
        self.path = path
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets)

    @overload
    def __getitem__(self, i: int) -> ReconciliationEntry: ...

    @overload
    def __getitem__(self, i: slice) -> QueueEntries: ...

    def __getitem__(self, i: int | slice) -> ReconciliationEntry | QueueEntries:
        if isinstance(i, slice):
            return QueueEntries(self.path, self.offsets[i])
        return next(iter(QueueEntries(self.path, (self.offsets[i],))))

    def __iter__(self) -> Iterator[ReconciliationEntry]:
        if not self.offsets:
            return
        with open(self.path, "rb") as fh:
            for off in self.offsets:
                fh.seek(off)
                yield ReconciliationEntry.from_json(orjson.loads(fh.readline()))


#: Outcome codes folded into the low bits of a user's last-line offset (``offset << 3 | code``).
OUTCOME_CODES = {"applied": 1, "unchanged": 2, "failed": 3, "reconciliation": 4}
CODE_OUTCOMES = {v: k for k, v in OUTCOME_CODES.items()}
RETRY_OUTCOMES = ("failed", "reconciliation")
_RETRY_CODES = frozenset(OUTCOME_CODES[o] for o in RETRY_OUTCOMES)


class RunLines:
    """One run's audit lines as columns of numbers (file order), for the report's figures."""

    __slots__ = ("offset", "t", "latency", "requests", "conflicts", "attempts", "outcomes")

    def __init__(self) -> None:
        self.offset = array("q")
        self.t = array("d")  # epoch seconds, 0.0 when ``ts`` is unreadable
        self.latency = array("d")  # ms; NaN when the line has none
        self.requests = array("d")
        self.conflicts = array("q")
        self.attempts = array("q")
        self.outcomes: Counter[str] = Counter()  # in order of first appearance

    def add(self, offset: int, t: float, rec: UserOutcome) -> None:
        """``t``: the line's time (``AuditLine.t``)."""
        self.offset.append(offset)
        self.t.append(t)
        lat = rec.latency_ms
        self.latency.append(math.nan if lat is None else float(lat))
        self.requests.append(rec.requests)
        self.conflicts.append(rec.conflicts)
        self.attempts.append(rec.attempts)
        self.outcomes[rec.outcome] += 1

    def __len__(self) -> int:
        return len(self.offset)


@dataclass(slots=True)
class JobData:
    """What the builders need, from one read of the job folder (no audit record is kept)."""

    job_id: str
    root: Path
    mode: str
    spec_path: str
    summary: dict[str, Any] | None
    audit: Path
    #: ``offset << 3 | code`` of each user's last audit line whose outcome has a result file
    #: (applied, unchanged, failed), in order of the user's first line.
    last_lines: array[int]
    job_outcomes: dict[str, int]  # users by last outcome (applied, unchanged, failed, reconciliation)
    runs: dict[str, RunLines]  # by run id, in order of first appearance
    line_count: int
    bad_lines: list[str]
    reconciliation: QueueEntries  # the open entries, in the queue's order
    dropped: set[str]  # users a person took off the reconciliation queue (fixed by hand)
    retry_ids: list[str]  # users whose last outcome needs another pass (not dropped), first-line order
    open_count: int  # users still pending or in flight in state.db
    counts: dict[str, int]
    db: Path
    #: The job's account (``engine.account``): status, outcomes and whole-job figures the page shows.
    account: JobAccount
    store: RunStore | None = None  # the caller's open store, reused to read intents
    #: The last audit line of each item of another kind (skill definitions, ...), in file order.
    items: list[ItemOutcome] = field(default_factory=list)

    @property
    def run_ids(self) -> list[str]:
        return list(self.runs)

    def last_records(self) -> Iterator[tuple[str, UserLine]]:
        """(outcome, line) of each user's last line with a result file, read back one at a time."""
        offsets = [v >> 3 for v in self.last_lines]
        for v, line in zip(self.last_lines, self.lines_at(offsets)):
            yield CODE_OUTCOMES[v & 7], line

    def lines_at(self, offsets: Sequence[int]) -> Iterator[UserLine]:
        """The users' lines at ``offsets`` (from the scan), read back one at a time, in that order."""
        for line in lines_at(self.audit, offsets):
            if (user := user_line(line)) is not None:
                yield user

    @contextmanager
    def opened_store(self) -> Iterator[RunStore]:
        if self.store is not None:
            yield self.store
            return
        store = RunStore.open(self.db)
        try:
            yield store
        finally:
            store.close()

    def retry_intents(self, store: RunStore) -> Iterator[dict[str, Any]]:
        """Stored intents of ``retry_ids`` (users without one are skipped), one at a time."""
        for uid in self.retry_ids:
            if (intent := store.intent(uid)) is not None:
                yield intent_to_dict(intent)

    def open_users(self, store: RunStore, *, batch: int = 500) -> Iterator[OpenUser]:
        """Users still pending or in flight, by user id, with their stored intent; a batch at a time."""
        ids = list(store.open_user_ids())
        for i in range(0, len(ids), batch):
            found = store.open_intents(ids[i : i + batch])
            for uid in ids[i : i + batch]:
                if uid in found:
                    intent, status = found[uid]
                    yield OpenUser(uid, status, intent.line, intent_to_dict(intent))


def load_job(paths: RunPaths, *, store: RunStore | None = None) -> JobData:
    """Read the job folder. ``store``: an open store to reuse (the engine's), else one is opened and closed."""
    own = store is None
    if store is None:
        store = RunStore.open(paths.db)
    try:
        scan = _scan(paths.audit)
        last, runs = scan.last, scan.runs
        summary = orjson.loads(paths.summary.read_bytes()) if paths.summary.exists() else None
        account = read_account(store, paths, audit=tally_runs((len(r), sum(r.requests), sum(r.conflicts)) for r in runs.values()))
        queue = account.queue  # the one fold of the queue: what the account counts is what the page lists
        dropped = set(queue.dropped)
        job_outcomes: Counter[str] = Counter()
        last_lines = array("q")
        retry_ids: list[str] = []
        for uid, v in last.items():
            code = v & 7
            if code:
                job_outcomes[CODE_OUTCOMES[code]] += 1
                if code in _RETRY_CODES:
                    if uid not in dropped:
                        retry_ids.append(uid)
                if code != OUTCOME_CODES["reconciliation"]:
                    last_lines.append(v)
        del last
        return JobData(
            job_id=store.get("job_id") or paths.root.name,
            root=paths.root,
            mode=store.get("mode") or "merge",
            spec_path=store.get("spec_path") or "",
            summary=summary,
            audit=paths.audit,
            last_lines=last_lines,
            job_outcomes=dict(job_outcomes),
            runs=runs,
            line_count=scan.count,
            bad_lines=scan.bad,
            reconciliation=QueueEntries(paths.reconciliation, array("q", queue.open.values())),
            dropped=dropped,
            retry_ids=retry_ids,
            open_count=sum(1 for _ in store.open_user_ids()),
            counts=store.counts() | {"total": store.total()},
            db=paths.db,
            store=None if own else store,
            items=list(scan.items.values()),
            account=account,
        )
    finally:
        if own:
            store.close()


@dataclass(slots=True)
class _Scan:
    """What one read of the audit log keeps (no record but the items' last lines)."""

    last: dict[str, int] = field(default_factory=dict)  # user id -> offset << 3 | outcome code of its last line
    runs: dict[str, RunLines] = field(default_factory=dict)
    bad: list[str] = field(default_factory=list)
    items: dict[str, ItemOutcome] = field(default_factory=dict)  # kind:key -> its last line
    count: int = 0


def _scan(audit: Path) -> _Scan:
    """One pass over the audit log (``auditline.scan_audit``, its one reader)."""
    scan = _Scan()
    for off, line in scan_audit(audit):
        if isinstance(line, BadLine):
            scan.bad.append(str(line))
            continue
        rec = line.record
        if isinstance(rec, ItemOutcome):  # an item of another kind (a skill definition): not a user's line
            scan.items[f"{rec.kind}:{rec.key}"] = rec
            continue
        scan.count += 1
        scan.last[rec.user_id] = off << 3 | OUTCOME_CODES.get(rec.outcome, 0)
        if (run := scan.runs.get(line.run_id)) is None:
            run = scan.runs[line.run_id] = RunLines()
        run.add(off, line.t, rec)
    return scan
