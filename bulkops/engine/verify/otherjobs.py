"""The other jobs of a state folder, as ``verify`` reads them (#27 §9).

Two jobs run by one OAuth client close together each see the other's writes in the platform's audit
under that client. Each job's audit log records what it wrote, so a write another job of the same
state folder recorded is that job's, not unexpected. Read here: each other job's audit log (the same
reader as the job's own, ``verifyjob.read_job_writes``) and, read-only, its recorded OAuth clients and
clock skews (its windows moved into the API's clock, as the job's own are). A job whose clients share
none with the ones verified, or whose audit log was last written before this job was created, cannot
account for anything in the messages and is not read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

from bulkops.domain.verification import OtherJob
from bulkops.engine.verify.verifyjob import CLOCK_SKEWS, DEFAULT_MARGIN, read_job_writes
from bulkops.state.layout import RunPaths

#: The keys of a job's store read here (never written: another job may be running).
_META_KEYS = ("client_id", "pool_client_ids", CLOCK_SKEWS)


def other_jobs(
    state_dir: str | Path, job: str, clients: Iterable[str | None], *, created: float | None = None, margin: float = DEFAULT_MARGIN
) -> tuple[OtherJob, ...]:
    """Every other job of ``state_dir`` that may have written under one of ``clients`` since
    ``created`` (this job's creation, this machine's clock), in name order."""
    wanted = {c for c in clients if c}
    out: list[OtherJob] = []
    for folder in sorted(p for p in Path(state_dir).iterdir() if p.is_dir() and p.name != job):
        found = _other(RunPaths(folder), wanted, created, margin)
        if found is not None:
            out.append(found)
    return tuple(out)


def _other(paths: RunPaths, clients: set[str], created: float | None, margin: float) -> OtherJob | None:
    if not paths.audit.is_file() or not paths.db.is_file():
        return None
    if created is not None and paths.audit.stat().st_mtime < created - margin:
        return None  # its last line is older than this job: none of its writes falls in this job's windows
    meta = _meta(paths.db)
    theirs = {meta.get("client_id"), *(meta.get("pool_client_ids") or ())} - {None}
    if clients and not clients & theirs:
        return None
    writes = read_job_writes(paths.audit, margin=margin, skews=meta.get(CLOCK_SKEWS) or {})
    if not writes.expected:
        return None
    return OtherJob(paths.root.name, writes.expected, writes.windows)


def _meta(db: Path, keys: Sequence[str] = _META_KEYS) -> dict[str, Any]:
    """``keys`` of a job's store, read-only; nothing when the store cannot be read (damaged, busy)."""
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            marks = ",".join("?" for _ in keys)
            rows = conn.execute(f"SELECT key, value FROM meta WHERE key IN ({marks})", tuple(keys)).fetchall()  # noqa: S608 - placeholders only
        finally:
            conn.close()
    except sqlite3.Error:
        return {}
    return {k: orjson.loads(v) for k, v in rows}
