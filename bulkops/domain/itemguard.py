"""The undo's guard for items of the other kinds (a queue, a skill definition, a utilization
setting ...): restore a part only where the org still holds what the undone job wrote.

An undo item names the *parts* of one object the job changed (a queue's setting by path, one
member's activation, one media type of a utilization setting ...), each with the value before
the job (``restore``) and the value the job wrote (``written``), in the kind's own plain JSON
form. Just before the write the kind reads the object and gives the same parts as they are now.
A part found at the value to restore needs nothing; found at what the job wrote, it is restored;
found at anything else, someone changed it since, and it is held back: left as it is and reported
with all three values, for a person to decide. The other parts of the object are not compared and
not written (a queue's other settings stay as they are).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ItemGuard:
    """What an undo item restores, part by part: the values before the undone job, the values
    it wrote, and how people name each part (a member's email for a user id)."""

    restore: Mapping[str, Any]
    written: Mapping[str, Any]
    names: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"restore": dict(self.restore), "written": dict(self.written), "names": dict(self.names)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ItemGuard:
        return cls(dict(d.get("restore") or {}), dict(d.get("written") or {}), dict(d.get("names") or {}))


@dataclass(frozen=True, slots=True)
class HeldPart:
    """One part an undo did not restore: before the job, written by it, now (the shape of
    ``domain.guard.HeldBack``, with the kind as its element and the part as its key)."""

    element: str
    key: str
    before: Any
    written: Any
    now: Any
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        out = {"element": self.element, "key": self.key, "before": self.before, "written": self.written, "now": self.now}
        return out | ({"name": self.name} if self.name and self.name != self.key else {})

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> HeldPart:
        return cls(str(d["element"]), str(d["key"]), d.get("before"), d.get("written"), d.get("now"), str(d.get("name") or ""))

    def describe(self) -> str:
        return f"{self.name or self.key} (before the job {show(self.before)}, written by it {show(self.written)}, now {show(self.now)})"


def same(a: Any, b: Any) -> bool:
    """Plain JSON values compared as the API compares them: numbers as numbers, lists as given."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def hold_back_parts(kind: str, now: Mapping[str, Any], guard: ItemGuard) -> tuple[frozenset[str], tuple[HeldPart, ...]]:
    """(the parts to restore, the parts held back). A part ``now`` does not give is absent (None)."""
    keep: set[str] = set()
    held: list[HeldPart] = []
    for part, target in guard.restore.items():
        current, written = now.get(part), guard.written.get(part)
        if same(current, target) or same(current, written):
            keep.add(part)
        else:
            held.append(HeldPart(kind, part, target, written, current, guard.names.get(part, "")))
    return frozenset(keep), tuple(held)


def to_restore(now: Mapping[str, Any], guard: ItemGuard, keep: frozenset[str]) -> dict[str, tuple[Any, Any]]:
    """Part -> (now, value restored) for each kept part not at its value before the job yet."""
    return {p: (now.get(p), guard.restore[p]) for p in sorted(keep) if not same(now.get(p), guard.restore[p])}


def show(value: Any) -> str:
    """A part's value for people: (none) for absent, numbers as %g, objects compactly."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{float(value):g}"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)
