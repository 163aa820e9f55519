"""``bulkops undo JOB``: the inverse of a job, set up and run as a job of its own.

The inverse comes from the job's audit log (``domain.inverse``): every field it changed, with
the value before and the value written. The undo job holds one guarded intent per user; the
worker restores an element only where the org still holds what the job wrote and sends the
rest to reconciliation with all three values (``domain.guard``). From there it is an ordinary
job: its own run state, audit, results, report, resume after a kill and reconciliation, so an
undo can itself be undone.

Items of the other kinds (skill definitions, labels, queue settings and members, utilization)
are undone by the same mechanism for every kind (``engine/undo/itemundo.py``, ``engine/undo/undoitems.py``):
each kind turns an object's first and last audit lines into an item of its own, run by the one
pipeline in the reverse of the job's order, guarded part by part like the users' elements.

Its "spec" is ``undo.json`` in its folder: the inverse as a person can read it, hashed like
any spec so a resume refuses an edited one.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.utilization import list_labels
from bulkops.client.requestkind import STATE_READS, request_kind
from bulkops.client.wire import user_state
from bulkops.domain.guard import HeldBack, hold_back
from bulkops.domain.inverse import Inverse, invert
from bulkops.domain.merge import diff
from bulkops.domain.model import Changes, ResolvedIntent, UserState
from bulkops.engine.setup.directory import build_catalogue
from bulkops.engine.setup.job import JobSetup, open_job
from bulkops.engine.setup.userread import USER_EXPAND, fetch_by_id
from bulkops.engine.undo.itemundo import ItemsInverse, invert_items
from bulkops.engine.undo.undocheck import AuditSeen, Unaccounted, unaccounted, writeahead_lines
from bulkops.engine.undo.undoitems import ItemPlan, items_record, plan_items, store_items
from bulkops.errors import JobBusyError, StateError
from bulkops.kinds.registry import KINDS, folder_of, kinds
from bulkops.spec.spec import file_sha256
from bulkops.state.auditline import audit_records, item_records
from bulkops.state.codec import expected_to_dict
from bulkops.state.integrity import existing_job
from bulkops.state.joblock import holder, new_job_lock
from bulkops.state.layout import RunPaths, private_dir, state_dir_flag, write_private
from bulkops.state.store import RunStore

UNDO_SPEC = "undo.json"


@dataclass(frozen=True, slots=True)
class UserUndo:
    """One user as the undo finds them now: what it will write and what it holds back."""

    intent: ResolvedIntent
    state: UserState | None  # None: the user is gone (deleted) since
    changes: Changes = field(default_factory=Changes)
    held: tuple[HeldBack, ...] = ()


@dataclass(frozen=True, slots=True)
class JobInverse:
    """What undoing a job takes back: its users' elements and its items of the other kinds."""

    users: Inverse
    items: ItemsInverse = field(default_factory=ItemsInverse)
    #: Users and items the job's checkpoint says were written that the undo cannot restore, with why.
    unaccounted: tuple[Unaccounted, ...] = ()


@dataclass(frozen=True, slots=True)
class UndoPlan:
    source: str
    job_id: str
    inverse: Inverse
    users: tuple[UserUndo, ...]
    names: Mapping[str, str]
    #: The source job had not finished (interrupted, or users still open): the undo covers what it wrote.
    source_unfinished: bool
    read_at: float = 0.0
    #: The OAuth client the undo's writes will be made by (``bulkops verify`` reads its audit).
    client_id: str | None = None
    #: The items of the other kinds: the inverse, and each undoable one as read now.
    items: ItemsInverse = field(default_factory=ItemsInverse)
    item_plans: tuple[ItemPlan, ...] = ()
    unaccounted: tuple[Unaccounted, ...] = ()

    @property
    def restoring(self) -> int:
        return sum(1 for u in self.users if not u.changes.is_empty())

    @property
    def holding(self) -> int:
        return sum(1 for u in self.users if u.held)

    @property
    def has_work(self) -> bool:
        """Anything to write: a user's intent or an item to undo."""
        return bool(self.inverse.intents or self.items.undoable)


def undo_job_id(source: str) -> str:
    return f"{source}-undo"


def load_inverse(state_dir: str | Path, source: str) -> tuple[JobSetup, JobInverse]:
    """Open the job to undo (refused while a process runs it) and invert its audit log: its
    users' lines (``domain.inverse``) and its items' (``engine.itemundo``), the users a killed pass
    left with a write-ahead record after them; then check it against the checkpoint
    (``engine.undocheck``): what was written and neither accounts for is named."""
    setup = open_job(state_dir, source, check_spec=False)
    running = holder(setup.paths.root)
    if running is not None:
        setup.store.close()
        who = f" (pid {running.get('pid')} on {running.get('host')})" if running.get("pid") else ""
        raise JobBusyError(f"job {source} is running{who}; undo it once that process has finished")
    seen = AuditSeen()
    users = invert(itertools.chain(seen.watch(audit_records(setup.paths.audit)), writeahead_lines(setup.store)))
    items = invert_items(item_records(setup.paths.audit), kinds())
    # What the items' undo needs of the users' (the skills: a skill deleted is created again, its holders' levels onto it).
    for folder in KINDS:
        users = folder.undo_users(users, items)
    return setup, JobInverse(users, items, unaccounted(setup.store.written(), seen))


async def plan_undo(client: GenesysClient, source: JobSetup, job_inverse: JobInverse, *, job_id: str | None = None) -> UndoPlan:
    """Read the users and objects the undo touches (users by id, 100 a request) and decide, for
    each element and part, restore or hold back, exactly as the run will decide it if nothing
    changes meanwhile."""
    inverse = job_inverse.users
    lost = [u.key for u in job_inverse.unaccounted if not u.is_item]
    ids = list(dict.fromkeys([i.user for i in inverse.intents] + lost))
    states: dict[str, UserState] = {}
    with request_kind(STATE_READS):
        for page in await fetch_by_id(client, ids, expand=USER_EXPAND):
            for entity in page:
                state = user_state(entity)
                states[state.id] = state
    read_at = time.time()
    users = []
    for intent in sorted(inverse.intents, key=lambda i: inverse.emails.get(i.user) or i.user):
        found = states.get(intent.user)
        if found is None:
            users.append(UserUndo(intent, None))
            continue
        # The listing shows no membership: as the run's blind view does, a queue to leave is one the
        # user is in (the job put them there), so the plan names every membership the undo sends.
        found = dataclasses.replace(found, queues=intent.leave_queues)
        narrowed, held = hold_back(found, intent)
        users.append(UserUndo(intent, found, diff(found, narrowed), held))
    counts = source.store.counts()
    unfinished = any(k in counts for k in ("pending", "inflight"))
    names = dict(source.store.get("names") or {})
    for folder in KINDS:
        names |= folder.undo_names(job_inverse.items)
    names.update((uid, states[uid].email) for uid in lost if uid in states and states[uid].email)
    names.update(await _manager_emails(client, users, states))
    names = await _org_names(client, job_inverse.items) | names
    item_plans = await plan_items(client, job_inverse.items, kinds())
    return UndoPlan(
        source.job_id,
        job_id or undo_job_id(source.job_id),
        inverse,
        tuple(users),
        names,
        unfinished,
        read_at,
        client.config.client_id or None,
        job_inverse.items,
        item_plans,
        job_inverse.unaccounted,
    )


async def _manager_emails(client: GenesysClient, users: list[UserUndo], known: Mapping[str, UserState]) -> dict[str, str]:
    """Managers by email where the plan names them (one read per 100 not already read)."""
    ids: set[str] = set()
    for u in users:
        ids |= {v for v in (u.intent.fields.get("manager"), u.state.manager if u.state else None) if v}
        if u.intent.expect is not None and u.intent.expect.fields.get("manager"):
            ids.add(str(u.intent.expect.fields["manager"]))
    emails = {i: s.email for i, s in known.items() if i in ids and s.email}
    missing = sorted(ids - emails.keys())
    if missing:
        with request_kind(STATE_READS):
            for page in await fetch_by_id(client, missing, expand=[]):
                emails |= {str(e["id"]): str(e.get("email") or e["id"]) for e in page if isinstance(e, dict) and e.get("id")}
    return emails


async def _org_names(client: GenesysClient, items: ItemsInverse) -> dict[str, str]:
    """Id -> name of the org's divisions and utilization labels where an item may hold them by id
    (a skill's division, a utilization setting's labels), so the plan says names (#28 §5)."""
    folders = (folder_of(u.kind) for u in items.undoable)
    reads = {read for folder in folders if folder is not None for read in folder.undo_reads}
    out: dict[str, str] = {}
    with request_kind(STATE_READS):
        if "divisions" in reads:
            out |= {i: n for n, i in (await build_catalogue(client, ["divisions"])).divisions.items()}
        if "labels" in reads:
            out |= {label.id: label.name for label in await list_labels(client)}
    return out


def create_undo_job(plan: UndoPlan, *, state_dir: str | Path) -> JobSetup:
    """The undo as a job: ``undo.json``, then the run state with every intent and the states just
    read (the run uses them while fresh). Refused when the undo job exists already, and busy
    while another process creates or runs it (its lock is taken before the folder is judged)."""
    paths = RunPaths.for_job(state_dir, plan.job_id)
    with new_job_lock(paths):
        return _create_undo(plan, paths)


def _create_undo(plan: UndoPlan, paths: RunPaths) -> JobSetup:
    if existing_job(paths, plan.job_id):  # or DamagedStateError: an undo there wrote and lost its state (#25 §5)
        job = plan.job_id + state_dir_flag(paths.root.parent)  # commands that work when copied
        raise StateError(
            f"job {plan.source} already has an undo job, {plan.job_id}; carry on with `bulkops resume {job}`, "
            f"see `bulkops status {job}`, or pass --job NAME to start another"
        )
    for leftover in (paths.db, Path(f"{paths.db}-wal"), Path(f"{paths.db}-shm")):
        leftover.unlink(missing_ok=True)  # set-up killed before it was ready: nothing was written
    private_dir(paths.root.parent)
    private_dir(paths.root)
    spec = paths.root / UNDO_SPEC
    write_private(spec, orjson.dumps(undo_record(plan), option=orjson.OPT_INDENT_2))
    queues = sorted({q for i in plan.inverse.intents for q in i.join_queues | i.leave_queues})
    store = RunStore.create(
        paths.db,
        {
            "job_id": plan.job_id,
            "undo_of": plan.source,
            "spec_path": str(spec.resolve()),
            "spec_hash": file_sha256(str(spec)),
            "spec_snapshot": None,
            "spec_format": "undo",
            "mode": "merge",
            "users_read": "by-id",
            "pass": 0,
            "queues": queues,
            "names": dict(plan.names),
            **{key: value for folder in KINDS for key, value in folder.undo_meta(plan.items).items()},  # the skills' placeholders
            "client_id": plan.client_id,
        },
    )
    present = [u for u in plan.users if u.state is not None]
    store.add_intents(u.intent for u in plan.users)
    store_items(store, plan.items, kinds())
    store.put_states((u.state for u in present if u.state is not None), plan.read_at)
    store.set(users=len(plan.users), ready=True)
    return JobSetup(plan.job_id, paths, store)


def undo_record(plan: UndoPlan) -> dict[str, Any]:
    """``undo.json``: per user, what is restored (ids) and what the org must still hold for it."""
    users = []
    for intent in plan.inverse.intents:
        entry: dict[str, Any] = {"user": intent.user, "email": plan.inverse.emails.get(intent.user)}
        for key, value in (
            ("skills", dict(intent.skills)),
            ("removeSkills", sorted(intent.remove_skills)),
            ("languages", dict(intent.languages)),
            ("removeLanguages", sorted(intent.remove_languages)),
            ("fields", dict(intent.fields)),
            ("division", intent.division),
            ("joinQueues", sorted(intent.join_queues)),
            ("leaveQueues", sorted(intent.leave_queues)),
        ):
            if value:
                entry[key] = value
        if intent.expect is not None:
            entry["expect"] = expected_to_dict(intent.expect)
        users.append(entry)
    return {
        "undo_of": plan.source,
        "users": users,
        "membership_not_known": {uid: list(qs) for uid, qs in plan.inverse.unknown_queues.items()},
        "not_restorable": [u.to_json() for u in plan.unaccounted],
        **items_record(plan.items, kinds()),
    }
