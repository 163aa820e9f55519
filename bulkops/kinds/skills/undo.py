"""The users' undo of a job that deleted a skill: their old levels go onto the skill created again.

A job that migrated a skill's holders and deleted it (or deleted an unused skill) is undone by
creating the skill again by name (``SkillDefinitions.invert``: a new id, the platform never
brings one back). The users' inverse names the old id, which the org refuses now; here it is
replaced by the placeholder of a skill the job creates (``NEW_SKILL`` + name), as set-up names a
skill a job creates, and the run swaps in the real id once the undo's create phase is through
(``kinds/skills/setup.substitute``), guard included. Plan and run agree: the plan shows the skill created
and each holder given it back at their old level; the run writes exactly that, never the old id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from bulkops.domain.inverse import Inverse
from bulkops.domain.model import Expected, ResolvedIntent
from bulkops.engine.undo.itemundo import ItemsInverse
from bulkops.kinds.skills.folder import NAME as SKILL
from bulkops.kinds.skills.setup import NEW_SKILL


def recreated_skills(items: ItemsInverse) -> dict[str, str]:
    """Old id -> placeholder of each skill the undo creates again (the job deleted it)."""
    out: dict[str, str] = {}
    for u in items.undoable:
        inv = u.inverted
        if u.kind == SKILL and inv is not None and inv.item.op == "create" and inv.restore.get("exists") is True:
            out.update({old_id: NEW_SKILL + name for old_id, name in inv.names.items()})
    return out


def skill_names(items: ItemsInverse) -> dict[str, str]:
    """Id -> name of the skills the undo creates again (by placeholder) or deletes (the job created
    them: the job's own names know them only by placeholder), for the plan's and the results' names."""
    out = {p: p.removeprefix(NEW_SKILL) for p in recreated_skills(items).values()}
    for u in items.undoable:
        inv = u.inverted
        if u.kind == SKILL and inv is not None and inv.item.op == "delete" and inv.item.skill_id:
            out[inv.item.skill_id] = inv.item.name
    return out


def onto_recreated(inverse: Inverse, recreated: Mapping[str, str]) -> Inverse:
    """The users' inverse with every old id of a re-created skill replaced by its placeholder."""
    if not recreated:
        return inverse
    return dataclasses.replace(inverse, intents=tuple(_remap(i, recreated) for i in inverse.intents))


def _remap(intent: ResolvedIntent, ids: Mapping[str, str]) -> ResolvedIntent:
    named = set(intent.skills) | intent.remove_skills | set(intent.expect.skills if intent.expect else ())
    if not named & ids.keys():
        return intent
    expect = intent.expect
    if expect is not None:
        expect = Expected(
            skills={ids.get(k, k): v for k, v in expect.skills.items()}, languages=expect.languages, fields=expect.fields, division=expect.division
        )
    return ResolvedIntent(
        dataclasses.replace(
            intent,
            skills={ids.get(k, k): v for k, v in intent.skills.items()},
            remove_skills=frozenset(ids.get(k, k) for k in intent.remove_skills),
            expect=expect,
        )
    )
