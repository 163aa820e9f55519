"""``bulkops plan``: what a spec would change, per user and in total, reading only.

It sets up exactly as a run would (one read of the named users), diffs each against the
state read, and counts the requests the run would spend, so the estimated duration is
``requests / rps`` with the same numbers the run will later report. A replace-mode write
names only the skills that stay, so the plan spells out what it removes, and warns about
users it would leave with no skills at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.domain.cost import division_requests, queue_requests, write_requests
from bulkops.domain.merge import apply, diff
from bulkops.domain.model import Changes, ResolvedIntent, UserState
from bulkops.engine.plan.impact import ImpactInputs
from bulkops.engine.run.queues import QueueMembership
from bulkops.engine.setup.expand import fill_unknown
from bulkops.engine.setup.job import ResolvedSpec
from bulkops.kinds.registry import KINDS
from bulkops.state.codec import changes_to_dict


@dataclass(slots=True)
class QueuePlan:
    name: str
    members_before: int
    gains: int = 0
    losses: int = 0

    @property
    def members_after(self) -> int:
        return self.members_before + self.gains - self.losses


@dataclass(slots=True)
class Plan:
    users_named: int = 0
    users_changing: int = 0
    users_unchanged: int = 0
    users_not_seen: int = 0
    totals: Counter[str] = field(default_factory=Counter)  # skills_set, skills_removed, ...
    write_requests: int = 0
    read_requests: int = 0
    queues: dict[str, QueuePlan] = field(default_factory=dict)
    #: Users moving into each division (id -> count): batched, ``division_requests`` a division.
    divisions: Counter[str] = field(default_factory=Counter)
    users: list[dict[str, Any]] = field(default_factory=list)  # per-user detail (capped by ``detail``)
    emptied: list[str] = field(default_factory=list)  # the first users left with no skills (all are counted in totals)
    #: Leaves bulkops cannot do (the user is a member through a group): "email: why", all of them.
    blocked_leaves: list[str] = field(default_factory=list)
    #: How set-up read the named users, and why (listing the org or fetching them).
    users_read: str = ""
    #: What each other kind's section does, in names, by kind name (``KindFolder.plan_line``: the
    #: skills' actions, each queue's settings before and after, the labels', the users' utilization
    #: in counts, the org default's parts before and after); a kind without plan lines is absent.
    sections: dict[str, Any] = field(default_factory=dict)

    @property
    def queue_write_requests(self) -> int:
        return sum(queue_requests(q.gains) + queue_requests(q.losses) for q in self.queues.values())

    @property
    def division_write_requests(self) -> int:
        return sum(division_requests(n) for n in self.divisions.values())

    def run_requests(self, reads: int) -> int:
        """What ``bulkops run`` would spend: the reads this plan made (a run makes the same ones
        during its set-up), then the writes (a skill definition's write is one request; a queue
        whose settings change: read, PUT, read-back, plus one request a wrap-up code change)."""
        kinds = sum(folder.plan_requests(self.sections[folder.name]) for folder in KINDS if folder.name in self.sections)
        return reads + self.write_requests + self.queue_write_requests + self.division_write_requests + kinds

    def warnings(self) -> list[str]:
        queues = [f"queue {q.name!r} would be left with no members" for q in self.queues.values() if q.members_after <= 0 and q.losses]
        blocked = (
            [f"{len(self.blocked_leaves)} queue leave(s) cannot be done and will end failed: " + "; ".join(self.blocked_leaves[:EMPTIED_SHOWN])]
            if self.blocked_leaves
            else []
        )
        return self._emptied_warning() + blocked + queues

    def _emptied_warning(self) -> list[str]:
        """Losing every skill takes a user off all skill-based routing: usually a spec line that names no skills in replace mode."""
        n = self.totals["users_left_with_no_skills"]
        if not n:
            return []
        more = f" and {n - len(self.emptied)} more" if n > len(self.emptied) else ""
        return [f"{n} user{'s' if n != 1 else ''} left with no skills (every skill they hold would be removed): {', '.join(self.emptied)}{more}"]


EMPTIED_SHOWN = 10  # users named in the "left with no skills" warning; the rest are counted


def skill_replacement(before: Mapping[str, float], after: Mapping[str, float], names: Mapping[str, str]) -> dict[str, Any]:
    """What a replace-mode write does to one user's skills, by name.

    The write sends only the skills that stay, so what it removes must be worked out from
    what the user holds now: ``keep`` (same proficiency), ``change`` (name -> [before, after]),
    ``add`` and ``remove`` (name -> proficiency held now)."""
    out: dict[str, dict[str, Any]] = {"keep": {}, "change": {}, "add": {}, "remove": {}}
    for sid in sorted(before.keys() | after.keys(), key=lambda k: names.get(k, k)):
        label = names.get(sid, sid)
        if sid not in after:
            out["remove"][label] = before[sid]
        elif sid not in before:
            out["add"][label] = after[sid]
        elif before[sid] == after[sid]:
            out["keep"][label] = after[sid]
        else:
            out["change"][label] = [before[sid], after[sid]]
    return out


def describe_replacement(replacement: Mapping[str, Mapping[str, Any]]) -> str:
    """``replace skills: keep Billing=3, change Sales 2->4, add Digital=2, remove Retention, Technical Support``."""
    sections = (
        ("keep", lambda n, v: f"{n}={v:g}"),
        ("change", lambda n, v: f"{n} {v[0]:g}->{v[1]:g}"),
        ("add", lambda n, v: f"{n}={v:g}"),
        ("remove", lambda n, v: n),
    )
    said = [f"{key} " + ", ".join(fmt(n, v) for n, v in replacement[key].items()) for key, fmt in sections if replacement[key]]
    return "replace skills: " + (", ".join(said) or "none")


async def make_plan(client: GenesysClient, resolved: ResolvedSpec, *, detail: int = 50, watch: ImpactInputs | None = None) -> Plan:
    """Diff every resolved intent against the state set-up read for it: no second read of the org.
    ``watch`` keeps each user's before and after for the impact on routing (``engine.impact``)."""
    plan = Plan(users_read=resolved.users_read.why, sections=plan_sections(resolved))
    queue_names = {v: k for k, v in resolved.directory.queues.items()}
    skill_names = {v: k for k, v in resolved.directory.skills.items()}
    plan.users_named = resolved.users
    membership = await job_membership(client, resolved)
    for qid in resolved.queues:
        plan.queues[qid] = QueuePlan(queue_names.get(qid, qid), membership.counts.get(qid, 0))
    seen = 0
    async for intent, viewed, spent in viewed_users(client, resolved, membership):
        seen += 1
        plan.read_requests += spent
        _plan_user(plan, intent, viewed, membership, skill_names, detail)
        if watch is not None:
            watch.add(viewed, intent)
    plan.users_not_seen = plan.users_named - seen
    return plan


async def impact_inputs(client: GenesysClient, resolved: ResolvedSpec, *, walk: bool = False) -> ImpactInputs:
    """What the impact on routing needs of the users, without the rest of a plan: ``run`` reads the
    impact before its first write and shows no plan, so it spends no CPU on one (#29 §5). What set-up
    gathered on sight is used while still valid (``resolved.on_sight``), finished with the queues'
    members, and only the users it left out are read back from the store; otherwise (or ``walk``)
    every open user is."""
    membership = await job_membership(client, resolved)
    on_sight = resolved.on_sight
    if walk or on_sight is None or not on_sight.usable(resolved.store):
        if on_sight is not None:
            on_sight.release()  # stale, or not wanted: not kept through the run
        return await walked_inputs(client, resolved, membership, resolved.store.open_user_ids())
    watch = await walked_inputs(client, resolved, membership, sorted(on_sight.later), ImpactInputs(on_sight.levels))
    watch.job_queues |= on_sight.job_queues
    known = bool(membership.members or membership.blind)  # else every user's view is no queue (most jobs)
    pending = on_sight.take()
    while pending:  # each let go as its Move is made: the two lists are never both whole
        p = pending.pop()
        watch.add_pending(p, membership.view(p.user_id, p.joins, p.leaves) if known else frozenset())
    watch.moves.sort(key=lambda m: m.user_id)  # the walk's order: by user id
    return watch


async def walked_inputs(
    client: GenesysClient, resolved: ResolvedSpec, membership: QueueMembership, user_ids: Iterable[str], watch: ImpactInputs | None = None
) -> ImpactInputs:
    """The impact's inputs of these users (in this order), their intents and states read from the store,
    added to ``watch`` (a new one by default)."""
    watch = ImpactInputs() if watch is None else watch
    async for intent, viewed, _ in viewed_users(client, resolved, membership, user_ids):
        watch.add(viewed, intent)
    return watch


async def job_membership(client: GenesysClient, resolved: ResolvedSpec) -> QueueMembership:
    """The members of the queues the job names, as the run will see them."""
    asks = resolved.store.queue_asks() if resolved.queues else {}
    return await QueueMembership.load(client, resolved.queues, asks, known=resolved.directory.queue_members)


async def viewed_users(
    client: GenesysClient, resolved: ResolvedSpec, membership: QueueMembership, user_ids: Iterable[str] | None = None
) -> AsyncIterator[tuple[ResolvedIntent, UserState, int]]:
    """Each open user set-up read (or those of ``user_ids``): its intent, its state with what expand
    left out read and its queues as the run's diff sees them, and the requests that reading took."""
    store = resolved.store
    for chunk in _chunks(store.open_user_ids() if user_ids is None else user_ids, 500):
        intents = store.open_intents(chunk)
        states = store.states(chunk)
        for uid in chunk:
            if uid not in states:
                continue
            intent, _ = intents[uid]
            state, spent = await fill_unknown(client, states[uid][0])
            queues = membership.view(state.id, intent.join_queues, intent.leave_queues)
            yield intent, (state if queues == state.queues else replace(state, queues=queues)), spent


def plan_sections(resolved: ResolvedSpec) -> dict[str, Any]:
    """Each kind's plan line(s) (``KindFolder.plan_line``), by kind name, in the registry's order; a
    kind that shows nothing in a plan (queue members: part of each queue's line) is left out."""
    out: dict[str, Any] = {}
    for folder in KINDS:
        if folder.plan_key:
            out[folder.name] = folder.plan_line(resolved.setups.get(folder.name), resolved)
    return out


def users_changing(resolved: ResolvedSpec) -> int:
    """How many users the run would write, from the states set-up read: no request (queue
    membership is not read here, so a join or leave counts as a change)."""
    store, n = resolved.store, 0
    for chunk in _chunks(store.open_user_ids(), 500):
        intents, states = store.open_intents(chunk), store.states(chunk)
        for uid in chunk:
            state = states.get(uid)
            n += state is None or state[0].unknown != frozenset() or not diff(state[0], intents[uid][0]).is_empty()
    return n


def _chunks(ids: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for uid in ids:
        chunk.append(uid)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _plan_user(plan: Plan, intent: ResolvedIntent, state: UserState, membership: QueueMembership, skill_names: Mapping[str, str], detail: int) -> None:
    changes = diff(state, intent)
    plan.blocked_leaves += [f"{state.email or state.id}: {why}" for why in membership.blocked_leaves(state.id, intent.leave_queues)]
    if changes.is_empty():
        plan.users_unchanged += 1
        return
    plan.users_changing += 1
    plan.write_requests += write_requests(changes)
    _count(plan, changes)
    skills = _skill_outcome(plan, state, changes, skill_names)
    if len(plan.users) < detail:
        plan.users.append({"user_id": state.id, "email": state.email, "changes": changes_to_dict(changes), **skills})


def _skill_outcome(plan: Plan, state: UserState, changes: Changes, skill_names: Mapping[str, str]) -> dict[str, Any]:
    """What one user's skills go through, for its detail line: the replacement spelled out, and the
    ``left_with_no_skills`` flag (counted, and the first few users named, beyond the detail cap)."""
    out: dict[str, Any] = {}
    if changes.replace_skills is not None:
        out["skills_replacement"] = replacement = skill_replacement(state.skills, changes.replace_skills, skill_names)
        plan.totals["skills_removed"] += len(replacement["remove"])
    if state.skills and not apply(state, changes).skills:
        out["left_with_no_skills"] = True
        plan.totals["users_left_with_no_skills"] += 1
        if len(plan.emptied) < EMPTIED_SHOWN:
            plan.emptied.append(state.email or state.id)
    return out


def _count(plan: Plan, changes: Changes) -> None:
    t = plan.totals
    t["skills_set"] += len(changes.upsert_skills) + len(changes.replace_skills or {})
    t["skills_removed"] += len(changes.delete_skills)
    t["skill_sets_replaced"] += 1 if changes.replace_skills is not None else 0
    t["languages_set"] += len(changes.upsert_languages)
    t["languages_removed"] += len(changes.delete_languages)
    t["user_field_updates"] += 1 if changes.fields else 0
    t["division_moves"] += 1 if changes.division else 0
    if changes.division:
        plan.divisions[changes.division] += 1
    for qid in changes.join_queues:
        plan.queues[qid].gains += 1
    for qid in changes.leave_queues:
        plan.queues[qid].losses += 1
