"""Setting a job up: validate the whole spec, resolve it, store it; nothing is written before.

Validation runs twice, cheapest first: the local pass needs no credentials (syntax,
ranges, duplicates); the resolution pass reads the org catalogue and users listing.
Only when both are clean is the run state created and the first write allowed.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import structlog

from bulkops.client.api import GenesysClient
from bulkops.domain.model import Mode, UserIntent
from bulkops.engine.directory import build_directory
from bulkops.engine.snapshot import keep_copy, take_snapshot
from bulkops.errors import RunStateWriteError, SpecError, SpecProblem, StateError
from bulkops.spec import OpenSpec, OrgDirectory, file_sha256, open_spec
from bulkops.state.layout import RunPaths, private_dir
from bulkops.state.store import RunStore

log = structlog.get_logger("bulkops.job")


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def job_id_for(spec: OpenSpec) -> str:
    """Stable per spec content: the same file always maps to the same job folder."""
    return f"{Path(spec.path).stem}-{spec.content_hash[:8]}"


def check_locally(path: str | os.PathLike[str], mode: Mode | None = None) -> OpenSpec:
    """Everything that can be checked without the API; raises SpecError with every problem.

    Reads a private snapshot of the file (see ``snapshot``), never the file again."""
    try:
        snapshot = take_snapshot(path)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise SpecError([SpecProblem(os.fspath(path), 1, 1, f"cannot open the spec: {why}")]) from None
    spec = open_spec(snapshot.copy, mode)
    spec.path, spec.source = snapshot.original, str(snapshot.copy)
    spec._hash = snapshot.sha256
    problems = spec.validate()
    if problems:
        raise SpecError(problems)
    return spec


async def resolve_against_org(client: GenesysClient, spec: OpenSpec, *, create_missing_skills: bool = False) -> OrgDirectory:
    directory = await build_directory(client)
    problems = spec.validate(directory, allow_missing_skills=create_missing_skills)
    if problems:
        raise SpecError(problems)
    if create_missing_skills and spec.missing_skills:
        for name in spec.missing_skills:
            resp = await client.create_skill(name)
            directory.skills[resp.data["name"]] = resp.data["id"]
            log.info("skill.created", name=name, id=resp.data["id"])
        problems = spec.validate(directory)
        if problems:
            raise SpecError(problems)
    return directory


@dataclass(frozen=True, slots=True)
class JobSetup:
    job_id: str
    paths: RunPaths
    store: RunStore


def create_job(spec: OpenSpec, directory: OrgDirectory, *, state_dir: str | Path, job_id: str | None = None) -> JobSetup:
    """Create the run state and store every resolved intent (streamed, not held in memory)."""
    job_id = job_id or job_id_for(spec)
    paths = RunPaths.for_job(state_dir, job_id)
    try:
        return _create(spec, directory, paths, job_id)
    except (OSError, sqlite3.Error) as exc:
        raise RunStateWriteError(f"cannot create the run state under {paths.root}: {exc}") from exc


def _create(spec: OpenSpec, directory: OrgDirectory, paths: RunPaths, job_id: str) -> JobSetup:
    if paths.db.exists() and not RunStore.is_blank(paths.db):
        existing = RunStore.open(paths.db)
        ready = existing.get("ready")
        existing.close()
        if ready:
            raise StateError(
                f"job {job_id} already has run state in {paths.root}; "
                f"carry on with `bulkops resume {job_id}` or see `bulkops status {job_id}` "
                "(or pass --job NAME to start a separate job)"
            )
    # Set-up was killed before it was ready (no write was sent): start it again, removing
    # only the files set-up makes, never the folder (nothing else in it is ours to remove).
    for leftover in (paths.db, Path(f"{paths.db}-wal"), Path(f"{paths.db}-shm")):
        leftover.unlink(missing_ok=True)
    private_dir(paths.root.parent)
    private_dir(paths.root)
    # The snapshot check_locally read (spec.source) is the job's record of what was validated.
    kept = keep_copy(Path(spec.source), paths.spec_snapshot(Path(spec.path).suffix)) if spec.source else None
    store = RunStore.create(
        paths.db,
        {
            "job_id": job_id,
            "spec_path": str(Path(spec.path).resolve()),
            "spec_hash": spec.content_hash,
            "spec_snapshot": kept.name if kept else None,
            "spec_format": spec.format,
            "mode": spec.mode,
            "listing_position": None,
            "listing_complete": False,
            "pass": 0,
        },
    )
    queues: set[str] = set()

    def collect(intents: Iterator[UserIntent]) -> Iterator[UserIntent]:
        for intent in intents:
            queues.update(intent.join_queues, intent.leave_queues)
            yield intent

    count = store.add_intents(collect(spec.resolved_intents(directory)))
    store.set(queues=sorted(queues), users=count, ready=True)
    return JobSetup(job_id, paths, store)


def open_job(state_dir: str | Path, job_id: str, *, check_spec: bool = True) -> JobSetup:
    paths = RunPaths.for_job(state_dir, job_id)
    if not paths.db.exists():
        known = sorted(p.parent.name for p in Path(state_dir).glob("*/state.db"))
        hint = f" Known jobs: {', '.join(known)}." if known else ""
        raise StateError(f"no job {job_id!r} under {state_dir}.{hint}")
    if RunStore.is_blank(paths.db):
        raise StateError(f"job {job_id} was interrupted during set-up, before any write; run the spec again with `bulkops run`")
    store = RunStore.open(paths.db)
    if not store.get("ready"):
        raise StateError(f"job {job_id} was interrupted during set-up, before any write; run the spec again with `bulkops run`")
    if check_spec:
        spec_path = store.get("spec_path")
        if not Path(spec_path).exists():
            raise StateError(f"the job's spec {spec_path} is gone; restore it to resume (its sha256 was {store.get('spec_hash')})")
        if file_sha256(spec_path) != store.get("spec_hash"):
            raise StateError(
                f"the spec {spec_path} changed since job {job_id} began; resuming would mix two different jobs. "
                f"Restore the original, or run the edited spec as a new job: `bulkops run {spec_path}`"
            )
    return JobSetup(job_id, paths, store)
