"""What ``plan`` says of the org default utilization (#19): each named part before and after, in
names, from set-up's one read of the default; and what the run will spend on it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def default_requests(line: Mapping[str, Any] | None) -> int:
    """The org default's requests in a run: its read (and the labels'), and a PUT when something changes."""
    if line is None:
        return 0
    return int(line["reads"]) + (1 if line["changes"] else 0)


def describe_default_line(line: Mapping[str, Any]) -> str:
    """``email maximumCapacity 1 -> 2, interruptableMediaTypes [call, chat] -> [call]; label 'VIP' (none) -> maximumCapacity 1; already so: chat``."""
    said = [f"{_name(c['setting'])} {_parts(c['before'], c['after'])}" for c in line["changes"]]
    if line["already"]:
        said.append("already so: " + ", ".join(line["already"]))
    return "; ".join(said) if said else "nothing to do"


def _name(setting: str) -> str:
    return f"label {setting[len('label ') :]!r}" if setting.startswith("label ") else setting


def _parts(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> str:
    if before is None:
        return "(none) -> " + ", ".join(f"{k} {_value(v)}" for k, v in after.items())
    return ", ".join(f"{k} {_value(before.get(k))} -> {_value(v)}" for k, v in after.items() if before.get(k) != v)


def _value(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(map(str, v)) + "]"
    return str(v).lower() if isinstance(v, bool) else str(v)


def describe_utilization_change(changes: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
    """``items.csv``'s change cell for a utilization write (the org default's or a user's), from the
    audit's ``changes``: ``PUT call 1, chat 3 (interrupts call), email 2; label VIP 1``, or
    ``DELETE (back to the org default)``; None when nothing was written."""
    write = changes.get("write")
    if write == "DELETE":
        return "DELETE (back to the org default)"
    if write != "PUT":
        return None
    body = changes.get("body") or {}
    media = [f"{mt} {m.get('maximumCapacity')}" + _interrupts(m.get("interruptableMediaTypes")) for mt, m in (body.get("utilization") or {}).items()]
    labels = [
        f"label {names.get(lid, lid)} {x.get('maximumCapacity')}" + _interrupts([names.get(i, i) for i in x.get("interruptingLabelIds") or []])
        for lid, x in (body.get("labelUtilizations") or {}).items()
    ]
    return "PUT " + "; ".join(p for p in (", ".join(media), ", ".join(labels)) if p) if media or labels else "PUT (nothing named)"


def _interrupts(others: Any) -> str:
    return f" (interrupts {', '.join(map(str, others))})" if others else ""
