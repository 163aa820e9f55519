"""``items.csv``'s change cell for a queue's settings: each setting before and after (ring skills by
name), the wrap-up codes added and removed (by name), from the item's last audit line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def queue_change_text(changes: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """``skillEvaluationMethod BEST -> ALL; add wrap-up codes Resolved; remove wrap-up codes Wrong Number``."""
    said = [f"{path} {_value(c.get('before'), names)} -> {_value(c.get('after'), names)}" for path, c in (changes.get("settings") or {}).items()]
    codes = changes.get("wrapupCodeNames") or {}
    for key, verb in (("addWrapupCodes", "add"), ("removeWrapupCodes", "remove")):
        if changes.get(key):
            said.append(f"{verb} wrap-up codes " + ", ".join(codes.get(c, names.get(c, c)) for c in changes[key]))
    return "; ".join(said)


def _value(v: Any, names: Mapping[str, str]) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, list):
        return "[" + ", ".join(sorted(names.get(str(x), str(x)) for x in v)) + "]"
    return str(v)
