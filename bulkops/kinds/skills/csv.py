"""The CSV form of skill definitions: ``action,skill,division,into,proficiency,levels,delete``.

One row per entry, the same entries as a JSON version 2 ``skills`` section. ``action``
and ``skill`` are required columns, the others optional, in any order after ``action``
(which must come first: that is how ``open_spec`` tells this form from the user forms).
Such a file carries no users. Rows are few (a taxonomy, not a matrix), so they are kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from bulkops.domain.model import UserIntent
from bulkops.kinds.skills.intent import ACTIONS, SkillAction, SkillDefinitionIntent
from bulkops.kinds.skills.rules import FIELDS, DefinitionLedger, LocateField, check_entry
from bulkops.spec.cells import USER_HEADERS, CellError, did_you_mean, parse_proficiency
from bulkops.spec.csvio import CsvForm
from bulkops.spec.validate import At, Locate, Problems

_TRUE = frozenset({"true", "yes", "y", "1", "x"})
_FALSE = frozenset({"false", "no", "n", "0", ""})
#: Separators between ``old:new`` pairs in a levels cell (quote the cell when the file's
#: delimiter is ``;``).
_PAIR_SEPARATORS = (";", "|")


def is_definitions_header(header: list[str]) -> bool:
    """The header starts with ``action`` and names no user column (the long form may have
    an ``action`` column too, but always a user one)."""
    names = [h.strip().casefold() for h in header]
    return bool(names) and names[0] == "action" and not USER_HEADERS & set(names)


class SkillDefsCsv(CsvForm):
    """Reader for the skill-definition CSV (see docs/spec-format.md); yields no users."""

    _definitions: list[SkillDefinitionIntent] | None = None

    def sections(self) -> Mapping[str, Any]:
        """The rows as the last ``read`` found them: the skills section (kind ``skill``)."""
        return {"skill": list(self._definitions or ())}

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        self._definitions = []
        started = self.start(problems, self._header)
        if started is None:
            return
        rows, header_line, header, columns = started
        ledger = DefinitionLedger()
        seen_rows = False
        for line, row in rows:
            seen_rows = True
            intent = _Row(line, row, columns, len(header), self.delimiter != ",", problems).intent()
            if intent is not None:
                locate = _locator(line, columns)
                check_entry(intent, locate, problems)
                ledger.admit(intent, locate, problems)
        if not seen_rows and not problems:
            problems.add(At(header_line, 1), "no skill definition rows after the header")
        self._definitions = ledger.finish(problems)
        yield from ()

    def _header(self, line: int, header: list[str], problems: Problems) -> dict[str, int] | None:
        """Column name -> field index; None (reported) without an action or skill column."""
        found: dict[str, int] = {}
        for i, text in enumerate(header):
            key = text.strip().casefold()
            if key not in FIELDS:
                if not key and i == len(header) - 1:
                    continue  # trailing delimiter
                problems.add(
                    At(line, 1, i),
                    f"unknown column {text.strip()!r} in a skill definition CSV{did_you_mean(key, FIELDS)}; columns are " + ", ".join(FIELDS),
                )
                continue
            if key in found:
                problems.add(At(line, 1, i), f"duplicate column {text.strip()!r} (same as column {found[key] + 1})")
                continue
            found[key] = i
        if "skill" not in found:
            problems.add(At(line, 1, 0), "a skill definition CSV needs a 'skill' column (action,skill,division,into,proficiency,levels,delete)")
            return None
        return found


class _Row:
    """One row's cells, read into an entry; each unreadable cell is a problem at it."""

    def __init__(self, line: int, row: list[str], columns: dict[str, int], width: int, decimal_comma: bool, problems: Problems):
        self.line, self.row, self.columns, self.decimal_comma, self.problems = line, row, columns, decimal_comma, problems
        if len(row) > width and any(c.strip() for c in row[width:]):
            problems.add(At(line, 1, width), f"row has {len(row)} cells but the header has {width}")

    def cell(self, name: str) -> str:
        i = self.columns.get(name, -1)
        return self.row[i].strip() if 0 <= i < len(self.row) else ""

    def bad(self, name: str, message: str) -> None:
        self.problems.add(At(self.line, 1, self.columns[name]), message)

    def intent(self) -> SkillDefinitionIntent | None:
        action = self._action()
        skill = self.cell("skill")
        if not skill:
            self.bad("skill", "missing skill name")
        proficiency = self._level("proficiency", self.cell("proficiency"))
        levels = self._levels()
        delete = self._flag()
        if action is None or not skill:
            return None
        return SkillDefinitionIntent(
            action=action,
            skill=skill,
            division=self.cell("division") or None,
            into=self.cell("into") or None,
            proficiency=proficiency,
            levels=levels,
            delete=delete,
            line=self.line,
        )

    def _action(self) -> SkillAction | None:
        text = self.cell("action")
        for action in ACTIONS:
            if text.casefold() == action:
                return action
        if not text:
            self.bad("action", "missing action: one of " + ", ".join(ACTIONS))
        else:
            self.bad("action", f"unknown action {text!r}{did_you_mean(text, ACTIONS)}; actions are " + ", ".join(ACTIONS))
        return None

    def _level(self, name: str, text: str, what: str = "proficiency") -> float | None:
        if not text:
            return None
        try:
            return parse_proficiency(text, decimal_comma=self.decimal_comma)
        except CellError as e:
            said = str(e)
            self.bad(name, said if what == "proficiency" and said.startswith(what) else f"{what}: {said}")
            return None

    def _levels(self) -> dict[float, float]:
        """``1:2;5:4``: old proficiency -> new."""
        text = self.cell("levels")
        out: dict[float, float] = {}
        if not text:
            return out
        for sep in _PAIR_SEPARATORS[1:]:
            text = text.replace(sep, _PAIR_SEPARATORS[0])
        for pair in filter(None, (p.strip() for p in text.split(_PAIR_SEPARATORS[0]))):
            old_text, colon, new_text = pair.partition(":")
            if not colon or not old_text.strip() or not new_text.strip():
                self.bad("levels", f"levels: {pair!r} is not old:new (e.g. 1:2;5:4)")
                continue
            old = self._level("levels", old_text.strip(), f"levels {pair!r}, old")
            new = self._level("levels", new_text.strip(), f"levels {pair!r}, new")
            if old is None or new is None:
                continue
            if old in out:
                self.bad("levels", f"levels: proficiency {old:g} is mapped twice")
                continue
            out[old] = new
        return out

    def _flag(self) -> bool:
        text = self.cell("delete").casefold()
        if text in _TRUE:
            return True
        if text not in _FALSE:
            self.bad("delete", f"delete: {self.cell('delete')!r} is not true or false (blank means false)")
        return False


def _locator(line: int, columns: dict[str, int]) -> LocateField:
    def locate(name: str) -> At:
        i = columns.get(name, columns.get("action", 0))
        return At(line, 1, i)

    return locate
