"""The rules of skill definitions that both forms share (JSON version 2 and the CSV form).

The JSON schema says what each key holds; the CSV reader parses its cells. What is left
is the same for both and lives here: which fields go with which action (``entry_problems``)
and what two entries may not say about one skill (``DefinitionLedger``). Names are
compared case-insensitively (``fold``), as the org compares them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from bulkops.kinds.skills.intent import SkillDefinitionIntent
from bulkops.kinds.skills.schema import DELETE_FLAG_ONLY_WITH_MIGRATE
from bulkops.spec.cells import fold
from bulkops.spec.textrules import definition_lengths
from bulkops.spec.validate import At, Problems

#: An entry's fields, as the CSV columns name them (JSON: the action key is "action" and its
#: value "skill"); a problem is placed at one of them.
FIELDS: tuple[str, ...] = ("action", "skill", "division", "into", "proficiency", "levels", "delete")

#: Where one entry's field is written: field name -> At (the entry's action when it lacks it).
LocateField = Callable[[str], At]


def entry_problems(d: SkillDefinitionIntent, written: Collection[str] = ()) -> list[tuple[str, str]]:
    """(field, message) for each rule one entry breaks on its own. ``written``: fields the
    entry has whose value was refused (already reported): not missing, so not reported again."""
    out: list[tuple[str, str]] = []
    if d.action == "move" and d.division is None and "division" not in written:
        out.append(("action", f"move {d.skill!r} needs a division (the one to move it to)"))
    if d.division is not None and d.action not in ("create", "move"):
        out.append(("division", f"'division' goes only with create or move, not with {d.action}"))
    if d.action != "migrate":
        for name, given in (("into", d.into is not None), ("proficiency", d.proficiency is not None), ("levels", bool(d.levels))):
            if given:
                out.append((name, f"{name!r} goes only with migrate, not with {d.action}"))
        if d.delete:
            out.append(("delete", DELETE_FLAG_ONLY_WITH_MIGRATE))
        return out
    if d.into is None:
        if "into" not in written:
            out.append(("action", f"migrate {d.skill!r} needs 'into': the skill its holders get instead"))
    elif fold(d.into) == fold(d.skill):
        out.append(("into", f"migrate {d.skill!r} into itself: 'into' must name another skill"))
    if d.proficiency is not None and d.levels:
        out.append(("levels", "'proficiency' and 'levels' together: give one new proficiency for every holder, or a mapping, not both"))
    return out


def check_entry(d: SkillDefinitionIntent, locate: LocateField, problems: Problems, written: Collection[str] = ()) -> None:
    for name, message in entry_problems(d, written) + definition_lengths(d):
        problems.add(locate(name), message)


def describe(d: SkillDefinitionIntent) -> str:
    """An entry in a few words, for messages."""
    if d.action == "move" and d.division is not None:
        return f"move to {d.division!r}"
    if d.action == "migrate":
        return f"migrate into {d.into!r}" + (" and delete" if d.delete else "")
    if d.action == "create" and d.division is not None:
        return f"create in {d.division!r}"
    return d.action


def _same(a: SkillDefinitionIntent, b: SkillDefinitionIntent) -> bool:
    """Two entries asking for the same thing (names compared case-insensitively)."""

    def key(d: SkillDefinitionIntent) -> tuple[object, ...]:
        names = tuple(None if n is None else fold(n) for n in (d.skill, d.division, d.into))
        return (d.action, names, d.proficiency, dict(d.levels), d.delete)

    return key(a) == key(b)


@dataclass
class DefinitionLedger:
    """Every entry of one spec in order, one per skill: a skill in a second entry that asks
    for anything else (create and delete, two moves to different divisions, migrate twice)
    contradicts the first and is reported there; the same entry twice is kept once."""

    entries: list[tuple[SkillDefinitionIntent, LocateField]] = field(default_factory=list)
    _by_skill: dict[str, int] = field(default_factory=dict)

    def admit(self, d: SkillDefinitionIntent, locate: LocateField, problems: Problems) -> None:
        key = fold(d.skill)
        first = self._by_skill.get(key)
        if first is None:
            self._by_skill[key] = len(self.entries)
            self.entries.append((d, locate))
            return
        prev = self.entries[first][0]
        if not _same(prev, d):
            problems.add(
                locate("skill"),
                f"skill {d.skill!r} is already in the entry on line {prev.line} ({describe(prev)}); "
                f"this one ({describe(d)}) contradicts it: one entry per skill",
            )

    def finish(self, problems: Problems) -> list[SkillDefinitionIntent]:
        """Checks across entries (a migration into a skill the spec removes), then the entries."""
        for d, locate in self.entries:
            if d.action != "migrate" or d.into is None or fold(d.into) == fold(d.skill):
                continue
            at = self._by_skill.get(fold(d.into))
            if at is None:
                continue
            target = self.entries[at][0]
            if target.action == "delete" or (target.action == "migrate" and target.delete):
                problems.add(locate("into"), f"migrate {d.skill!r} into {d.into!r}, which this spec deletes (line {target.line})")
            elif target.action == "migrate":
                problems.add(
                    locate("into"),
                    f"migrate {d.skill!r} into {d.into!r}, which this spec migrates into {target.into!r} (line {target.line}): "
                    f"migrate {d.skill!r} into {target.into!r} directly",
                )
        return [d for d, _ in self.entries]
