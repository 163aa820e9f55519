"""Setting a job up: validate the whole spec, resolve it, store it; nothing is written before.

The spec is parsed once (``check_locally``: syntax, ranges, duplicates, no credentials),
its intents staged in a private store. Resolution reads the org's catalogue and the named
users once (listing or fetching, whichever is cheaper), resolves each staged intent once
and stores it, with each user's state beside it. Only when all of it is clean does the
store move into the job's folder (``create_job``) and the first write become possible.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import structlog

from bulkops.client.api import GenesysClient
from bulkops.client.requestkind import CATALOGUE, request_kind
from bulkops.domain.limits import UserCaps, over_cap
from bulkops.domain.model import Mode, ResolvedIntent, UserIntent
from bulkops.domain.readplan import UserReadPlan
from bulkops.engine.directory import build_catalogue
from bulkops.engine.snapshot import keep_copy, take_snapshot
from bulkops.engine.userread import find_gone, read_users
from bulkops.errors import RunStateWriteError, SpecError, SpecProblem, StateError
from bulkops.spec import OpenSpec, OrgDirectory, file_sha256, open_spec
from bulkops.spec.named import NamedUsers
from bulkops.spec.resolve import FinalCheck, Resolver
from bulkops.spec.validate import Problems
from bulkops.state.layout import RunPaths, private_dir
from bulkops.state.store import RunStore

log = structlog.get_logger("bulkops.job")


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def job_id_for(spec: OpenSpec) -> str:
    """Stable per spec content: the same file always maps to the same job folder."""
    return f"{Path(spec.path).stem}-{spec.content_hash[:8]}"


@dataclass(slots=True)
class CheckedSpec:
    """A spec after its one parse: locally valid, its intents staged (as written) in a private
    store that becomes the job's run state, and the users it names gathered for the org read."""

    spec: OpenSpec
    staging: RunStore
    named: NamedUsers
    intents: int
    caps: UserCaps = UserCaps()

    @property
    def path(self) -> str:
        return self.spec.path

    @property
    def format(self) -> str:
        return self.spec.format

    @property
    def mode(self) -> Mode:
        return self.spec.mode

    @property
    def content_hash(self) -> str:
        return self.spec.content_hash

    @property
    def missing_skills(self) -> list[str]:
        return self.spec.missing_skills

    def validate(self, directory: OrgDirectory | None = None) -> list[SpecProblem]:
        return self.spec.validate(directory)


def check_locally(path: str | os.PathLike[str], mode: Mode | None = None, caps: UserCaps = UserCaps()) -> CheckedSpec:
    """Everything that can be checked without the API; raises SpecError with every problem.

    Reads a private snapshot of the file (see ``snapshot``) once, keeping each intent in a
    private staging store: resolution reads them from there, never the file again."""
    try:
        snapshot = take_snapshot(path)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise SpecError([SpecProblem(os.fspath(path), 1, 1, f"cannot open the spec: {why}")]) from None
    spec = open_spec(snapshot.copy, mode, max_skills_per_user=max(caps.skills, caps.languages))
    spec.path, spec.source = snapshot.original, str(snapshot.copy)
    spec._hash = snapshot.sha256
    staging = _staging_store()
    problems = Problems(spec.path)
    named = NamedUsers()

    def gather(intents: Iterator[UserIntent]) -> Iterator[UserIntent]:
        for intent in intents:
            named.add(intent)
            yield intent

    count = staging.stage(gather(spec.checked(problems)))
    found = spec.finish(problems)
    if found:
        staging.close()
        raise SpecError(found)
    return CheckedSpec(spec, staging, named, count, caps)


def _staging_store() -> RunStore:
    folder = tempfile.mkdtemp(prefix="bulkops-setup-")  # 0700
    atexit.register(shutil.rmtree, folder, True)
    return RunStore.create(Path(folder) / "state.db", {"job_id": None})


@dataclass(slots=True)
class ResolvedSpec:
    """A spec resolved against the org: ids in the staging store's intents, the named users'
    states beside them, and how the users were read (``plan`` shows why)."""

    checked: CheckedSpec
    directory: OrgDirectory
    users_read: UserReadPlan
    users: int
    queues: frozenset[str]

    @property
    def store(self) -> RunStore:
        return self.checked.staging


async def resolve_against_org(client: GenesysClient, checked: CheckedSpec, *, create_missing_skills: bool = False) -> ResolvedSpec:
    """Read the catalogue and the named users once, resolve every staged intent once, and
    store the resolved intents as they come. Raises SpecError with every problem, located."""
    with request_kind(CATALOGUE):
        directory = await build_catalogue(client, checked.named.catalogues | ({"skills"} if create_missing_skills else set()))
    users_read = await read_users(client, checked.staging, checked.named, directory)
    resolution = await _resolve(client, checked, directory, allow_missing_skills=create_missing_skills)
    if create_missing_skills and resolution.missing_skills:
        for name in resolution.missing_skills:
            resp = await client.create_skill(name)
            directory.skills[resp.data["name"]] = resp.data["id"]
            log.info("skill.created", name=name, id=resp.data["id"])
        resolution = await _resolve(client, checked, directory, allow_missing_skills=False)
    checked.spec.missing_skills = resolution.missing_skills
    return ResolvedSpec(checked, directory, users_read, resolution.users, frozenset(resolution.queues))


@dataclass(slots=True)
class _Resolution:
    users: int
    queues: set[str]
    missing_skills: list[str]


async def _resolve(client: GenesysClient, checked: CheckedSpec, directory: OrgDirectory, *, allow_missing_skills: bool) -> _Resolution:
    """One pass over the staged intents. On any problem the spec is read once more, to
    locate each problem by line and column (only a failing set-up pays for that)."""
    store = checked.staging
    store.clear_intents()
    problems = Problems(checked.path)
    final_check = _cap_check(store, checked.caps)
    resolver = Resolver(directory, problems, allow_missing_skills=allow_missing_skills, final_check=final_check)
    queues: set[str] = set()

    def resolved() -> Iterator[ResolvedIntent]:
        for intent in store.staged():
            got = resolver.resolve(intent)
            if got is not None:
                queues.update(got.join_queues, got.leave_queues)
                yield got

    users = store.add_intents(resolved())
    resolver.finish()
    if problems:
        directory.users.mark_gone(await find_gone(client, resolver.unknown_users))
        located = checked.spec.validate(directory, allow_missing_skills=allow_missing_skills, final_check=final_check)
        raise SpecError(located or problems.finish())
    return _Resolution(users, queues, list(resolver.missing_skills.values()))


def _cap_check(store: RunStore, caps: UserCaps) -> FinalCheck:
    def check(intent: ResolvedIntent) -> str | None:
        stored = store.states([intent.user]).get(intent.user)
        return over_cap(intent, stored[0] if stored else None, caps)

    return check


@dataclass(frozen=True, slots=True)
class JobSetup:
    job_id: str
    paths: RunPaths
    store: RunStore


def create_job(resolved: ResolvedSpec, *, state_dir: str | Path, job_id: str | None = None) -> JobSetup:
    """The staging store, resolved, becomes the job's run state (moved into place whole)."""
    checked = resolved.checked
    job_id = job_id or job_id_for(checked.spec)
    paths = RunPaths.for_job(state_dir, job_id)
    try:
        return _create(resolved, paths, job_id)
    except (OSError, sqlite3.Error) as exc:
        raise RunStateWriteError(f"cannot create the run state under {paths.root}: {exc}") from exc


def _create(resolved: ResolvedSpec, paths: RunPaths, job_id: str) -> JobSetup:
    spec = resolved.checked.spec
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
    staging = resolved.store
    staging.clear_staged()
    staging.set(
        **{
            "job_id": job_id,
            "spec_path": str(Path(spec.path).resolve()),
            "spec_hash": spec.content_hash,
            "spec_snapshot": kept.name if kept else None,
            "spec_format": spec.format,
            "mode": spec.mode,
            "users_read": resolved.users_read.strategy,
            "pass": 0,
            "queues": sorted(resolved.queues),
            "users": resolved.users,
            "ready": True,
        }
    )
    store = staging.move_to(paths.db)
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
