"""What ``plan`` says of the skills section: each definition's action in names, and the requests they cost."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bulkops.kinds.skills.intent import SkillItem
from bulkops.kinds.skills.setup import SkillSetup
from bulkops.spec.resolve import OrgDirectory


def describe_skills(setup: SkillSetup, directory: OrgDirectory) -> list[dict[str, Any]]:
    """Each skill definition as plan shows it: the action in names, and for a migration how many
    hold the skill, for a delete what still uses it (nothing, or it would have been refused)."""
    divisions = {v: k for k, v in directory.divisions.items()}
    out: list[dict[str, Any]] = []
    for item in setup.items:
        line: dict[str, Any] = {"action": item.op, "skill": item.name, "line": item.line}
        if item.op == "create":
            line["exists_already"] = item.skill_id is not None
        if item.division:
            line["division"] = divisions.get(item.division, item.division)
        if item.op == "delete":
            line["used_by"] = setup.references[item.name].describe() if item.name in setup.references and setup.references[item.name] else "nothing"
        out.append(line)
    for m in setup.migrations:
        holders = len(setup.holders.get(m.source_id, []))
        out.append({"action": "migrate", "skill": m.source, "into": m.target, "holders": holders, "line": m.definition.line})
    return out


def skill_requests(lines: list[dict[str, Any]]) -> int:
    """A skill definition's write is one request (a migration's are the users')."""
    return sum(1 for s in lines if s["action"] != "migrate")


def describe_skill_line(line: dict[str, Any]) -> str:
    """One skill definition of a plan, in words."""
    name = repr(line["skill"])
    if line["action"] == "create":
        return (
            f"{name}: create"
            + (f" in division {line['division']!r}" if line.get("division") else "")
            + (" (exists already: nothing to do)" if line.get("exists_already") else "")
        )
    if line["action"] == "move":
        return f"{name}: move to division {line['division']!r}"
    if line["action"] == "delete":
        return f"{name}: delete, after every user change; used by: {line['used_by']}"
    return f"{name}: migrate {line['holders']} holder(s) to {line['into']!r}"


def definition_reduction(items: Iterable[SkillItem], migrations: int) -> str | None:
    """Skill definitions: a delete or a migration takes the skill from its holders, so may take
    them out of a queue (``engine/plan/reduction``)."""
    if migrations:
        return "a skill definition is migrated"
    if any(item.op == "delete" for item in items):
        return "a skill definition is deleted"
    return None
