"""A utilization setting's parts and values in words, as the undo's plan says them (both the users'
utilization and the org default): ``label.<id>`` as the label's name, ``media.chat`` as ``chat``, a
setting or a capacity spelled out, ids by name where the org's names know them (#28 §5)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bulkops.domain.itemguard import show


def part_words(part: str, names: Mapping[str, str]) -> str:
    """``label.<id>`` as ``label <name>``, ``media.chat`` as ``chat``; another part as it is."""
    head, _, rest = part.partition(".")
    if head == "label" and rest:
        return f"label {names.get(rest, rest)}"
    return rest if head == "media" and rest else part


def value_words(value: Any, names: Mapping[str, str]) -> str:
    """A part's value in words: an id by its name, a utilization setting or capacity spelled out."""
    if isinstance(value, str):
        return repr(names.get(value, value))
    if isinstance(value, Mapping) and ("utilization" in value or "labelUtilizations" in value):
        return f"[{setting_words(value, names)}]"
    if isinstance(value, Mapping) and "maximumCapacity" in value:
        return capacity_words(value, names)
    return show(value)


def setting_words(setting: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """``call 1, chat 3, email 3 (interruptible by call); label VIP 1``."""
    media = setting.get("utilization") or {}
    labels = setting.get("labelUtilizations") or {}
    said = ", ".join(f"{m} {capacity_words(c, names)}" for m, c in media.items() if isinstance(c, Mapping))
    if labels:
        said += "; " + ", ".join(f"label {names.get(i, i)} {capacity_words(c, names)}" for i, c in labels.items() if isinstance(c, Mapping))
    return said or "(empty)"


def capacity_words(capacity: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """``3 (interruptible by call, non-ACD counted)``: the capacity, then what the API's flags say."""
    extras = []
    if capacity.get("interruptableMediaTypes"):
        extras.append("interruptible by " + ", ".join(map(str, capacity["interruptableMediaTypes"])))
    if capacity.get("interruptingLabelIds"):
        extras.append("interrupted by label " + ", ".join(names.get(i, i) for i in capacity["interruptingLabelIds"]))
    if capacity.get("includeNonAcd"):
        extras.append("non-ACD counted")
    return show(capacity.get("maximumCapacity")) + (f" ({', '.join(extras)})" if extras else "")
