"""The ``change`` cell of ``items.csv``: what an item of another kind changed, in a few words.

A skill definition says its action (and division); a queue its settings before and after (ring
skills by name), the wrap-up codes added and removed (by name); a queue's member activation who
it activated and deactivated. Built from the item's last audit line (``changes``), the audit
keeping ids where the job's catalogue (``names``) has the name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Members named in one cell before "... and N more".
SHOWN = 10


def change_text(kind: str | None, changes: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
    if kind == "queue":
        return queue_change_text(changes, names) or None
    if kind == "queue_members":
        return members_change_text(changes) or None
    return " ".join(str(v) for k, v in changes.items() if k in ("op", "division")) or None


def queue_change_text(changes: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """``skillEvaluationMethod BEST -> ALL; add wrap-up codes Resolved; remove wrap-up codes Wrong Number``."""
    said = [f"{path} {_value(c.get('before'), names)} -> {_value(c.get('after'), names)}" for path, c in (changes.get("settings") or {}).items()]
    codes = changes.get("wrapupCodeNames") or {}
    for key, verb in (("addWrapupCodes", "add"), ("removeWrapupCodes", "remove")):
        if changes.get(key):
            said.append(f"{verb} wrap-up codes " + ", ".join(codes.get(c, names.get(c, c)) for c in changes[key]))
    return "; ".join(said)


def members_change_text(changes: Mapping[str, Any]) -> str:
    """``activate a@x, b@x; deactivate c@x`` (at most ``SHOWN`` each)."""
    said = []
    for key in ("activate", "deactivate"):
        who = list(changes.get(key) or [])
        if who:
            more = f" ... and {len(who) - SHOWN} more" if len(who) > SHOWN else ""
            said.append(f"{key} {len(who)}: " + ", ".join(who[:SHOWN]) + more)
    return "; ".join(said)


def _value(v: Any, names: Mapping[str, str]) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, list):
        return "[" + ", ".join(sorted(names.get(str(x), str(x)) for x in v)) + "]"
    return str(v)
