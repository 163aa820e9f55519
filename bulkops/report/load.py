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
from datetime import datetime
from pathlib import Path
from typing import Any, overload

import orjson

from bulkops.engine.account import JobAccount, read_account, tally_runs
from bulkops.state.codec import intent_to_dict
from bulkops.state.layout import RunPaths
from bulkops.state.ndjson import BadLine, scan_ndjson
from bulkops.state.store import RunStore


@dataclass(frozen=True, slots=True)
class UserLine:
    """One audit line, reduced to what the result files and the report use."""

    t: float  # epoch seconds, from ``ts`` (the moment the outcome was recorded)
    ts: str
    run_id: str
    user_id: str
    email: str
    outcome: str
    reason: str = ""
    attempts: int = 0
    conflicts: int = 0
    requests: float = 0.0
    latency_ms: float | None = None
    confirmed_after_restart: bool = False
    error: Mapping[str, Any] | None = None
    ops: tuple[Mapping[str, Any], ...] = ()
    changes: Mapping[str, Any] = field(default_factory=dict)
    correlation_id: str = ""

    @classmethod
    def from_record(cls, rec: Mapping[str, Any], *, timed: bool = True) -> UserLine:
        """``timed=False``: leave ``t`` at 0.0 (the result files show ``ts`` as written; parsing it costs)."""
        return cls(
            t=parse_ts(rec.get("ts", "")) if timed else 0.0,
            ts=rec.get("ts", ""),
            run_id=rec.get("run_id", ""),
            user_id=rec.get("user_id", ""),
            email=rec.get("email") or "",
            outcome=rec.get("outcome", ""),
            reason=rec.get("reason") or "",
            attempts=int(rec.get("attempts") or 0),
            conflicts=int(rec.get("conflicts") or 0),
            requests=float(rec.get("requests") or 0),
            latency_ms=rec.get("latency_ms"),
            confirmed_after_restart=bool(rec.get("confirmed_after_restart")),
            error=rec.get("error"),
            ops=tuple(rec.get("ops") or ()),
            changes=rec.get("changes") or {},
            correlation_id=rec.get("correlation_id") or "",
        )


@dataclass(frozen=True, slots=True)
class OpenUser:
    """A user the job still has to handle (pending or in flight when the run ended)."""

    user_id: str
    status: str
    spec_line: int
    intent: Mapping[str, Any]


class Records(Sequence[dict[str, Any]]):
    """Records of an NDJSON file, kept as byte offsets and parsed one at a time when iterated."""

    def __init__(self, path: Path, offsets: Sequence[int] = ()):
        self.path = path
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets)

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, i: slice) -> Records: ...

    def __getitem__(self, i: int | slice) -> dict[str, Any] | Records:
        if isinstance(i, slice):
            return Records(self.path, self.offsets[i])
        return next(iter(Records(self.path, (self.offsets[i],))))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.offsets:
            return
        with open(self.path, "rb") as fh:
            pos = 0
            for off in self.offsets:
                if off != pos:
                    fh.seek(off)
                raw = fh.readline()
                pos = off + len(raw)
                yield orjson.loads(raw)


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

    def add(self, offset: int, rec: Mapping[str, Any]) -> None:
        self.offset.append(offset)
        self.t.append(parse_ts(rec.get("ts", "")))
        lat = rec.get("latency_ms")
        self.latency.append(math.nan if lat is None else float(lat))
        self.requests.append(float(rec.get("requests") or 0))
        self.conflicts.append(int(rec.get("conflicts") or 0))
        self.attempts.append(int(rec.get("attempts") or 0))
        self.outcomes[rec.get("outcome", "")] += 1

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
    reconciliation: Records  # the open entries, in the queue's order
    dropped: set[str]  # users a person took off the reconciliation queue (fixed by hand)
    retry_ids: list[str]  # users whose last outcome needs another pass (not dropped), first-line order
    open_count: int  # users still pending or in flight in state.db
    counts: dict[str, int]
    db: Path
    #: The job's account (``engine.account``): status, outcomes and whole-job figures the page shows.
    account: JobAccount
    store: RunStore | None = None  # the caller's open store, reused to read intents
    #: The last audit line of each item of another kind (skill definitions, ...), in file order.
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def run_ids(self) -> list[str]:
        return list(self.runs)

    def last_records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(outcome, record) of each user's last line with a result file, read back one at a time."""
        offsets = [v >> 3 for v in self.last_lines]
        for v, rec in zip(self.last_lines, Records(self.audit, offsets)):
            yield CODE_OUTCOMES[v & 7], rec

    def lines_at(self, offsets: Sequence[int]) -> list[UserLine]:
        return [UserLine.from_record(r) for r in Records(self.audit, offsets)]

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


def parse_ts(ts: str) -> float:
    """Audit ``ts`` (``2026-11-23T11:31:10.352Z``) -> epoch seconds; 0.0 if unreadable."""
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return 0.0


def load_job(paths: RunPaths, *, store: RunStore | None = None) -> JobData:
    """Read the job folder. ``store``: an open store to reuse (the engine's), else one is opened and closed."""
    own = store is None
    if store is None:
        store = RunStore.open(paths.db)
    try:
        last: dict[str, int] = {}  # user id -> offset << 3 | outcome code of its last line
        runs: dict[str, RunLines] = {}
        bad: list[str] = []
        items: dict[str, dict[str, Any]] = {}  # kind:key -> its last line
        count = 0
        for off, rec in scan_ndjson(paths.audit):
            if isinstance(rec, BadLine):
                bad.append(str(rec))
                continue
            if "kind" in rec:  # an item of another kind (a skill definition): not a user's line
                items[f"{rec['kind']}:{rec.get('key', '')}"] = rec
                continue
            count += 1
            last[rec.get("user_id", "")] = off << 3 | OUTCOME_CODES.get(rec.get("outcome", ""), 0)
            run_id = rec.get("run_id", "")
            if (run := runs.get(run_id)) is None:
                run = runs[run_id] = RunLines()
            run.add(off, rec)
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
            line_count=count,
            bad_lines=bad,
            reconciliation=Records(paths.reconciliation, array("q", queue.open.values())),
            dropped=dropped,
            retry_ids=retry_ids,
            open_count=sum(1 for _ in store.open_user_ids()),
            counts=store.counts() | {"total": store.total()},
            db=paths.db,
            store=None if own else store,
            items=list(items.values()),
            account=account,
        )
    finally:
        if own:
            store.close()
