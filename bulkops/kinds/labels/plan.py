"""What ``plan`` says of the utilizationLabels section: each label's action in words, and the requests it costs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def label_requests(line: Mapping[str, Any]) -> int:
    """A label's requests in a run: the phase's one listing is shared; a create is one POST, a delete
    one DELETE (and, without force, the agents read just before it)."""
    if line.get("exists_already"):
        return 0
    return 1 if line["action"] == "create" or line.get("force") else 2


def describe_label_line(line: dict[str, Any]) -> str:
    """One utilization label of a plan, in words."""
    name = repr(line["label"])
    if line["action"] == "create":
        capacity = f" with maximumCapacity {line['maximum_capacity']}" if line.get("maximum_capacity") is not None else ""
        if line.get("exists_already"):
            return f"{name}: create{capacity} (exists already as {line['exists_already']!r}: nothing to do)"
        return f"{name}: create{capacity}, before the users"
    users = line["agents"]
    shown = ", ".join(line["used_by"]) + (", ..." if users > len(line["used_by"]) else "")
    used = f"; used by {users} agent(s): {shown} (force: it leaves their settings)" if users else "; used by no agent"
    return f"{name}: delete, after every other change{used}"
