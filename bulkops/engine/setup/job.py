"""Setting a job up: validate the whole spec, resolve it, store it; nothing is written before.

The spec is parsed once (``check_locally``: syntax, ranges, duplicates, no credentials),
its intents staged in a private store. Resolution reads the org's catalogue and the named
users once (listing or fetching, whichever is cheaper), resolves each staged intent once
and stores it, with each user's state beside it. Only when all of it is clean does the
store move into the job's folder (``create_job``) and the first write become possible.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.routing_config import create_skill_definition
from bulkops.client.requestkind import CATALOGUE, request_kind
from bulkops.client.wire import user_state
from bulkops.domain.authoritative import AuthoritativeNames
from bulkops.domain.limits import UserCaps
from bulkops.domain.model import Mode, UserIntent, UserState
from bulkops.domain.readplan import UserReadPlan
from bulkops.engine.setup.authoritative import AuthoritativeSetup, apply_authoritative, resolve_authoritative
from bulkops.engine.setup.directory import build_catalogue
from bulkops.engine.setup.onsight import OnSight
from bulkops.engine.setup.resolution import Resolution
from bulkops.engine.setup.snapshot import keep_copy, take_snapshot
from bulkops.engine.setup.userread import HeldCounts, read_users
from bulkops.errors import RunStateWriteError, SpecError, SpecProblem, StateError
from bulkops.kinds.folder import SetupContext, UsersWatch, store_items
from bulkops.kinds.registry import KINDS
from bulkops.spec import OpenSpec, OrgDirectory, file_sha256, open_spec
from bulkops.spec.cells import fold
from bulkops.spec.named import NamedUsers
from bulkops.spec.validate import Problems
from bulkops.state.integrity import check_run_state, existing_job
from bulkops.state.joblock import new_job_lock
from bulkops.state.layout import RunPaths, private_dir, state_dir_flag
from bulkops.state.staged import StagedIntents
from bulkops.state.store import RunStore
from bulkops.state.writefail import state_writes

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
    staged: StagedIntents  # the intents as written (scratch, private)
    store: RunStore  # becomes the job's run state: resolved intents and the users' states
    named: NamedUsers
    intents: int
    caps: UserCaps = UserCaps()
    #: The sections of the other kinds, refs and names as written, by kind name (``kinds/registry.py``),
    #: each kind's empty one when the spec has none.
    sections: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: Skills and languages the spec is the whole truth for (#30 §3): their holders it does not list lose them.
    authoritative: AuthoritativeNames = AuthoritativeNames()

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
    private scratch store: resolution reads them from there, never the file again."""
    try:
        snapshot = take_snapshot(path)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise SpecError([SpecProblem(os.fspath(path), 1, 1, f"cannot open the spec: {why}")]) from None
    spec = open_spec(snapshot.copy, mode, max_skills_per_user=max(caps.skills, caps.languages))
    spec.path, spec.source = snapshot.original, str(snapshot.copy)
    spec._hash = snapshot.sha256
    problems = Problems(spec.path)
    named = NamedUsers()

    def gather(intents: Iterator[UserIntent]) -> Iterator[UserIntent]:
        for intent in intents:
            named.add(intent)
            yield intent

    with state_writes(f"set-up's working store under {tempfile.gettempdir()}"):
        folder = Path(tempfile.mkdtemp(prefix="bulkops-setup-"))  # 0700
        atexit.register(shutil.rmtree, folder, True)
        staged = StagedIntents(folder / "staged.db")
        count = staged.stage(gather(spec.checked(problems)), fold)
        sections = {folder.name: spec.section(folder.name) for folder in KINDS}
    found = spec.finish(problems)
    if found:
        staged.close()
        raise SpecError(found)
    with state_writes(f"set-up's working store under {folder}"):
        store = RunStore.create(folder / "state.db", {"job_id": None})
    return CheckedSpec(spec, staged, store, named, count, caps, sections, authoritative=spec.authoritative())


@dataclass(slots=True)
class ResolvedSpec:
    """A spec resolved against the org: ids in the store's intents, the named users'
    states beside them, and how the users were read (``plan`` shows why)."""

    checked: CheckedSpec
    directory: OrgDirectory
    users_read: UserReadPlan
    users: int
    queues: frozenset[str]
    held: HeldCounts
    #: Skills the spec sets that the org lacks (with ``allow_missing_skills``), in first-seen order.
    missing_skills: tuple[str, ...] = ()
    #: Each other kind's section as set-up resolved it (its items, and what plan shows), by kind name.
    setups: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: The authoritative names resolved, and the holders that lose them (#30 §3).
    authoritative: AuthoritativeSetup = dataclasses.field(default_factory=AuthoritativeSetup)
    #: The impact's inputs gathered as resolution went (``run`` asks for them), valid while
    #: ``on_sight.usable(store)``: otherwise the impact walks the store (#29 §5).
    on_sight: OnSight | None = None

    @property
    def store(self) -> RunStore:
        return self.checked.store


async def resolve_against_org(
    client: GenesysClient, checked: CheckedSpec, *, allow_missing_skills: bool = False, on_sight: OnSight | None = None
) -> ResolvedSpec:
    """Read the catalogue and the named users once, resolving each staged intent once as the
    users it names are read. Raises SpecError with every problem, located.

    With ``allow_missing_skills``, skills the spec sets that the org lacks are not problems: they
    are listed in ``missing_skills`` (the intents naming them wait for ``add_missing_skills``).
    Given ``on_sight``, the impact on routing's inputs are gathered into it as the users are resolved."""
    with state_writes(f"set-up's working store {checked.store.path.parent}"):
        # Whose writes these will be: `bulkops verify` reads the platform's audit for this OAuth client.
        checked.store.set(client_id=client.config.client_id or None)
        needed = checked.named.catalogues | ({"skills"} if allow_missing_skills else set())
        needed |= {table for folder in KINDS if checked.sections.get(folder.name) for table in folder.catalogues}
        needed |= ({"skills"} if checked.authoritative.skills else set()) | ({"languages"} if checked.authoritative.languages else set())
        with request_kind(CATALOGUE):
            directory = await build_catalogue(client, needed)
        early = Problems(checked.path)
        watches = watch_users(checked.sections, directory, early)
        authoritative = resolve_authoritative(checked.authoritative, directory, early)  # a name the org lacks: a problem
        held: HeldCounts = {}
        resolution = Resolution(checked, directory, held=held, allow_missing_skills=allow_missing_skills, on_sight=on_sight)

        def on_users(entities: list[dict[str, Any]], states: list[UserState]) -> None:
            holders = [h for watch in watches.values() for h in watch.note_holders(entities)] + authoritative.note_holders(entities)
            if holders:
                checked.store.put_states([user_state(e) for e in holders], time.time())
            resolution.on_users(entities, states)

        must_list = next((watch.must_list for watch in watches.values() if watch.must_list), None)
        must_list = must_list or ("the spec is authoritative for names whose holders can be anyone" if authoritative else None)
        users_read = await read_users(client, checked.store, checked.named, directory, held=held, on_users=on_users, must_list=must_list)
        await resolution.finish(client, early)
        late = Problems(checked.path)
        setups = await set_up_kinds(SetupContext(client, checked.sections, directory, checked.store, late, dict(watches)))
        apply_authoritative(authoritative, checked.store)
        if late:
            raise SpecError(late.finish())
        for folder in KINDS:
            store_items(folder.make(), folder.items(setups[folder.name]), checked.store)
        checked.spec.missing_skills = resolution.missing_skills
        users = resolution.users + sum(watch.migrated_users for watch in watches.values()) + authoritative.added_users
        return ResolvedSpec(
            checked,
            directory,
            users_read,
            users,
            frozenset(resolution.queues),
            held,
            tuple(resolution.missing_skills),
            setups,
            authoritative,
            on_sight,
        )


async def add_missing_skills(client: GenesysClient, resolved: ResolvedSpec, *, create: bool) -> ResolvedSpec:
    """Give the skills the org lacks an id and resolve again (everything is read already: one
    pass over the staged intents). ``create``: create them in the org (a write: after the
    operator confirmed); otherwise a placeholder id each, so ``plan`` can show the job as if
    they existed without changing the org."""
    directory = dataclasses.replace(resolved.directory, skills=dict(resolved.directory.skills))
    for name in resolved.missing_skills:
        if create:
            made = await create_skill_definition(client, name)  # a lost answer looked up, not re-sent (#27 §2)
            directory.skills[made.name] = made.id
            log.info("skill.created", name=name, id=made.id)
        else:
            directory.skills[name] = f"(new skill {name})"
    with state_writes(f"set-up's working store {resolved.store.path.parent}"):
        resolution = Resolution(resolved.checked, directory, held=resolved.held)
        await resolution.finish(client)
    return ResolvedSpec(
        resolved.checked,
        directory,
        resolved.users_read,
        resolution.users,
        frozenset(resolution.queues),
        resolved.held,
        (),
        resolved.setups,
        resolved.authoritative,
    )


def watch_users(sections: Mapping[str, Any], directory: OrgDirectory, problems: Problems) -> dict[str, UsersWatch]:
    """The first set-up step of each kind that must see the users as they are read, by kind name."""
    found = ((folder.name, folder.watch_users(sections, directory, problems)) for folder in KINDS)
    return {name: watch for name, watch in found if watch is not None}


async def set_up_kinds(ctx: SetupContext) -> dict[str, Any]:
    """Each kind's set-up, in the registry's order (a kind may use the set-ups before it), problems in ``ctx.problems``."""
    for folder in KINDS:
        ctx.setups[folder.name] = await folder.set_up(ctx)
    return ctx.setups


def names_of(directory: OrgDirectory) -> dict[str, str]:
    """The catalogue the job read, id -> name, then what each kind names over it (a skill the job
    creates is named by its placeholder)."""
    tables = (directory.skills, directory.languages, directory.queues, directory.divisions)
    read = {sid: name for table in tables for name, sid in table.items()}
    return read | {sid: name for folder in KINDS for sid, name in folder.names(directory).items()}


def kinds_meta(setups: Mapping[str, Any]) -> dict[str, Any]:
    """What each kind records in the job's store beside its items (the placeholders of the skills it creates)."""
    return {key: value for folder in KINDS for key, value in folder.job_meta(setups.get(folder.name)).items()}


@dataclass(frozen=True, slots=True)
class JobSetup:
    job_id: str
    paths: RunPaths
    store: RunStore


def create_job(resolved: ResolvedSpec, *, state_dir: str | Path, job_id: str | None = None, meta: Mapping[str, Any] | None = None) -> JobSetup:
    """Set-up's store, resolved, becomes the job's run state (moved into place whole); ``meta``
    is recorded with it (where the job runs: its org and connection, #28 §1)."""
    checked = resolved.checked
    job_id = job_id or job_id_for(checked.spec)
    paths = RunPaths.for_job(state_dir, job_id)
    try:
        with new_job_lock(paths):  # before the folder is judged: a process starting this job meanwhile is busy
            return _create(resolved, paths, job_id, meta or {})
    except (OSError, sqlite3.Error) as exc:
        raise RunStateWriteError(f"cannot create the run state under {paths.root}: {exc}") from exc


def _create(resolved: ResolvedSpec, paths: RunPaths, job_id: str, meta: Mapping[str, Any]) -> JobSetup:
    spec = resolved.checked.spec
    if existing_job(paths, job_id):  # or DamagedStateError: a job there wrote and lost its state (#25 §5)
        job = job_id + state_dir_flag(paths.root.parent)  # commands that work when copied
        raise StateError(
            f"job {job_id} already has run state in {paths.root}; "
            f"carry on with `bulkops resume {job}` or see `bulkops status {job}` "
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
    resolved.checked.staged.close()
    staging = resolved.store
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
            # Direct members per named queue as set-up's queue listing counted them: the run chooses
            # between reading a queue's members and writing blind from these, with no GET per queue.
            "queue_member_counts": {q: resolved.directory.queue_members[q] for q in sorted(resolved.queues) if q in resolved.directory.queue_members},
            # id -> name of what the job's lines name, for the result files and messages (people read names).
            "names": names_of(resolved.directory),
            # What each kind records beside its items (the placeholder ids of the skills the job creates).
            **kinds_meta(resolved.setups),
            "users": resolved.users,
            "created_at": time.time(),  # `status` lists a spec's jobs newest first (#30 §2)
            **meta,
            "ready": True,
        }
    )
    store = staging.move_to(paths.db)
    return JobSetup(job_id, paths, store)


def open_job(state_dir: str | Path, job_id: str, *, check_spec: bool = True) -> JobSetup:
    paths = RunPaths.for_job(state_dir, job_id)
    # Damage, a missing store beside an audit of writes, or a set-up that never finished: exit 7
    # saying which, before anything reads the store (#25 §5).
    check_run_state(paths, job_id, known_jobs=(p.parent.name for p in Path(state_dir).glob("*/state.db")))
    store = RunStore.open(paths.db)
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
