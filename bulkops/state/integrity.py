"""Is a job's run state whole? Checked before any command uses it (#25 §5).

A store SQLite cannot read (truncated, bytes flipped, zeroed, not a database), one without the
tables or the meta a finished set-up leaves, or none at all beside an audit log that records
writes, is damaged: the command ends with exit 7, says what is wrong and what to do, and sends
nothing. "Interrupted during set-up, before any write" is said only when it is true: the store
was never made ready *and* the audit log holds no line (only a run writes audit lines).

``PRAGMA quick_check`` reads every page once (about 1.2 s for a million users, 253 MB:
``scripts/bench_state_check.py``), so
damage anywhere in the file is found here, not as a traceback half-way through a command.
"""

from __future__ import annotations

import shlex
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bulkops.errors import DamagedStateError, StateError
from bulkops.state.auditline import read_audit
from bulkops.state.layout import RunPaths
from bulkops.state.ndjson import BadLine
from bulkops.state.records import ItemOutcome, UserOutcome

#: Tables every version of the store has; the others are added on open.
REQUIRED_TABLES = frozenset({"meta", "intents"})
#: Meta a ready job has (``engine.job.create_job``, ``engine.undo.create_undo_job``).
REQUIRED_META = ("schema", "job_id", "spec_path", "spec_hash", "mode", "ready")
#: quick_check's findings quoted in a message.
FINDINGS_SHOWN = 3


@dataclass(frozen=True, slots=True)
class AuditTally:
    """What a job's audit log says was done: lines, users written, items written."""

    lines: int = 0
    users_written: int = 0
    items_written: int = 0

    def describe(self) -> str:
        parts = [f"{self.lines} line(s)"]
        if self.users_written:
            parts.append(f"{self.users_written} user(s) written")
        if self.items_written:
            parts.append(f"{self.items_written} item(s) of other kinds written")
        return ", ".join(parts)


def tally_audit(path: Path) -> AuditTally:
    """Count what the audit log records (read only when the store is in doubt)."""
    lines = 0
    users: set[str] = set()
    items: set[tuple[str, str]] = set()
    for line in read_audit(path):
        lines += 1
        if isinstance(line, BadLine) or not _wrote(line.record):
            continue
        if isinstance(line.record, ItemOutcome):
            items.add((line.record.kind, line.record.key))
        elif line.record.user_id:
            users.add(line.record.user_id)
    return AuditTally(lines, len(users), len(items))


def _wrote(record: UserOutcome | ItemOutcome) -> bool:
    """Applied, or held for reconciliation with an ``after`` (what it was left as)."""
    return record.outcome == "applied" or (record.outcome == "reconciliation" and record.after is not None)


@dataclass(frozen=True, slots=True)
class StoreReading:
    """What reading the store found: ``blank`` (no tables: set-up never wrote it), ``unready``
    (set-up never finished), or ``damage`` (what is wrong); all False/None: whole."""

    blank: bool = False
    unready: bool = False
    damage: str | None = None


def read_store(db: Path) -> StoreReading:
    """Read the whole file once with SQLite's own check, then its tables and meta."""
    try:
        conn = sqlite3.connect(db)
    except sqlite3.Error as exc:
        return StoreReading(damage=f"SQLite cannot open it ({exc})")
    try:
        return _inspect(conn)
    except sqlite3.Error as exc:
        return StoreReading(damage=f"SQLite cannot read it ({exc})")
    finally:
        conn.close()


def _inspect(conn: sqlite3.Connection) -> StoreReading:
    findings = [line for (row,) in conn.execute("PRAGMA quick_check") for line in str(row).splitlines() if not line.startswith("***")]
    if findings != ["ok"]:
        return StoreReading(damage=f"SQLite's check finds it damaged ({'; '.join(findings[:FINDINGS_SHOWN])})")
    tables = {str(name) for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return StoreReading(blank=True)
    if missing := sorted(REQUIRED_TABLES - tables):
        return StoreReading(damage=f"its table(s) {', '.join(missing)} are missing")
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    if not _loads(meta.get("ready")):
        return StoreReading(unready=True)
    if absent := [k for k in REQUIRED_META if k not in meta]:
        return StoreReading(damage=f"its job description lacks {', '.join(absent)}")
    if bad := [k for k, v in meta.items() if _unreadable(v)]:
        return StoreReading(damage=f"its job description's {', '.join(sorted(bad))} cannot be read")
    return StoreReading()


def _loads(value: Any) -> Any:
    try:
        return orjson.loads(value) if value is not None else None
    except orjson.JSONDecodeError:
        return None


def _unreadable(value: Any) -> bool:
    try:
        orjson.loads(value)
    except (orjson.JSONDecodeError, TypeError):
        return True
    return False


def check_run_state(paths: RunPaths, job_id: str, *, known_jobs: Iterable[str] = ()) -> None:
    """Raise unless the job's store is whole and ready: ``DamagedStateError`` (what is wrong, what
    to do) when it is damaged or gone beside an audit of writes, ``StateError`` when there is no
    such job or its set-up was interrupted before any write (the audit log proves it)."""
    if not paths.db.exists():
        tally = tally_audit(paths.audit)
        if tally.lines:
            raise damaged(paths, job_id, "the run state (state.db) is missing", tally)
        hint = f" Known jobs: {', '.join(sorted(known_jobs))}." if known_jobs else ""
        raise StateError(f"no job {job_id!r} under {paths.root.parent}.{hint}")
    reading = read_store(paths.db)
    if reading.damage is None and not reading.blank and not reading.unready:
        return
    tally = tally_audit(paths.audit)
    if reading.damage is not None:
        raise damaged(paths, job_id, f"the run state {paths.db} is damaged: {reading.damage}", tally)
    if tally.lines:  # a run began: set-up had finished, so the store lost what it held
        what = "holds no tables" if reading.blank else "is not marked ready"
        raise damaged(paths, job_id, f"the run state {paths.db} {what}, yet the job ran", tally)
    raise StateError(f"job {job_id} was interrupted during set-up, before any write (its audit log is empty); run the spec again with `bulkops run`")


def existing_job(paths: RunPaths, job_id: str) -> bool:
    """Before a job (or an undo job) is created in ``paths``: True when a whole, ready job is there
    already; False when there is none or only what a set-up killed before any write leaves (it may
    start again); ``DamagedStateError`` when the folder holds a job whose state is damaged or gone
    (starting again there would mix a new job into the audit log of one that wrote)."""
    if not paths.db.exists() and not paths.audit.exists():
        return False
    try:
        check_run_state(paths, job_id)
    except DamagedStateError:
        raise
    except StateError:  # no store and an empty audit, or a set-up interrupted before any write
        return False
    return True


def damaged(paths: RunPaths, job_id: str, what: str, tally: AuditTally) -> DamagedStateError:
    """The error for a damaged store: what is wrong, what the audit log holds, and what to do."""
    if tally.lines:
        record = f"its audit log {paths.audit} records what the job did ({tally.describe()})"
    else:
        record = f"its audit log {paths.audit} records no write"
    advice = (
        f"restore {paths.db.name} from a backup if you have one (then `bulkops status {job_id} --state-dir {shlex.quote(str(paths.root.parent))}`); otherwise run the spec again as a new job "
        f"(`bulkops run SPEC --job NEW-NAME`): users already as the spec says are left alone and nothing is sent for them. "
        f"Keep the folder {paths.root}: its audit log is the record of what job {job_id} wrote"
    )
    return DamagedStateError(f"{what}; {record}", advice=advice)
