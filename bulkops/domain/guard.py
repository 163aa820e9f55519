"""Hold back what someone else changed since: the check an undo makes before it restores.

An undo restores each element (a skill, a language, a field, the division) to what it was
before the undone job, but only where the org still holds what that job wrote. Found at the
value to restore, the element needs nothing; found at anything else, another administrator or a
later job changed it since, and overwriting it would undo their work: the element is taken out
of the intent and reported with all three values, for a person to decide.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bulkops.domain.model import ResolvedIntent, UserState

Element = Literal["skill", "language", "field", "division"]


@dataclass(frozen=True, slots=True)
class HeldBack:
    """One element an undo did not restore: what it was before the job, what the job wrote, what
    it is now (``None``: absent or empty). ``key`` is the skill or language id, or the field name."""

    element: Element
    key: str
    before: float | str | None
    written: float | str | None
    now: float | str | None

    def to_json(self) -> dict[str, object]:
        return {"element": self.element, "key": self.key, "before": self.before, "written": self.written, "now": self.now}

    @classmethod
    def from_json(cls, d: Mapping[str, object]) -> HeldBack:
        def value(v: object) -> float | str | None:
            return v if isinstance(v, (float, int, str)) and not isinstance(v, bool) else None

        element = str(d["element"])
        if element not in ("skill", "language", "field", "division"):
            raise ValueError(f"unknown element {element!r}")
        return cls(element, str(d["key"]), value(d.get("before")), value(d.get("written")), value(d.get("now")))  # type: ignore[arg-type]


def hold_back(state: UserState, intent: ResolvedIntent) -> tuple[ResolvedIntent, tuple[HeldBack, ...]]:
    """The intent without the elements changed since the undone job, and those elements.

    An intent without ``expect`` (every ordinary job) is returned as it is."""
    expect = intent.expect
    if expect is None:
        return intent, ()
    held: list[HeldBack] = []
    skills, remove_skills = _levels("skill", state.skills, intent.skills, intent.remove_skills, expect.skills, held)
    languages, remove_languages = _levels("language", state.languages, intent.languages, intent.remove_languages, expect.languages, held)
    fields = dict(intent.fields)
    for name, written in expect.fields.items():
        if name not in fields:
            continue
        now, target = getattr(state, name) or None, fields[name] or None
        if now not in (target, written or None):
            held.append(HeldBack("field", name, target, written, now))
            del fields[name]
    division = intent.division
    if division and expect.division and state.division not in (division, expect.division):
        held.append(HeldBack("division", "division", division, expect.division, state.division))
        division = None
    if not held:
        return intent, ()
    narrowed = dataclasses.replace(
        intent, skills=skills, remove_skills=remove_skills, languages=languages, remove_languages=remove_languages, fields=fields, division=division
    )
    return ResolvedIntent(narrowed), tuple(held)


def _levels(
    element: Element,
    now: Mapping[str, float],
    sets: Mapping[str, float],
    removes: frozenset[str],
    expected: Mapping[str, float | None],
    held: list[HeldBack],
) -> tuple[dict[str, float], frozenset[str]]:
    keep_sets, keep_removes = dict(sets), set(removes)
    for key, written in expected.items():
        if key in sets:
            target: float | None = float(sets[key])
        elif key in removes:
            target = None
        else:
            continue
        current = now.get(key)
        if current != target and current != written:
            held.append(HeldBack(element, key, target, written, current))
            keep_sets.pop(key, None)
            keep_removes.discard(key)
    return keep_sets, frozenset(keep_removes)
