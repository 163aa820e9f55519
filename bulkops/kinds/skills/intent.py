"""Skill definitions in a job: create, move to a division, delete, and migrate holders to another skill.

A spec names skills and divisions by name (or id); resolution turns them into ids where the
org has them (a skill the same job creates has no id until its phase runs: it is named).
The order a job runs them in is the guide's: creates and moves first, then the users (a
migration is user changes: every holder gets the new skill, then loses the old one), then
deletes, each guarded by what still references the skill.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

SkillAction = Literal["create", "move", "delete", "migrate"]
ACTIONS: tuple[SkillAction, ...] = ("create", "move", "delete", "migrate")


@dataclass(frozen=True, slots=True)
class SkillDefinitionIntent:
    """One entry of a spec's ``skills`` section, refs as written.

    ``create``: ``skill`` is the new name, ``division`` optional. ``move``: ``division`` required.
    ``delete``: nothing else. ``migrate``: every holder of ``skill`` gets ``into`` at the same
    proficiency (or ``levels[old]``, or ``proficiency`` for all), then loses ``skill``; with
    ``delete``, ``skill`` is deleted once nobody holds it and nothing else references it.
    """

    action: SkillAction
    skill: str
    division: str | None = None
    into: str | None = None
    proficiency: float | None = None
    levels: Mapping[float, float] = field(default_factory=dict)
    delete: bool = False
    line: int = 0

    def new_level(self, held: float) -> float:
        """What a migrated holder gets for holding ``skill`` at ``held``."""
        if self.proficiency is not None:
            return self.proficiency
        return self.levels.get(held, held)


@dataclass(frozen=True, slots=True)
class SkillState:
    """A skill as the org shows it (``None`` in its place: the org has no active skill by that name)."""

    id: str
    name: str
    division: str | None = None
    state: str = "active"


@dataclass(frozen=True, slots=True)
class SkillChange:
    """What one skill definition item does: ``create`` (name, division), ``move`` (division), ``delete``."""

    op: Literal["create", "move", "delete"]
    name: str
    division: str | None = None


@dataclass(frozen=True, slots=True)
class SkillItem:
    """A resolved skill definition item, as the run store keeps it: one per skill and phase.

    ``skill_id`` is None for a skill the job creates; ``division`` is a division id."""

    op: Literal["create", "move", "delete"]
    name: str
    skill_id: str | None = None
    division: str | None = None
    line: int = 0


def skill_diff(state: SkillState | None, item: SkillItem) -> SkillChange | None:
    """The change that takes the org's skill to the item; None when it is already so (a rerun,
    or a resumed run whose write landed before the kill)."""
    if item.op == "create":
        return None if state is not None else SkillChange("create", item.name, item.division)
    if state is None:
        return None  # a move or delete of a skill already gone: nothing left to do
    if item.op == "move":
        return None if state.division == item.division else SkillChange("move", state.name, item.division)
    return SkillChange("delete", state.name)
