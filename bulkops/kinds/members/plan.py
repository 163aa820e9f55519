"""How plan says a queue's member activation in words (#18): who is activated and deactivated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bulkops.kinds.members.intent import MembersItem


def describe_members(members: Mapping[str, Any] | None) -> list[str]:
    """``activate 2 member(s): a@x, b@x``, ``deactivate ...``, ``members already so: 40``."""
    if not members:
        return []
    said = []
    for key in ("activate", "deactivate"):
        count = members.get(f"{key}_count") or 0
        if count:
            shown = ", ".join(members.get(key) or [])
            more = f", ... and {count - len(members.get(key) or [])} more" if count > len(members.get(key) or []) else ""
            said.append(f"{key} {count} member(s): {shown}{more}")
    if members.get("already"):
        said.append(f"members already so: {members['already']}")
    return said


def members_reduction(items: Iterable[MembersItem]) -> str | None:
    """Queue member activation: a member set to ``joined: false`` stops routing reaching it
    (``engine/plan/reduction``)."""
    if any(item.rest is False or not all(item.joined.values()) for item in items):
        return "a queue member is deactivated"
    return None
