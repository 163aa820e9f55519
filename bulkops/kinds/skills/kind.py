"""Skill definitions as a kind of the one pipeline: create and move before the users, delete last.

A delete is guarded twice. Set-up refuses a job that deletes a skill something still uses
(``references``: skill groups, queue bullseye rings, flows, and users the job does not
migrate off it). Just before the write the guard runs again (``check``): what was added
since set-up refuses that one delete, named, instead of leaving conversations unroutable.
The API's own refusal (a 409 that names nothing) is the last line and is reported the same way.

Undo (#20): a skill the job created is deleted, in the undo's last phase (after the users' undo
took it off the users the job gave it to), and only while no one holds it (someone given it since
holds it back, named) and nothing references it; a skill the job moved is moved back to its
division, where it is still in the one the job moved it to. A skill the job deleted is created
again by name, in its division, before the users' undo (#25 §4): a new id (the platform never
brings an id back), safe because the delete's guard proved nothing referenced it; the users'
undo gives its holders their old levels on the new id (``kinds/skills/undo.py``). Where a skill
of that name exists again (someone created it since), it is the one they get back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.routing_config import (
    SkillInUseError,
    create_skill_definition,
    delete_skill_definition,
    flows_consuming_skill,
    list_skill_definitions,
    move_skill_definition,
    skill_groups_with_conditions,
)
from bulkops.client.endpoints.routing_records import QueueConfig, SkillDefinition, queue_config
from bulkops.domain.readplan import LISTING_PAGE
from bulkops.errors import BadRequestError
from bulkops.kinds.base import Inverted, NotUndoable, Phase
from bulkops.kinds.skills.intent import SkillChange, SkillItem, SkillState, skill_diff
from bulkops.spec.cells import fold
from bulkops.state.records import ItemOutcome

QUEUES_PAGE = 100
#: Users listed a page when an undo looks for who holds a skill it is to delete.
HOLDERS_PAGE = LISTING_PAGE
HOLDER_SAMPLE = 5


class SkillStillUsedError(BadRequestError):
    """A delete the guard (or the API's 409) refused: something still uses the skill."""


@dataclass(frozen=True, slots=True)
class References:
    """What still uses one skill, in names."""

    skill_groups: tuple[str, ...] = ()
    queue_rings: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()
    holders: int = 0
    holder_sample: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.skill_groups or self.queue_rings or self.flows or self.holders)

    def describe(self) -> str:
        parts = [f"skill group {g!r}" for g in self.skill_groups]
        parts += [f"queue {q}" for q in self.queue_rings]
        parts += [f"flow {f!r}" for f in self.flows]
        if self.holders:
            sample = ", ".join(self.holder_sample)
            parts.append(f"{self.holders} user(s) hold it ({sample}{', ...' if self.holders > len(self.holder_sample) else ''})")
        return "; ".join(parts)


class DependencyIndex:
    """Skill groups and queue rings read once (a job's deletes share them); flows per skill."""

    def __init__(self, groups: Mapping[str, frozenset[str]], rings: Sequence[tuple[str, int, frozenset[str]]]):
        self.groups = groups  # group name -> folded skill names its conditions name
        self.rings = rings  # (queue name, ring number, skill ids the ring removes)

    @classmethod
    async def read(cls, client: GenesysClient) -> DependencyIndex:
        groups = {g.name: frozenset(fold(n) for n in g.skill_names()) for g in await skill_groups_with_conditions(client)}
        rings: list[tuple[str, int, frozenset[str]]] = []
        for queue in await _queue_configs(client):
            for number, ring in enumerate(queue.rings, start=1):
                if ring.skills_to_remove:
                    rings.append((queue.name, number, frozenset(ring.skills_to_remove)))
        return cls(groups, rings)

    async def references(self, client: GenesysClient, skill_id: str, name: str) -> References:
        flows = tuple(sorted(f.name for f in await flows_consuming_skill(client, skill_id) if not f.deleted))
        return References(
            skill_groups=tuple(sorted(g for g, names in self.groups.items() if fold(name) in names)),
            queue_rings=tuple(f"{q!r} ring {n} removes it" for q, n, ids in self.rings if skill_id in ids),
            flows=flows,
        )


async def _queue_configs(client: GenesysClient) -> list[QueueConfig]:
    entities = await client.all_entities("/api/v2/routing/queues", page_size=QUEUES_PAGE)
    return [queue_config(e) for e in entities]


def _state(skill: SkillDefinition) -> SkillState:
    return SkillState(skill.id, skill.name, skill.division.id if skill.division else None, skill.state)


class SkillDefinitions:
    """The ``Kind`` of skill definitions (``kinds/base.py``)."""

    name = "skill"
    rereads_on_conflict = True
    read_batch = 100

    def __init__(self) -> None:
        self._deps: DependencyIndex | None = None
        self._holders: dict[str, list[str]] | None = None

    def key(self, item: SkillItem) -> str:
        return f"{item.op}:{fold(item.name)}"

    def phase(self, item: SkillItem) -> Phase:
        return "last" if item.op == "delete" else "before_users"

    def encode(self, item: SkillItem) -> bytes:
        return orjson.dumps({"op": item.op, "name": item.name, "skill_id": item.skill_id, "division": item.division, "line": item.line})

    def decode(self, payload: bytes) -> SkillItem:
        d = orjson.loads(payload)
        return SkillItem(d["op"], d["name"], d.get("skill_id"), d.get("division"), int(d.get("line") or 0))

    async def read(self, client: GenesysClient, items: Sequence[SkillItem]) -> Mapping[str, SkillState | None]:
        """The active skills by name (the listing leaves deleted ones out): one listing a batch."""
        by_name = {fold(s.name): s for s in await list_skill_definitions(client) if s.active}
        by_id = {s.id: s for s in by_name.values()}
        out: dict[str, SkillState | None] = {}
        for item in items:
            found = by_id.get(item.skill_id or "") or by_name.get(fold(item.name))
            out[self.key(item)] = _state(found) if found is not None else None
        return out

    def diff(self, state: SkillState | None, item: SkillItem) -> SkillChange | None:
        return skill_diff(state, item)

    async def check(self, client: GenesysClient, state: SkillState | None, item: SkillItem, change: SkillChange) -> str | None:
        if change.op != "delete" or state is None:
            return None
        if self._deps is None:
            self._deps = await DependencyIndex.read(client)
        refs = await self._deps.references(client, state.id, state.name)
        return f"skill {state.name!r} is still used: {refs.describe()}; not deleted" if refs else None

    async def write(self, client: GenesysClient, state: SkillState | None, item: SkillItem, change: SkillChange) -> SkillState | None:
        if change.op == "create":
            return _state(await create_skill_definition(client, change.name, division_id=change.division))
        assert state is not None  # diff gives a move or a delete only for a skill the org has
        if change.op == "move":
            assert change.division is not None
            return _state(await move_skill_definition(client, state.id, change.division))
        try:
            await delete_skill_definition(client, state.id)
        except SkillInUseError as exc:  # the API's refusal: it names nothing, so say what it means
            raise SkillStillUsedError(
                exc.status,
                f"the API refused to delete skill {state.name!r}: it is still in use ({exc.message})",
                code=exc.code,
                correlation_id=exc.correlation_id,
            ) from None
        return None

    def describe(self, state: SkillState | None) -> Mapping[str, Any] | None:
        if state is None:
            return None
        return {"id": state.id, "name": state.name, "division": state.division}

    def describe_change(self, change: SkillChange) -> Mapping[str, Any]:
        out: dict[str, Any] = {"op": change.op, "name": change.name}
        if change.division:
            out["division"] = change.division
        return out

    def label(self, item: SkillItem) -> str:
        return item.name

    # ------------------------------------------------------------------ undo (#20)
    def invert(self, first: ItemOutcome, last: ItemOutcome) -> Inverted[SkillItem] | NotUndoable | None:
        before, after = first.before, last.after
        if before is None and after is not None:  # created by the job: deleted once no one holds it
            item = SkillItem("delete", str(after["name"]), str(after["id"]))
            return Inverted(item, "last", {"exists": False}, {"exists": True})
        if before is not None and after is None:  # deleted by the job: created again by name, a new id
            name = str(before["name"])
            item = SkillItem("create", name, None, before.get("division"))
            return Inverted(item, "before_users", {"exists": True}, {"exists": False}, names={str(before["id"]): name})
        if before is None or after is None or before.get("division") == after.get("division"):
            return None
        item = SkillItem("move", str(after["name"]), str(after["id"]), before.get("division"))
        return Inverted(item, "after_users", {"division": before.get("division")}, {"division": after.get("division")})

    def parts(self, state: SkillState | None, item: SkillItem) -> Mapping[str, Any]:
        if item.op in ("delete", "create"):
            return {"exists": state is not None}
        return {"division": state.division if state is not None else None}

    def narrow(self, item: SkillItem, keep: frozenset[str]) -> SkillItem | None:
        return item if keep else None

    async def check_undo(self, client: GenesysClient, state: SkillState | None, item: SkillItem, change: SkillChange) -> str | None:
        """A created skill's delete: also refused while anyone holds it (the users' undo took it off
        the users the job gave it to; whoever holds it now was given it since)."""
        reason = await self.check(client, state, item, change)
        if reason is not None or change.op != "delete" or state is None:
            return reason
        if self._holders is None:
            self._holders = await _holders(client)
        holders = self._holders.get(state.id, [])
        if not holders:
            return None
        sample = ", ".join(holders[:HOLDER_SAMPLE]) + (", ..." if len(holders) > HOLDER_SAMPLE else "")
        return f"skill {state.name!r} is held by {len(holders)} user(s) given it since the job ({sample}); not deleted"


async def _holders(client: GenesysClient) -> dict[str, list[str]]:
    """Skill id -> the users (emails) holding it: one listing of the org with skills expanded."""
    out: dict[str, list[str]] = {}
    async for page in client.iter_users(page_size=HOLDERS_PAGE, expand=["skills"]):
        for user in page.entities:
            for skill in user.get("skills") or ():
                if isinstance(skill, Mapping) and skill.get("id") and skill.get("state", "active") != "deleted":
                    out.setdefault(str(skill["id"]), []).append(str(user.get("email") or user.get("id")))
    return out


def holders_of(states: Iterable[tuple[str, Mapping[str, float]]], skill_ids: Iterable[str]) -> dict[str, list[str]]:
    """skill id -> the users (labels) holding it, from (label, held skills) pairs."""
    wanted = set(skill_ids)
    out: dict[str, list[str]] = {s: [] for s in wanted}
    for label, held in states:
        for sid in wanted.intersection(held):
            out[sid].append(label)
    return out
