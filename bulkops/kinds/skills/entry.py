"""One JSON ``skills`` entry (spec version 2) -> a ``SkillDefinitionIntent`` plus its problems.

The schema (``kinds/skills/schema.entry_issues``) decides what is structurally wrong; this module
adds what a schema cannot see (keys repeated in the raw text, two spellings of one old
proficiency in ``levels``, NaN) and builds the intent from the parts that are right, so
the rules shared with the CSV form (``rules``) still run on an entry with a bad value.
"""

from __future__ import annotations

import math
from typing import Any

from bulkops.kinds.skills.intent import SkillAction, SkillDefinitionIntent
from bulkops.kinds.skills.schema import entry_actions, entry_issues
from bulkops.spec.schemacheck import Issue, Path, proficiency_problem

#: (path, part) of every issue: the parts of an entry the intent leaves out.
_Rejected = set[tuple[Path, str]]


def read_definition(obj: Any, line: int) -> tuple[SkillDefinitionIntent | None, list[Issue]]:
    """Validate one entry; the intent is None when its action or skill is unusable."""
    issues = entry_issues(obj)
    if not isinstance(obj, dict):
        return None, issues
    issues += [((k,), "key", f"key {k!r} appears more than once in this entry") for k in getattr(obj, "dups", ())]
    rejected: _Rejected = {(path, part) for path, part, _ in issues}
    actions = entry_actions(obj)
    if len(actions) != 1:
        return None, issues
    action: SkillAction = actions[0]  # type: ignore[assignment]
    skill = _text(obj, action, rejected)
    if skill is None:
        return None, issues
    intent = SkillDefinitionIntent(
        action=action,
        skill=skill,
        division=_text(obj, "division", rejected),
        into=_text(obj, "into", rejected),
        proficiency=_proficiency(obj, rejected, issues),
        levels=_levels(obj, rejected, issues),
        delete=obj.get("delete") is True,
        line=line,
    )
    return intent, issues


def field_path(obj: Any, name: str) -> tuple[Path, str]:
    """Where an entry's field (``rules.FIELDS``) is written: (path, part); an absent
    field is placed at the action key, and an entry without one at its start."""
    actions = entry_actions(obj) if isinstance(obj, dict) else []
    action = actions[0] if actions else None
    if name == "action" or (name == "skill" and action is None):
        return ((action,), "key") if action else ((), "value")
    if name == "skill":
        return (action,), "value"
    if isinstance(obj, dict) and name in obj:
        return (name,), "value"
    return ((action,), "key") if action else ((), "value")


def _text(obj: dict[str, Any], key: str, rejected: _Rejected) -> str | None:
    v = obj.get(key)
    return None if not isinstance(v, str) or ((key,), "value") in rejected else v.strip()


def _proficiency(obj: dict[str, Any], rejected: _Rejected, issues: list[Issue]) -> float | None:
    v = obj.get("proficiency")
    if v is None or (("proficiency",), "value") in rejected:
        return None
    if isinstance(v, float) and math.isnan(v):  # the one bad number a schema lets through
        issues.append((("proficiency",), "value", f"'proficiency': {proficiency_problem(v)}"))
        return None
    return float(v)


def _levels(obj: dict[str, Any], rejected: _Rejected, issues: list[Issue]) -> dict[float, float]:
    """Old proficiency -> new; "1" and "1.0" are one old proficiency written twice."""
    v = obj.get("levels")
    if not isinstance(v, dict) or (("levels",), "value") in rejected:
        return {}
    issues += [(("levels", k), "key", f"{k!r} appears more than once in 'levels'") for k in getattr(v, "dups", ())]
    out: dict[float, float] = {}
    seen: dict[float, str] = {}
    for key, level in v.items():
        if (("levels", key), "key") in rejected:
            continue
        old = float(key)  # the schema's pattern admits only numbers 0-5
        if old in seen:
            issues.append((("levels", key), "key", f"levels: {key!r} is the same proficiency as {seen[old]!r}"))
            continue
        seen[old] = key
        if (("levels", key), "value") in rejected:
            continue
        if isinstance(level, float) and math.isnan(level):
            issues.append((("levels", key), "value", f"levels[{key!r}]: {proficiency_problem(level)}"))
            continue
        out[old] = float(level)
    return out
