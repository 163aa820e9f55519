"""The jobs a state folder holds, and the name of a spec's next job (nightly runs, #30 §2).

A spec run again is a new job once its previous one finished: its name says when it began
(``<spec stem>-<UTC yyyymmddTHHMM>``), so the same file run every night leaves one job a night
beside the others. A previous job of the same spec that did not finish is never started
over: ``UnfinishedJobError`` names the job, and ``bulkops resume`` carries it on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bulkops.engine.account import read_account
from bulkops.errors import BulkopsError, DamagedStateError, StateError
from bulkops.state.integrity import check_run_state
from bulkops.state.layout import RunPaths, check_job_name
from bulkops.state.store import RunStore

#: The meta key a job records the time it was created under (seconds since the epoch).
CREATED_AT = "created_at"
#: Job states in which nothing is left to carry on with (``finished``: some need a person, via reconcile).
SETTLED = ("complete", "finished")


@dataclass(frozen=True, slots=True)
class JobEntry:
    """One job of a state folder, as ``status`` lists it."""

    job_id: str
    spec_path: str | None
    created: float
    state: str  # the job's account state, or "damaged"
    status: str
    open_work: int
    undo_of: str | None = None

    @property
    def settled(self) -> bool:
        return self.state in SETTLED


class UnfinishedJobError(BulkopsError):
    """The spec's previous job did not finish: run ``resume`` on it, not the spec again."""

    def __init__(self, entry: JobEntry, state_dir: str):
        self.entry = entry
        self.state_dir = state_dir
        super().__init__(f"the previous job of this spec, {entry.job_id}, did not finish ({entry.status}, {entry.open_work} users or items to go)")


def read_entry(state_dir: str | Path, job_id: str) -> JobEntry | None:
    """The job in ``<state_dir>/<job_id>``; None when there is none (or its set-up never finished)."""
    paths = RunPaths.for_job(state_dir, job_id)
    try:
        check_run_state(paths, job_id)
    except DamagedStateError as exc:
        return JobEntry(job_id, None, _folder_time(paths), "damaged", f"damaged: {exc}", 0)
    except StateError:
        return None
    store = RunStore.open(paths.db)
    try:
        meta = store.meta()
        account = read_account(store, paths)
    finally:
        store.close()
    created = meta.get(CREATED_AT)
    return JobEntry(
        job_id,
        meta.get("spec_path"),
        float(created) if isinstance(created, (int, float)) else _folder_time(paths),
        account.state,
        account.status,
        account.open_work,
        meta.get("undo_of"),
    )


def _folder_time(paths: RunPaths) -> float:
    """When a job made before jobs recorded ``created_at`` began, near enough: its store's change time."""
    target = paths.db if paths.db.exists() else paths.root
    return target.stat().st_ctime


def list_jobs(state_dir: str | Path, *, spec_path: str | Path | None = None) -> list[JobEntry]:
    """The jobs under ``state_dir`` (of the spec at ``spec_path`` only, when given), newest first."""
    root = Path(state_dir)
    wanted = str(Path(spec_path).resolve()) if spec_path is not None else None
    entries = []
    for db in root.glob("*/state.db"):
        entry = read_entry(root, db.parent.name)
        if entry is not None and (wanted is None or entry.spec_path == wanted):
            entries.append(entry)
    return sorted(entries, key=lambda e: (e.created, e.job_id), reverse=True)


def next_job_name(state_dir: str | Path, spec_path: str | Path, default: str, *, clock: Callable[[], float] = time.time) -> str:
    """The name of the spec's next job: ``default`` for its first, ``<stem>-<UTC time>`` once a job of
    it exists. Raises ``UnfinishedJobError`` when a previous job of the spec did not finish, and lets
    ``DamagedStateError`` through (a person must look first)."""
    previous = list_jobs(state_dir, spec_path=spec_path)
    taken = read_entry(state_dir, default)
    for entry in [*previous, *([taken] if taken is not None else [])]:
        if entry.state == "damaged":
            check_run_state(RunPaths.for_job(state_dir, entry.job_id), entry.job_id)  # raises, saying what to do
        if not entry.settled:
            raise UnfinishedJobError(entry, str(state_dir))
    if not previous and taken is None:
        return default
    return dated_name(state_dir, Path(spec_path).stem, clock())


def dated_name(state_dir: str | Path, stem: str, when: float) -> str:
    """``<stem>-<UTC yyyymmddTHHMM>``, with seconds, then a count, when that folder exists already."""
    minute = time.strftime("%Y%m%dT%H%M", time.gmtime(when))
    for name in (f"{stem}-{minute}", f"{stem}-{minute}{time.strftime('%S', time.gmtime(when))}"):
        if not (Path(state_dir) / check_job_name(name)).exists():
            return name
    n = 2
    while (Path(state_dir) / f"{stem}-{minute}-{n}").exists():
        n += 1
    return check_job_name(f"{stem}-{minute}-{n}")
