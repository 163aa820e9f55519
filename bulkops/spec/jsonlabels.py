"""One JSON ``utilizationLabels`` entry (spec version 2) -> a ``LabelIntent`` plus its problems,
and the rules across entries (one entry per label, names compared ignoring case as the API does).

The schema (``schemacheck.label_entry_issues``) says what is structurally wrong; this module adds
what it cannot: the API's name rules for a new label, ``force`` only with a delete, a capacity
only with a create, keys repeated in the raw text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bulkops.domain.utilabels import LabelIntent, LabelOp, label_key, label_name_problem
from bulkops.spec.schemacheck import Issue, label_entry_issues
from bulkops.spec.validate import At, Problems

#: Where one entry's key is written (its value; an absent key at the entry's start).
LocateKey = Callable[[str], At]


def read_label_entry(obj: Any, line: int) -> tuple[LabelIntent | None, list[Issue]]:
    """Validate one entry; the intent is None when it cannot be used."""
    issues = label_entry_issues(obj)
    if not isinstance(obj, dict):
        return None, issues
    issues += [((k,), "key", f"key {k!r} appears more than once") for k in getattr(obj, "dups", ())]
    if issues:
        return None, issues
    op: LabelOp = "create" if "create" in obj else "delete"
    name = obj[op]
    if op == "create":
        why = label_name_problem(name)
        if why is not None:
            issues.append((("create",), "value", f"label {name!r}: {why}"))
    elif "maximumCapacity" in obj:
        issues.append((("maximumCapacity",), "key", "'maximumCapacity' goes only with create (a deleted label has no capacity)"))
    if op == "create" and "force" in obj:
        issues.append((("force",), "key", "'force' goes only with delete"))
    if issues:
        return None, issues
    return LabelIntent(op, name if op == "create" else name.strip(), bool(obj.get("force", False)), obj.get("maximumCapacity"), line), []


@dataclass
class LabelLedger:
    """Every entry in order, one per label (case ignored): the same label in a second entry is
    reported there, unless it says exactly the same (then it is kept once)."""

    entries: list[LabelIntent] = field(default_factory=list)
    _by_name: dict[str, int] = field(default_factory=dict)

    def admit(self, intent: LabelIntent, locate: LocateKey, problems: Problems) -> None:
        key = label_key(intent.name)
        first = self._by_name.get(key)
        if first is None:
            self._by_name[key] = len(self.entries)
            self.entries.append(intent)
            return
        prev = self.entries[first]
        if (prev.op, prev.name, prev.force, prev.maximum_capacity) == (intent.op, intent.name, intent.force, intent.maximum_capacity):
            return
        problems.add(
            locate(intent.op),
            f"label {intent.name!r} is already in the entry on line {prev.line} (as {prev.name!r}; names are compared ignoring case): one entry per label",
        )

    def finish(self) -> list[LabelIntent]:
        return list(self.entries)
