"""The impact of a job on routing, before it runs: skill groups, the queues they feed, agents on queue.

Skills and languages decide more than a user's own record: a skill group selects its members by
their skills, and a queue whose member group is a skill group routes to exactly those members.
From the plan's per-user before and after (``ImpactInputs``, fed by ``make_plan``), this reads
what the org says about groups and queues and works out who enters or leaves which skill group,
so which queues each user joins or leaves through one; per queue, members before and after
(direct and through groups), members who gain or lose the skills its bullseye rings remove, and
where analytics may be read, agents on queue now and how many of them the job takes away.

Reads stay cheap (issue #16): nothing when no user's skills, languages or queues change; the skill
group listing and each group's conditions only when skills or languages change; the queues in one
listing (every queue when a group's membership changes, since any queue may use the group; the
job's own queues otherwise); a queue's direct members only where reading them costs no more pages
than its movers make up (as ``QueueMembership`` decides), otherwise counts with "at most"; the
activity query filtered to the affected queues and, for who leaves, to the leaving users. Every
request is labelled ``state_reads`` and counted in ``Impact.requests``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints import activity as reads
from bulkops.client.endpoints import routing_config
from bulkops.client.endpoints.routing_records import SkillGroup
from bulkops.client.requestkind import STATE_READS, request_kind
from bulkops.domain.merge import applied_holdings, applied_queues, diff
from bulkops.domain.model import ResolvedIntent, UserState
from bulkops.domain.skillgroups import Holdings, is_member, names_in
from bulkops.engine.plan.packed import LevelTable, PackedUser
from bulkops.engine.plan.prediction import QueueServiceLevel, Staffing, predict
from bulkops.engine.run.queues import read_members_first
from bulkops.engine.setup.directory import build_catalogue
from bulkops.engine.setup.onsight import PendingMove
from bulkops.errors import AuthError, BulkopsError
from bulkops.spec.resolve import OrgDirectory

#: Warning ranks, most harmful first. ``--strict`` refuses a job with any of rank 1.
CRITICAL, SEVERE, NOTICE = 1, 2, 3
SHOWN = 10  # users named per line; the rest are counted


@dataclass(frozen=True, slots=True)
class Move(PackedUser):
    """One user whose routing inputs change: skills and languages by id, packed by the job's
    ``LevelTable`` (``engine/plan/packed.py``: a 100,000-user job kept 465 MB of dicts), and direct
    queues among the job's."""

    queues_before: frozenset[str]
    queues_after: frozenset[str]


class ImpactInputs:
    """What the plan saw, kept for the impact: each user whose skills, languages or queues change."""

    def __init__(self, levels: LevelTable | None = None) -> None:
        self.moves: list[Move] = []
        self.job_queues: set[str] = set()
        #: ``levels``: the table moves gathered on sight were packed by (one table for every move).
        self.levels = LevelTable() if levels is None else levels

    def add(self, state: UserState, intent: ResolvedIntent) -> None:
        self.job_queues |= intent.join_queues | intent.leave_queues
        changes = diff(state, intent)
        if changes.is_empty():
            return
        skills, languages, queues = applied_holdings(state, changes)
        if skills == state.skills and languages == state.languages and queues == state.queues:
            return
        label = state.email or state.username or state.id
        skills_b, skills_a = self.levels.pack_pair(state.skills, skills)
        languages_b, languages_a = self.levels.pack_pair(state.languages, languages)
        move = Move(state.id, label, state.state == "active", skills_b, skills_a, languages_b, languages_a, state.queues, queues)
        self.moves.append(move)

    def add_pending(self, p: PendingMove, queues: frozenset[str]) -> None:
        """A user gathered on sight (``engine/setup/onsight.py``, packed by this ``levels``), finished with
        its direct queues as the membership shows them: the same ``Move`` as ``add`` makes."""
        after = applied_queues(queues, p.joins, p.leaves)
        if p.changes_holdings or after != queues:
            self.moves.append(Move(p.user_id, p.label, p.active, p.skills_before, p.skills_after, p.languages_before, p.languages_after, queues, after))


@dataclass(frozen=True, slots=True)
class GroupImpact:
    name: str
    members_before: int | None  # the group's own count (an estimate, the SDK says)
    entering: tuple[str, ...]
    leaving: tuple[str, ...]
    queues: tuple[str, ...]  # names of the queues the group is a member group of

    @property
    def members_after(self) -> int | None:
        return None if self.members_before is None else max(0, self.members_before + len(self.entering) - len(self.leaving))


@dataclass(frozen=True, slots=True)
class RingSkillImpact:
    ring: int  # 1-based: the ring whose expansion removes the skill
    skill: str
    losing: int  # members who hold it now and will not
    gaining: int


@dataclass(frozen=True, slots=True)
class QueueImpact:
    name: str
    members_before: int
    direct_before: int
    joining: tuple[str, ...]
    leaving: tuple[str, ...]
    direct_joins: int
    direct_leaves: int
    through: tuple[str, ...]  # the skill groups that move members in or out
    #: Members the job's users may still hold through something not read (a group or team, or
    #: direct membership of a queue too big to read): ``leaving`` is then at most.
    uncertain: str = ""
    on_queue_now: int | None = None
    on_queue_leaving: int | None = None
    ring_skills: tuple[RingSkillImpact, ...] = ()
    #: The routing activity query truncated this queue's answer: the two figures above are at least.
    on_queue_partial: bool = False
    queue_id: str = ""

    @property
    def members_after(self) -> int:
        return max(0, self.members_before + len(self.joining) - len(self.leaving))

    @property
    def direct_after(self) -> int:
        return max(0, self.direct_before + self.direct_joins - self.direct_leaves)


@dataclass(frozen=True, slots=True)
class ImpactWarning:
    rank: int
    text: str


@dataclass(frozen=True, slots=True)
class Impact:
    groups: tuple[GroupImpact, ...] = ()
    queues: tuple[QueueImpact, ...] = ()
    #: "read", "not needed", or what kept the live picture from being seen.
    analytics: str = "not needed"
    requests: int = 0
    users_moving: int = 0
    warnings: tuple[ImpactWarning, ...] = field(default_factory=tuple)
    #: Service level now and predicted per queue losing agents on queue (#31 §2), and "read",
    #: "not needed", or why it is unavailable.
    service_levels: tuple[QueueServiceLevel, ...] = ()
    prediction: str = "not needed"

    def top_rank(self) -> list[ImpactWarning]:
        return [w for w in self.warnings if w.rank == CRITICAL]


# ---------------------------------------------------------------------- assessing
async def assess(client: GenesysClient, inputs: ImpactInputs, directory: OrgDirectory, *, live: bool = True) -> Impact:
    """Read what the moves need and work out the impact (see the module doc for what is read).
    ``live=False`` leaves out the activity query (agents on queue now): ``run`` with nobody to ask
    needs only the members, which decide whether a queue is left with none."""
    start = client.stats.requests
    with request_kind(STATE_READS):
        impact = await _assess(client, inputs, directory, live=live)
    return Impact(
        impact.groups,
        impact.queues,
        impact.analytics,
        client.stats.requests - start,
        impact.users_moving,
        _rank(impact),
        impact.service_levels,
        impact.prediction,
    )


class HoldingsByUser(Mapping[str, Holdings]):
    """Each moving user's holdings by name (before or after), made when a skill group or a ring asks
    and not kept per user: kept per user they were 200,000 dicts at 100,000 users (#29 §5, §6). Equal
    holdings (equal packed bytes) are made once while they stay among the last few thousand asked."""

    def __init__(self, moves: Sequence[Move], names: Mapping[str, str], *, after: bool, levels: LevelTable) -> None:
        self._moves, self._names, self._after, self._levels = {m.user_id: m for m in moves}, names, after, levels
        self._make = functools.lru_cache(maxsize=4096)(self._holdings)

    def __getitem__(self, user_id: str) -> Holdings:
        m = self._moves[user_id]
        if self._after:
            return self._make(m.skills_after, m.languages_after, m.active)
        return self._make(m.skills_before, m.languages_before, m.active)

    def __iter__(self) -> Iterator[str]:
        return iter(self._moves)

    def __len__(self) -> int:
        return len(self._moves)

    def _holdings(self, skills: bytes, languages: bytes, active: bool) -> Holdings:
        return Holdings.of(self._levels.unpack(skills), self._levels.unpack(languages), self._names, active=active)


#: Group id -> (user ids who are members before, after).
Membership = Mapping[str, tuple[set[str], set[str]]]


async def _assess(client: GenesysClient, inputs: ImpactInputs, directory: OrgDirectory, *, live: bool = True) -> Impact:
    moves = inputs.moves
    if not moves:
        return Impact()
    groups = await _skill_groups(client) if any(m.changes_holdings for m in moves) else []
    names = await _names(client, directory, groups)
    before = HoldingsByUser(moves, names, after=False, levels=inputs.levels)
    after = HoldingsByUser(moves, names, after=True, levels=inputs.levels)
    member = group_membership(groups, moves, before, after)
    moving_groups = {gid for gid, (b, a) in member.items() if b != a}
    queues = await reads.list_queues(client, None if moving_groups else inputs.job_queues)
    scope = [q for q in queues if q.id in inputs.job_queues or q.skill_group_ids & moving_groups]
    labels = {m.user_id: m.label for m in moves}
    queue_impacts = [await _queue(client, q, moves, member, inputs.job_queues, names, labels, before, after) for q in scope]
    queue_impacts_by_id = dict(zip((q.id for q in scope), queue_impacts, strict=True))
    analytics, queue_impacts_by_id = (
        await _live(client, queue_impacts_by_id, moves, member, scope, inputs.job_queues) if live else ("not read (nobody asked)", queue_impacts_by_id)
    )
    group_impacts = group_impacts_of(groups, queues, member, moving_groups, labels)
    changed = tuple(qi for qi in queue_impacts_by_id.values() if changes_members(qi))
    return Impact(group_impacts, changed, analytics, users_moving=len(moves))


def group_membership(
    groups: Sequence[SkillGroup], moves: Sequence[Move], before: Mapping[str, Holdings], after: Mapping[str, Holdings]
) -> dict[str, tuple[set[str], set[str]]]:
    """Which of the moving users each skill group selects, before and after the job (one pass over the
    users: each one's holdings are made once, not once a group)."""
    member: dict[str, tuple[set[str], set[str]]] = {g.id: (set(), set()) for g in groups}
    if not groups:
        return member
    for m in moves:
        held_before, held_after = before[m.user_id], after[m.user_id]
        for g in groups:
            if is_member(g.conditions, held_before):
                member[g.id][0].add(m.user_id)
            if is_member(g.conditions, held_after):
                member[g.id][1].add(m.user_id)
    return member


def group_impacts_of(
    groups: Sequence[SkillGroup], queues: Sequence[reads.QueueCounts], member: Membership, moving: set[str], labels: Mapping[str, str]
) -> tuple[GroupImpact, ...]:
    """Each group whose membership moves: who enters and leaves, and the queues it feeds (by name)."""
    used_by: dict[str, list[str]] = {}
    for q in queues:
        for gid in q.skill_group_ids:
            used_by.setdefault(gid, []).append(q.name)
    return tuple(
        GroupImpact(
            g.name,
            g.member_count,
            _labels(member[g.id][1] - member[g.id][0], labels),
            _labels(member[g.id][0] - member[g.id][1], labels),
            tuple(sorted(used_by.get(g.id, []))),
        )
        for g in groups
        if g.id in moving
    )


def changes_members(qi: QueueImpact) -> bool:
    """Whether the job changes who the queue reaches (members or the skills its rings remove)."""
    return bool(qi.joining or qi.leaving or qi.ring_skills or qi.direct_joins or qi.direct_leaves)


async def _skill_groups(client: GenesysClient) -> list[SkillGroup]:
    """Every group with its conditions: the listing (it has none), then one read per group; the
    listing's member count is kept (the group's own read carries the same)."""
    return [await routing_config.get_skill_group(client, s.id) for s in await routing_config.list_skill_groups(client)]


async def _names(client: GenesysClient, directory: OrgDirectory, groups: Sequence[SkillGroup]) -> dict[str, str]:
    """id -> name of every skill and language: skill groups name them, users hold ids. A catalogue
    set-up did not read (the spec named none of it) is read here when a group mentions it."""
    skills, languages = dict(directory.skills), dict(directory.languages)
    mentioned = [names_in(g.conditions) for g in groups]
    missing = {"skills"} if not skills and any(s for s, _ in mentioned) else set()
    missing |= {"languages"} if not languages and any(x for _, x in mentioned) else set()
    if missing:
        more = await build_catalogue(client, missing)
        skills |= more.skills
        languages |= more.languages
    return {v: k for k, v in (skills | languages).items()}


def _labels(ids: Iterable[str], labels: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(sorted(labels[u] for u in ids))


async def _queue(
    client: GenesysClient,
    q: reads.QueueCounts,
    moves: Sequence[Move],
    member: Membership,
    job_queues: set[str],
    names: Mapping[str, str],
    labels: Mapping[str, str],
    before: Mapping[str, Holdings],
    after: Mapping[str, Holdings],
) -> QueueImpact:
    """One queue: who is a member before and after, direct or through its skill groups."""
    groups = [gid for gid in q.skill_group_ids if gid in member]
    through_b, through_a, movers = through_groups(groups, member)
    direct, uncertain = await _direct_members(client, q, job_queues, movers)
    uncertain = "; ".join(filter(None, [uncertain, unread_groups(q, movers)]))
    joins = queue_joins(q.id, moves, job_queues, direct, through_b, through_a)
    rings = _ring_skills(q, moves, names, before, after, members_before={m.user_id for m in moves if q.id in m.queues_before} | through_b)
    return QueueImpact(
        q.name,
        q.member_count,
        q.user_member_count,
        _labels(joins.joining, labels),
        _labels(joins.leaving, labels),
        joins.direct_joins,
        joins.direct_leaves,
        tuple(sorted(g.name or g.id for g in q.member_groups if g.id in groups and member[g.id][0] != member[g.id][1])),
        uncertain,
        ring_skills=rings,
        queue_id=q.id,
    )


def through_groups(groups: Iterable[str], member: Membership) -> tuple[set[str], set[str], set[str]]:
    """The moving users a queue reaches through its skill groups before and after, and those whose
    membership of one of them changes."""
    groups = list(groups)
    through_b = {uid for gid in groups for uid in member[gid][0]}
    through_a = {uid for gid in groups for uid in member[gid][1]}
    movers = {uid for gid in groups for uid in member[gid][0] ^ member[gid][1]}
    return through_b, through_a, movers


async def _direct_members(client: GenesysClient, q: reads.QueueCounts, job_queues: set[str], movers: set[str]) -> tuple[set[str] | None, str]:
    """A queue outside the job with movers: its direct members when reading them is cheap, else
    None and why the figures are "at most"."""
    if q.id in job_queues or not movers:
        return None, ""
    if read_members_first(q.user_member_count, len(movers)):
        return {m["id"] async for page in client.iter_queue_members(q.id, member_by="user") for m in page.entities}, ""
    return None, f"its {q.user_member_count} direct members were not read"


def unread_groups(q: reads.QueueCounts, movers: set[str]) -> str:
    """The groups and teams of a queue with movers, whose members are not read ("" when none)."""
    if not (q.other_groups and movers):
        return ""
    others = ", ".join(f"{g.type.lower()} {g.name or g.id!r}" for g in q.other_groups)
    return f"members through {others} were not read"


@dataclass(frozen=True, slots=True)
class Joins:
    """Who a queue gains and loses among the moving users, and its direct members' changes."""

    joining: tuple[str, ...]
    leaving: tuple[str, ...]
    direct_joins: int
    direct_leaves: int


def queue_joins(qid: str, moves: Sequence[Move], job_queues: set[str], direct: set[str] | None, through_b: set[str], through_a: set[str]) -> Joins:
    """Each moving user's membership of the queue before and after: direct (the job's queues from
    the plan, another queue's as read) or through a skill group."""
    joining: list[str] = []
    leaving: list[str] = []
    direct_joins = direct_leaves = 0
    in_job = qid in job_queues
    for m in moves:
        d_b = qid in m.queues_before if in_job else (direct is not None and m.user_id in direct)
        d_a = qid in m.queues_after if in_job else d_b
        direct_joins += d_a and not d_b
        direct_leaves += d_b and not d_a
        was, will = d_b or m.user_id in through_b, d_a or m.user_id in through_a
        if will and not was:
            joining.append(m.user_id)
        elif was and not will:
            leaving.append(m.user_id)
    return Joins(tuple(joining), tuple(leaving), direct_joins, direct_leaves)


def _ring_skills(
    q: reads.QueueCounts,
    moves: Sequence[Move],
    names: Mapping[str, str],
    before: Mapping[str, Holdings],
    after: Mapping[str, Holdings],
    *,
    members_before: set[str],
) -> tuple[RingSkillImpact, ...]:
    """Members of the queue who stop (or start) holding a skill one of its bullseye rings removes:
    the agents a conversation needing that skill reaches before the ring drops it."""
    asked = [(ring, names[sid]) for ring, skill_ids in enumerate(q.ring_skills, start=1) for sid in skill_ids if sid in names]
    if not asked:
        return ()
    held: list[tuple[set[str], set[str]]] = [(set(), set()) for _ in asked]
    for m in moves:  # one pass: each member's holdings made once, not once a ring skill
        if m.user_id not in members_before:
            continue
        skills_b, skills_a = before[m.user_id].skills, after[m.user_id].skills
        for (_, name), (held_b, held_a) in zip(asked, held, strict=True):
            if name.lower() in skills_b:
                held_b.add(m.user_id)
            if name.lower() in skills_a:
                held_a.add(m.user_id)
    return tuple(
        RingSkillImpact(ring, name, len(held_b - held_a), len(held_a - held_b))
        for (ring, name), (held_b, held_a) in zip(asked, held, strict=True)
        if held_b != held_a
    )


async def _live(
    client: GenesysClient,
    impacts: dict[str, QueueImpact],
    moves: Sequence[Move],
    member: Membership,
    scope: Sequence[reads.QueueCounts],
    job_queues: set[str],
) -> tuple[str, dict[str, QueueImpact]]:
    """Agents on queue now in each queue that loses members, and how many of them leave."""
    losing = {qid: qi for qid, qi in impacts.items() if qi.leaving}
    if not losing:
        return "not needed", impacts
    by_label = {m.label: m.user_id for m in moves}
    leavers = {by_label[label] for qi in losing.values() for label in qi.leaving}
    try:
        live = await reads.live_picture(client, losing, leavers)
    except AuthError as exc:
        return f"not visible: the OAuth client may not read analytics (HTTP {exc.status}; needs analytics:queueObservation:view)", impacts
    except BulkopsError as exc:
        return f"not visible: the routing activity query failed ({exc})", impacts
    out = dict(impacts)
    for qid, qi in losing.items():
        leaving_ids = {by_label[label] for label in qi.leaving}
        out[qid] = _with_live(qi, live.on_queue.get(qid, 0), len(live.among.get(qid, frozenset()) & leaving_ids), partial=qid in live.truncated)
    return _live_state(live, impacts), out


def _live_state(live: reads.LivePicture, impacts: Mapping[str, QueueImpact]) -> str:
    """``read``, or ``partial: ...`` naming the queues whose answer the platform truncated."""
    if not live.partial:
        return "read"
    names = sorted(impacts[q].name for q in live.truncated if q in impacts)
    shown = ", ".join(repr(n) for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"partial: the routing activity query truncated its answer for {len(names)} queue(s) ({shown}); agents on queue there are at least what is shown"


def _with_live(qi: QueueImpact, now: int, leaving: int, *, partial: bool = False) -> QueueImpact:
    return replace(qi, on_queue_now=now, on_queue_leaving=leaving, on_queue_partial=partial)


# ---------------------------------------------------------------------- predicted service level
async def with_prediction(client: GenesysClient, impact: Impact) -> Impact:
    """The impact with each queue's service level now and predicted (#31 §2), read after ``assess``
    (its own request, added to ``requests``) and the warnings ranked again; unavailable when the
    agents on queue now could not be seen or the aggregates query is refused."""
    start = client.stats.requests
    levels: tuple[QueueServiceLevel, ...] = ()
    if impact.analytics.startswith("not visible") and any(q.leaving for q in impact.queues):
        prediction = "unavailable: it needs the agents on queue now, which are not visible"
    else:
        with request_kind(STATE_READS):
            prediction, levels = await predict(client, staffing_of(impact.queues))
    out = replace(impact, service_levels=levels, prediction=prediction, requests=impact.requests + client.stats.requests - start)
    return replace(out, warnings=_rank(out))


def staffing_of(queues: Iterable[QueueImpact]) -> dict[str, Staffing]:
    """The queues the job takes agents on queue from (as the activity query read them): now and after."""
    return {
        qi.queue_id: Staffing(qi.name, qi.on_queue_now, max(0, qi.on_queue_now - (qi.on_queue_leaving or 0)))
        for qi in queues
        if qi.queue_id and qi.on_queue_now is not None and qi.on_queue_leaving
    }


# ---------------------------------------------------------------------- warnings
def _rank(impact: Impact) -> tuple[ImpactWarning, ...]:
    """Warnings, most harmful first: a queue left with no member; then a queue losing most of its
    agents on queue now, a skill group emptied, a queue that may be left with no member; then a
    queue losing most of its members, a ring skill no moving member keeps, the live picture unseen."""
    out: list[ImpactWarning] = []
    for q in impact.queues:
        if q.leaving and q.members_after == 0 and q.members_before:
            if q.uncertain:
                out.append(ImpactWarning(SEVERE, f"queue {q.name!r} may be left with no member ({len(q.leaving)} leave of {q.members_before}; {q.uncertain})"))
            else:
                out.append(ImpactWarning(CRITICAL, f"queue {q.name!r} would be left with no member ({len(q.leaving)} of {q.members_before} leave)"))
        elif q.on_queue_now and q.on_queue_leaving and q.on_queue_leaving * 2 > q.on_queue_now:
            out.append(ImpactWarning(SEVERE, f"queue {q.name!r} would lose {q.on_queue_leaving} of its {q.on_queue_now} agents on queue now"))
        elif q.leaving and len(q.leaving) * 2 > q.members_before:
            out.append(ImpactWarning(NOTICE, f"queue {q.name!r} would lose {len(q.leaving)} of its {q.members_before} members"))
    out += prediction_warnings(impact)
    for g in impact.groups:
        if g.leaving and g.members_after == 0 and g.members_before:
            used = f" (it feeds {', '.join(repr(n) for n in g.queues)})" if g.queues else ""
            out.append(ImpactWarning(SEVERE, f"skill group {g.name!r} would be emptied: all {g.members_before} members leave{used}"))
    if impact.analytics.startswith(("not visible", "partial")):
        out.append(ImpactWarning(NOTICE, f"agents on queue now: {impact.analytics}"))
    return tuple(sorted(out, key=lambda w: w.rank))


def prediction_warnings(impact: Impact) -> list[ImpactWarning]:
    """A queue the model predicts below its service-level objective ranks with the top warnings;
    a prediction that could not be read is a notice."""
    out = [
        ImpactWarning(
            CRITICAL,
            f"queue {s.queue!r} is predicted (Erlang C model) to fall below its service level objective: "
            f"{s.now:.0%} -> {s.predicted:.0%} answered within {s.target_seconds:.0f} s, objective {s.objective:.0%}",
        )
        for s in impact.service_levels
        if s.falls_below
    ]
    if impact.prediction.startswith("unavailable"):
        out.append(ImpactWarning(NOTICE, f"predicted service level {impact.prediction}"))
    return out
