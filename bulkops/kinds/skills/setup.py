"""Set-up for a spec's ``skills`` section: resolve it, plan the migrations, guard the deletes.

Before the users are read: every definition is resolved against the catalogue (skills,
divisions); a skill the job creates gets a placeholder id (``NEW_SKILL`` + name) so user
intents naming it resolve, and the run swaps in the real id once the create phase is through.
While the org is read: the holders of every skill the job migrates or deletes are noted
(a job with such skills lists the org: holders can be anyone). After: each holder of a
migrated skill gets a user intent (the new skill at the mapped level, the old one removed),
merged with what the spec says of that user; and a delete is refused while anything the job
does not remove still uses the skill: users, skill groups, queue bullseye rings, flows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.routing_config import list_skill_definitions
from bulkops.client.requestkind import RESOLUTION, STATE_READS, request_kind
from bulkops.domain.model import ResolvedIntent, UserIntent
from bulkops.kinds.skills.intent import SkillDefinitionIntent, SkillItem
from bulkops.kinds.skills.kind import DependencyIndex, References
from bulkops.spec import OrgDirectory
from bulkops.spec.cells import did_you_mean, fold
from bulkops.spec.validate import At, Problems
from bulkops.state.store import RunStore

#: Placeholder id prefix for a skill the job creates (no id until its phase runs).
NEW_SKILL = "new-skill:"
HOLDER_SAMPLE = 5


@dataclass(frozen=True, slots=True)
class Migration:
    source_id: str
    source: str
    target_id: str  # an org id, or a placeholder for a skill the job creates
    target: str
    definition: SkillDefinitionIntent


@dataclass(slots=True)
class SkillSetup:
    """What set-up made of the skills section; ``plan`` shows it."""

    items: list[SkillItem] = field(default_factory=list)
    migrations: list[Migration] = field(default_factory=list)
    #: Skill ids whose holders set-up must find (migrated or deleted).
    watched: set[str] = field(default_factory=set)
    #: skill id -> (user id, label) of each holder, filled while the org is read.
    holders: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: skill name -> what still uses it (deletes), in names.
    references: dict[str, References] = field(default_factory=dict)
    migrated_users: int = 0

    @property
    def must_list(self) -> str | None:
        """A migrated or deleted skill's holders can be anyone: set-up then lists every user."""
        return "the job migrates or deletes skills, whose holders can be anyone" if self.watched else None

    def note_holders(self, entities: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Called with each batch of users read (skills expanded); returns the holders among them."""
        found: list[Mapping[str, Any]] = []
        if not self.watched:
            return found
        for entity in entities:
            skills = entity.get("skills")
            if not isinstance(skills, list):
                continue
            held = [s for s in skills if isinstance(s, dict) and s.get("id") in self.watched and s.get("state", "active") == "active"]
            for s in held:
                label = str(entity.get("email") or entity.get("id"))
                self.holders.setdefault(str(s["id"]), []).append((str(entity["id"]), label))
            if held:
                found.append(entity)
        return found


def resolve_definitions(definitions: list[SkillDefinitionIntent], directory: OrgDirectory, problems: Problems) -> SkillSetup:
    """Resolve names against the catalogue; creates get placeholders in ``directory.skills``."""
    setup = SkillSetup()
    names = _DefinitionNames(directory, problems, created={fold(d.skill) for d in definitions if d.action == "create"})
    for d in definitions:
        if d.action == "create":
            _create(d, names, directory, setup)
        elif d.action in ("move", "delete"):
            if (hit := names.skill(d.skill, d.line)) is not None:
                move = d.action == "move"
                setup.items.append(SkillItem(d.action, hit[0], hit[1], names.division(d.division, d.line) if move else None, d.line))
                if not move:
                    setup.watched.add(hit[1])
        else:
            _migrate(d, names, setup)
    return setup


class _DefinitionNames:
    """Skill and division names (or ids) of a spec's definitions -> the org's, a miss a problem."""

    def __init__(self, directory: OrgDirectory, problems: Problems, created: set[str]) -> None:
        self.directory = directory
        self.problems = problems
        self.created = created
        self.skills = {fold(name): (name, sid) for name, sid in directory.skills.items()}
        self.divisions = {fold(name): did for name, did in directory.divisions.items()} | {did: did for did in directory.divisions.values()}

    def skill(self, ref: str, line: int) -> tuple[str, str] | None:
        hit = self.skills.get(fold(ref)) or next(((n, i) for n, i in self.directory.skills.items() if i == ref.strip()), None)
        if hit is None:
            self.problems.add(At(line, 1), f"skill {ref!r} is not in the org{did_you_mean(ref, list(self.directory.skills))}")
        return hit

    def division(self, ref: str | None, line: int) -> str | None:
        if ref is None:
            return None
        did = self.divisions.get(fold(ref)) or self.divisions.get(ref.strip())
        if did is None:
            self.problems.add(At(line, 1), f"division {ref!r} is not in the org{did_you_mean(ref, list(self.directory.divisions))}")
        return did

    def target(self, into: str | None, line: int) -> tuple[str, str] | None:
        """A migration's target: a skill the job creates (its placeholder id), else one in the org."""
        if into and fold(into) in self.created and fold(into) not in self.skills:
            return into, NEW_SKILL + into
        return self.skill(into, line) if into else None


def _create(d: SkillDefinitionIntent, names: _DefinitionNames, directory: OrgDirectory, setup: SkillSetup) -> None:
    """A create: the existing skill's id when there is one (the kind then checks it), else a placeholder."""
    existing = names.skills.get(fold(d.skill))
    setup.items.append(SkillItem("create", d.skill, existing[1] if existing else None, names.division(d.division, d.line), d.line))
    if existing is None:
        directory.skills[d.skill] = NEW_SKILL + d.skill


def _migrate(d: SkillDefinitionIntent, names: _DefinitionNames, setup: SkillSetup) -> None:
    """A migration: its holders are watched; with ``delete`` the source is deleted after."""
    source = names.skill(d.skill, d.line)
    target = names.target(d.into, d.line)
    if source is not None and target is not None:
        setup.migrations.append(Migration(source[1], source[0], target[1], target[0], d))
        setup.watched.add(source[1])
        if d.delete:
            setup.items.append(SkillItem("delete", source[0], source[1], None, d.line))


@dataclass(slots=True)
class _Moves:
    """One holder's migrations: target -> level (the highest when several skills merge into
    one), the sources to remove, and the first migration's line (where a problem is shown)."""

    skills: dict[str, float] = field(default_factory=dict)
    remove: set[str] = field(default_factory=set)
    line: int = 0
    names: dict[str, str] = field(default_factory=dict)  # id -> name, for problems


def apply_migrations(setup: SkillSetup, store: RunStore, problems: Problems) -> None:
    """Each holder of a migrated skill: the new skill at the mapped level, the old one removed,
    merged into the intent the spec gives that user (a contradiction is a problem)."""
    moves: dict[str, _Moves] = {}
    for m in setup.migrations:
        holders = [uid for uid, _ in setup.holders.get(m.source_id, [])]
        states = store.states(holders)
        for uid in holders:
            held = states[uid][0].skills if uid in states else {}
            if m.source_id not in held:
                continue
            level = m.definition.new_level(held[m.source_id])
            mv = moves.setdefault(uid, _Moves(line=m.definition.line))
            mv.skills[m.target_id] = max(level, mv.skills.get(m.target_id, level))
            mv.remove.add(m.source_id)
            mv.names.update({m.source_id: m.source, m.target_id: m.target})
    for uid, mv in moves.items():
        current = store.intent(uid)
        merged = _merge(current, uid, mv, problems)
        if merged is not None:
            store.put_intent(merged)
            setup.migrated_users += current is None


def _merge(current: ResolvedIntent | None, uid: str, mv: _Moves, problems: Problems) -> ResolvedIntent | None:
    if current is None:
        return ResolvedIntent(UserIntent(uid, skills=mv.skills, remove_skills=frozenset(mv.remove), line=mv.line))
    clash = [sid for sid, level in mv.skills.items() if current.skills.get(sid, level) != level] + [sid for sid in mv.remove if sid in current.skills]
    if clash:
        named = ", ".join(repr(mv.names.get(s, s)) for s in clash)
        problems.add(At(current.line or mv.line, 1), f"the spec sets {named} for this user differently from the migration on line {mv.line}")
        return None
    return ResolvedIntent(replace(current, skills=dict(current.skills) | mv.skills, remove_skills=current.remove_skills | mv.remove))


async def guard_deletes(client: GenesysClient, setup: SkillSetup, problems: Problems) -> None:
    """Refuse a delete while anything the job does not remove still uses the skill."""
    deletes = [i for i in setup.items if i.op == "delete" and i.skill_id]
    if not deletes:
        return
    migrated = {m.source_id for m in setup.migrations}
    with request_kind(RESOLUTION):
        index = await DependencyIndex.read(client)
        for item in deletes:
            assert item.skill_id is not None
            refs = await index.references(client, item.skill_id, item.name)
            holders = [] if item.skill_id in migrated else setup.holders.get(item.skill_id, [])
            refs = replace(refs, holders=len(holders), holder_sample=tuple(label for _, label in holders[:HOLDER_SAMPLE]))
            setup.references[item.name] = refs
            if refs:
                problems.add(At(item.line, 1), f"skill {item.name!r} cannot be deleted: it is still used by {refs.describe()}")


def real_ids(placeholders: Iterable[str], org_skills: Mapping[str, str]) -> dict[str, str]:
    """placeholder -> the id of the skill the job created (by name, as the API compares names)."""
    by_name = {fold(name): sid for name, sid in org_skills.items()}
    out: dict[str, str] = {}
    for p in placeholders:
        sid = by_name.get(fold(p.removeprefix(NEW_SKILL)))
        if sid is not None:
            out[p] = sid
    return out


#: The job's store key of the placeholder ids of the skills the job (or the undo) creates.
NEW_SKILLS_KEY = "new_skills"


async def created_ids(client: GenesysClient, store: RunStore) -> dict[str, str] | None:
    """Placeholder -> real id of the skills this job created, read once its create phase is through
    (None: the job creates none)."""
    placeholders = store.get(NEW_SKILLS_KEY) or []
    if not placeholders:
        return None
    with request_kind(STATE_READS):
        org = {s.name: s.id for s in await list_skill_definitions(client) if s.active}
    return real_ids(placeholders, org)


def substitute(intent: ResolvedIntent, ids: Mapping[str, str]) -> ResolvedIntent | str:
    """The intent with real ids for the skills the job created; the reason when one is missing.
    An undo's guard (``expect``) follows: it is checked on the real id (``kinds/skills/undo.py``)."""
    missing = [k.removeprefix(NEW_SKILL) for k in (*intent.skills, *intent.remove_skills) if k.startswith(NEW_SKILL) and k not in ids]
    if missing:
        return f"skill(s) {', '.join(missing)} were not created (see the skill definitions' results)"
    if not any(k.startswith(NEW_SKILL) for k in (*intent.skills, *intent.remove_skills)):
        return intent
    expect = intent.expect and replace(intent.expect, skills={ids.get(k, k): v for k, v in intent.expect.skills.items()})
    return ResolvedIntent(
        replace(
            intent,
            skills={ids.get(k, k): v for k, v in intent.skills.items()},
            remove_skills=frozenset(ids.get(k, k) for k in intent.remove_skills),
            expect=expect,
        )
    )
