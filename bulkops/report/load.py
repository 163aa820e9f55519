"""Reading a job folder into plain records: the only module of the report that opens files.

The audit log is append-only and a user can have several lines (a resumed run, a
``reconcile retry`` pass); the last line per user is that user's outcome. Lines are kept
compact (``UserLine``) so a 100,000-user job stays a modest amount of memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

import orjson

from bulkops.state.codec import intent_to_dict
from bulkops.state.layout import RunPaths
from bulkops.state.ndjson import BadLine, read_ndjson
from bulkops.state.reconciliation import ReconciliationQueue
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
    def from_record(cls, rec: Mapping[str, Any]) -> "UserLine":
        return cls(
            t=parse_ts(rec.get("ts", "")),
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


@dataclass(slots=True)
class JobData:
    """Everything the builders need, read once."""

    job_id: str
    root: Path
    mode: str
    spec_path: str
    summary: dict[str, Any] | None
    lines: list[UserLine]  # every audit line, in file order
    bad_lines: list[str]
    reconciliation: dict[str, dict[str, Any]]  # open entries by user id
    dropped: set[str]  # users a person took off the reconciliation queue (fixed by hand)
    open_users: list[OpenUser]
    #: Stored (resolved) intents of users whose last outcome needs another pass.
    retry_intents: dict[str, dict[str, Any]]
    counts: dict[str, int]

    @property
    def last(self) -> dict[str, UserLine]:
        """The outcome of each user: its last audit line."""
        out: dict[str, UserLine] = {}
        for line in self.lines:
            out[line.user_id] = line
        return out

    def run_lines(self, run_id: str | None) -> list[UserLine]:
        return [ln for ln in self.lines if run_id is None or ln.run_id == run_id]

    @property
    def run_ids(self) -> list[str]:
        return list(dict.fromkeys(ln.run_id for ln in self.lines))


def parse_ts(ts: str) -> float:
    """Audit ``ts`` (``2026-11-23T11:31:10.352Z``) -> epoch seconds; 0.0 if unreadable."""
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return 0.0


RETRY_OUTCOMES = ("failed", "reconciliation")


def load_job(paths: RunPaths, *, store: RunStore | None = None) -> JobData:
    """Read the job folder. ``store``: an open store to reuse (the engine's), else one is opened and closed."""
    own = store is None
    if store is None:
        store = RunStore.open(paths.db)
    try:
        lines: list[UserLine] = []
        bad: list[str] = []
        for rec in read_ndjson(paths.audit):
            if isinstance(rec, BadLine):
                bad.append(str(rec))
            else:
                lines.append(UserLine.from_record(rec))
        summary = orjson.loads(paths.summary.read_bytes()) if paths.summary.exists() else None
        open_users = []
        ids = list(store.open_user_ids())
        for i in range(0, len(ids), 500):
            found = store.open_intents(ids[i : i + 500])
            for uid in ids[i : i + 500]:
                if uid in found:
                    intent, status = found[uid]
                    open_users.append(OpenUser(uid, status, intent.line, intent_to_dict(intent)))
        last: dict[str, UserLine] = {ln.user_id: ln for ln in lines}
        dropped = _dropped(paths.reconciliation)
        retry = {}
        for uid, ln in last.items():
            if ln.outcome in RETRY_OUTCOMES and uid not in dropped and (intent := store.intent(uid)) is not None:
                retry[uid] = intent_to_dict(intent)
        return JobData(
            job_id=store.get("job_id") or paths.root.name,
            root=paths.root,
            mode=store.get("mode") or "merge",
            spec_path=store.get("spec_path") or "",
            summary=summary,
            lines=lines,
            bad_lines=bad,
            reconciliation=ReconciliationQueue(paths.reconciliation).entries(),
            dropped=dropped,
            open_users=open_users,
            retry_intents=retry,
            counts=store.counts() | {"total": store.total()},
        )
    finally:
        if own:
            store.close()



def _dropped(path: Path) -> set[str]:
    """Users whose latest reconciliation event is ``dropped``: a person fixed them, no retry."""
    latest: dict[str, str] = {}
    for rec in read_ndjson(path):
        if not isinstance(rec, BadLine) and rec.get("user_id"):
            latest[rec["user_id"]] = rec.get("event", "")
    return {uid for uid, event in latest.items() if event == "dropped"}
