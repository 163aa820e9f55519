"""One JSON ``utilizationLabels`` entry (spec version 2) -> a ``LabelIntent`` plus its problems,
and the rules across entries (one entry per label, names compared ignoring case as the API does).

The schema (``label_entry_issues``, worded here) says what is structurally wrong; this module adds
what it cannot: the API's name rules for a new label, ``force`` only with a delete, a capacity
only with a create, keys repeated in the raw text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jsonschema import ValidationError  # type: ignore[import-untyped]

from bulkops.kinds.labels.intent import LabelIntent, LabelOp, label_key, label_name_problem
from bulkops.spec.cells import did_you_mean
from bulkops.spec.schemacheck import SCHEMA_V2, Issue, compile_schema, issues_of, typename
from bulkops.spec.validate import At, Problems

#: Where one entry's key is written (its value; an absent key at the entry's start).
LocateKey = Callable[[str], At]


_VALIDATOR = compile_schema({"$schema": SCHEMA_V2["$schema"], "$ref": "#/$defs/labelEntry"}, SCHEMA_V2)

_LABEL_KEYS: tuple[str, ...] = tuple(SCHEMA_V2["$defs"]["labelEntry"]["properties"])


def _label_entry_issue(error: ValidationError) -> Iterator[Issue]:
    """Errors in one utilizationLabels entry, worded by where they are."""
    path = tuple(error.absolute_path)
    inst = error.instance
    if not path:
        if error.validator == "additionalProperties" and isinstance(inst, dict):
            for k in inst:
                if k not in _LABEL_KEYS:
                    yield (k,), "key", f"unknown key {k!r} in a utilizationLabels entry{did_you_mean(k, _LABEL_KEYS)}"
        elif error.validator == "oneOf" and isinstance(inst, dict):
            if "create" in inst and "delete" in inst:
                yield ("delete",), "key", "one action per entry: this one has 'create' and 'delete'"
            elif _LABEL_KEYS and set(inst) <= set(_LABEL_KEYS):  # else an unknown key (a misspelt action?) says it
                yield (), "value", 'missing action: an entry is {"create": "Name"} or {"delete": "Name"}'
        else:
            yield (), "value", f"each utilizationLabels entry must be a JSON object, got {typename(inst)}"
        return
    key = path[0]
    if key in ("create", "delete"):
        yield path, "value", f"{key!r} must be a label name (a non-empty string), got {typename(inst) if not isinstance(inst, str) else repr(inst)}"
    elif key == "force":
        yield path, "value", f"'force' must be true or false, got {typename(inst)}"
    else:
        yield path, "value", f"{key!r} must be an integer from 0 to 25, got {inst!r}"


def label_entry_issues(obj: Any) -> list[Issue]:
    """Problems the schema finds in one utilizationLabels entry."""
    return issues_of(_VALIDATOR, obj, _label_entry_issue)


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
