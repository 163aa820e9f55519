"""One JSON ``queues`` entry (spec version 2) -> a ``QueueSettingsIntent`` plus its problems.

The schema (``kinds/queues/schema.queue_entry_issues``) decides what is structurally wrong (types,
enums, ranges, unknown keys); this module adds what a schema cannot see (keys repeated in the
raw text, NaN) and builds the intent from the parts that are right, so the rules that need
the whole entry (``rules``) still run on an entry with one bad value.
"""

from __future__ import annotations

import math
from typing import Any

from bulkops.kinds.members.intent import MemberActivationIntent
from bulkops.kinds.queues.intent import MediaIntent, QueueSelector, QueueSettingsIntent, RingIntent
from bulkops.kinds.queues.schema import queue_entry_issues
from bulkops.spec.schemacheck import Issue, Path, repeated_keys


def read_queue_entry(obj: Any, line: int) -> tuple[QueueSettingsIntent | None, list[Issue]]:
    """Validate one entry; the intent is None when its queue is unusable."""
    issues = queue_entry_issues(obj)
    if not isinstance(obj, dict):
        return None, issues
    issues += repeated_keys(obj, ())
    bad = {path for path, _, _ in issues}
    queue = obj.get("queue")
    selector = _selector(obj, bad)
    if "queue" in obj and "queues" in obj:
        issues.append((("queues",), "key", "an entry names its queue ('queue') or its queues ('queues': namePattern, division), not both"))
        return None, issues
    if selector is None and (not isinstance(queue, str) or ("queue",) in bad):
        return None, issues
    issues += both_alls(obj)
    values = _Values(bad, issues)
    media, rings = _media_intents(obj, values), _ring_intents(obj, values)  # before acw: NaN issues in the entry's order
    acw = _object(obj, "acw")
    intent = QueueSettingsIntent(
        queue=queue.strip() if isinstance(queue, str) else "",
        skill_evaluation_method=obj.get("skillEvaluationMethod") if ("skillEvaluationMethod",) not in bad else None,
        acw_wrapup_prompt=acw.get("wrapupPrompt") if ("acw", "wrapupPrompt") not in bad else None,
        acw_timeout_ms=acw.get("timeoutMs") if values.ok(("acw", "timeoutMs"), acw.get("timeoutMs"), int) else None,
        media=media,
        rings=rings,
        add_wrapup_codes=_names(obj, "addWrapupCodes", bad),
        remove_wrapup_codes=_names(obj, "removeWrapupCodes", bad),
        line=line,
        members=_members(obj, bad),
        selector=selector,
    )
    return intent, issues


def both_alls(obj: dict[str, Any]) -> list[Issue]:
    """``members`` with both ``activateAll`` and ``deactivateAll`` true: one issue, else none."""
    members = obj.get("members")
    if isinstance(members, dict) and members.get("activateAll") is True and members.get("deactivateAll") is True:
        return [(("members", "deactivateAll"), "key", "'activateAll' and 'deactivateAll' together: name one (the other list holds the exceptions)")]
    return []


class _Values:
    """Which values of an entry the intent may take: present, of the right type, not already at fault;
    a NaN is a new issue (the schema sees a number)."""

    def __init__(self, bad: set[Path], issues: list[Issue]) -> None:
        self.bad = bad
        self.issues = issues

    def ok(self, path: Path, value: Any, kind: type | tuple[type, ...]) -> bool:
        if value is None or path in self.bad or isinstance(value, bool) or not isinstance(value, kind):
            return False
        if isinstance(value, float) and math.isnan(value):
            self.issues.append((path, "value", f"{'.'.join(map(str, path))!r} is not a number (NaN)"))
            return False
        return True


def _media_intents(obj: dict[str, Any], values: _Values) -> dict[str, MediaIntent]:
    """``media``: each usable media type's alerting timeout and service level (None where not usable)."""
    media: dict[str, MediaIntent] = {}
    for name, m in _object(obj, "media").items():
        if not isinstance(m, dict) or ("media", name) in values.bad:
            continue
        level = _object(m, "serviceLevel")
        at = ("media", name)
        media[name] = MediaIntent(
            m["alertingTimeoutSeconds"] if values.ok(at + ("alertingTimeoutSeconds",), m.get("alertingTimeoutSeconds"), int) else None,
            float(level["percentage"]) if values.ok(at + ("serviceLevel", "percentage"), level.get("percentage"), (int, float)) else None,
            level["durationMs"] if values.ok(at + ("serviceLevel", "durationMs"), level.get("durationMs"), int) else None,
        )
    return media


def _ring_intents(obj: dict[str, Any], values: _Values) -> dict[int, RingIntent]:
    """``rings``: each usable ring's timeout and the skills it drops (None where not usable)."""
    rings: dict[int, RingIntent] = {}
    for number, r in _object(obj, "rings").items():
        if not isinstance(r, dict) or ("rings", number) in values.bad:
            continue
        at = ("rings", number)
        skills = r.get("skillsToRemove")
        skills_ok = isinstance(skills, list) and not any(p[: len(at) + 1] == at + ("skillsToRemove",) for p in values.bad)
        rings[int(number)] = RingIntent(
            float(r["timeoutSeconds"]) if values.ok(at + ("timeoutSeconds",), r.get("timeoutSeconds"), (int, float)) else None,
            tuple(s.strip() for s in skills) if skills_ok and isinstance(skills, list) else None,
        )
    return rings


def _selector(obj: dict[str, Any], bad: set[Path]) -> QueueSelector | None:
    """``queues``: the queues an entry names by a name pattern and/or a division."""
    v = obj.get("queues")
    if not isinstance(v, dict) or any(p[:1] == ("queues",) for p in bad):
        return None
    pattern, division = v.get("namePattern"), v.get("division")
    if not isinstance(pattern, str) and not isinstance(division, str):
        return None
    return QueueSelector(pattern.strip() if isinstance(pattern, str) else None, division.strip() if isinstance(division, str) else None)


def _members(obj: dict[str, Any], bad: set[Path]) -> MemberActivationIntent | None:
    """``members``: who is activated (joined) and deactivated; None when absent or unreadable."""
    v = obj.get("members")
    if not isinstance(v, dict) or any(p[:1] == ("members",) for p in bad):
        return None
    if v.get("activateAll") is True and v.get("deactivateAll") is True:
        return None  # ``both_alls`` says so
    rest = True if v.get("activateAll") is True else False if v.get("deactivateAll") is True else None
    return MemberActivationIntent(_names(v, "activate", set()), _names(v, "deactivate", set()), rest)


def _object(obj: dict[str, Any], key: str) -> dict[str, Any]:
    v = obj.get(key)
    return v if isinstance(v, dict) else {}


def _names(obj: dict[str, Any], key: str, bad: set[Path]) -> tuple[str, ...]:
    v = obj.get(key)
    if not isinstance(v, list) or any(p[:1] == (key,) for p in bad):
        return ()
    return tuple(s.strip() for s in v)


def queue_field_path(obj: Any, name: str) -> tuple[Path, str]:
    """Where an entry's setting is written: (path, part); an absent one at the entry's 'queue' (or 'queues')."""
    parts: Path = tuple(name.split("."))
    node = obj
    for p in parts:
        if not isinstance(node, dict) or p not in node:
            named = next((k for k in ("queue", "queues") if isinstance(obj, dict) and k in obj), None)
            return ((named,), "value") if named else ((), "value")
        node = node[p]
    return parts, "value"
