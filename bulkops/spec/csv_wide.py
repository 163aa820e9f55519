"""Wide CSV matrix: one row per user, one column per skill, language, reorg field or
utilization part (``util:`` columns, ``kinds/utilization/csv.py``).

Streamed row by row; the state kept across rows is the duplicate-user ledger and the rows'
utilization entries (small: a few numbers a user). A file with only ``util:`` columns yields
no user intents: its rows change nothing but the users' utilization.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from bulkops.domain.model import UserIntent
from bulkops.kinds.utilization.csv import UtilCell, UtilColumn, build_intent, is_util_header, util_column
from bulkops.kinds.utilization.entry import UtilizationLedger
from bulkops.kinds.utilization.intent import UserUtilizationIntent
from bulkops.spec.cells import (
    REMOVE,
    REMOVE_MARKERS,
    CellError,
    Column,
    classify_header,
    fold,
    parse_level,
    respell,
    split_list,
)
from bulkops.spec.csvio import CsvForm
from bulkops.spec.validate import At, Locate, Problems, UserLedger, admit_user, check_intent

#: Reorg attribute -> locator kind (what ``Locate`` is asked with).
_REORG_KIND = {
    "department": "department",
    "title": "title",
    "manager": "manager",
    "division": "division",
    "join_queues": "join",
    "leave_queues": "leave",
}


_MISS = object()


#: One row's skill and language cells: (skills, languages, skills removed, languages removed).
#: A plain tuple: a named one costs a Python-level call per row on the hot path.
_RowLevels = tuple[dict[str, float], dict[str, float], list[str], list[str]]


class _RowReorg(NamedTuple):
    """One row's @ cells."""

    fields: dict[str, str]
    division: str | None
    join: frozenset[str]
    leave: frozenset[str]


_NO_REORG = _RowReorg({}, None, frozenset(), frozenset())


class _Rows:
    """Turns wide rows into intents: the header's column layout, plus a cache of parsed
    level cells shared by every row (a matrix repeats a handful of distinct values)."""

    def __init__(self, columns: dict[int, Column], width: int, decimal_comma: bool, replace: bool, problems: Problems):
        self.levels: list[tuple[int, str, bool]] = []  # (index, name, is_language)
        self.reorgs: list[tuple[int, str]] = []
        self.utils: list[tuple[int, UtilColumn]] = []
        self.utilization = UtilizationLedger()
        self.where: dict[tuple[str, str], int] = {}  # (locator kind, folded name) -> column
        for i, col in columns.items():
            if col.kind == "util":
                self.utils.append((i, util_column(col.name)))
            elif col.kind in ("skill", "language"):
                self.levels.append((i, col.name, col.kind == "language"))
                self.where[(col.kind, fold(col.name))] = i
            elif col.kind == "reorg":
                self.reorgs.append((i, col.name))
                self.where[(_REORG_KIND[col.name], "")] = i
        self.width = width
        self.decimal_comma = decimal_comma
        self.replace = replace
        self.problems = problems
        self.cache: dict[str, object] = {}

    def intent(self, line: int, row: list[str]) -> UserIntent | None:
        """The row as an intent; None for a row without a user (a problem unless blank)."""
        n = len(row)
        if n > self.width and any(c.strip() for c in row[self.width :]):
            self.problems.add(At(line, 1, self.width), f"row has {n} cells but the header has {self.width}")
        skills, langs, rm_skills, rm_langs = levels = self._levels(line, row)
        fields, division, join, leave = reorg = self._reorg(line, row) if self.reorgs else _NO_REORG
        user = row[0].strip()
        cells = self._util_cells(line, row) if self.utils else []
        if not user:
            if any(levels) or any(reorg) or cells:
                self.problems.add(At(line, 1, 0), "missing user in the first column")
            return None
        if cells:
            util = build_intent(user, line, cells, At(line, 1, 0), self.problems)
            if util is not None:
                self.utilization.admit(util, lambda _: At(line, 1, 0), self.problems)
        if not self.levels and not self.reorgs:
            return None  # a file of util: columns only: no user change
        return UserIntent(
            user=user,
            skills=skills,
            remove_skills=frozenset(rm_skills),
            languages=langs,
            remove_languages=frozenset(rm_langs),
            fields=fields or {},  # a fresh dict: _NO_REORG is shared
            division=division,
            join_queues=join,
            leave_queues=leave,
            replace_skills=self.replace,
            line=line,
        )

    def _levels(self, line: int, row: list[str]) -> _RowLevels:
        """The hot path: one dict lookup per non-empty cell once its text has been seen."""
        skills: dict[str, float] = {}
        langs: dict[str, float] = {}
        rm_skills: list[str] = []
        rm_langs: list[str] = []
        n = len(row)
        cached = self.cache.get
        for i, name, is_lang in self.levels:
            if i >= n:
                break
            cell = row[i]
            if not cell:
                continue
            value = cached(cell, _MISS)
            if value is _MISS:
                try:
                    value = self.cache[cell] = parse_level(cell, decimal_comma=self.decimal_comma)
                except CellError as e:
                    self.problems.add(At(line, 1, i), f"{'language' if is_lang else 'skill'} {name!r}: {e}")
                    continue
            if value is None:
                continue
            if value is REMOVE:
                (rm_langs if is_lang else rm_skills).append(name)
            else:
                (langs if is_lang else skills)[name] = value  # type: ignore[assignment]
        return skills, langs, rm_skills, rm_langs

    def _util_cells(self, line: int, row: list[str]) -> list[UtilCell]:
        n = len(row)
        return [UtilCell(col, row[i], At(line, 1, i)) for i, col in self.utils if i < n and row[i].strip()]

    def _reorg(self, line: int, row: list[str]) -> _RowReorg:
        fields: dict[str, str] = {}
        lists: dict[str, frozenset[str]] = {}
        n = len(row)
        for i, attr in self.reorgs:
            text = row[i].strip() if i < n else ""
            if not text:
                continue
            if text.casefold() in REMOVE_MARKERS:
                self.problems.add(At(line, 1, i), f"@{attr}: {text!r} cannot clear a value; leave the cell blank to keep it")
            elif attr in ("join_queues", "leave_queues"):
                lists[attr] = frozenset(split_list(text))
            else:
                fields[attr] = text
        join = lists.get("join_queues", frozenset())
        return _RowReorg(fields, fields.pop("division", None), join, respell(lists.get("leave_queues", frozenset()), join))


class WideCsv(CsvForm):
    """Reader for the wide matrix form (see docs/spec-format.md)."""

    _utilization: list[UserUtilizationIntent] | None = None

    def sections(self) -> Mapping[str, Any]:
        """The rows' ``util:`` cells as the last ``read`` found them, one entry per user (kind ``utilization``)."""
        return {"utilization": list(self._utilization or [])}

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        self._utilization = []
        started = self.start(problems, self._header)
        if started is None:
            return
        rows, header_line, header, columns = started
        reader = _Rows(columns, len(header), self.delimiter != ",", self.mode == "replace", problems)
        ledger = UserLedger()
        seen_rows = False
        for line, row in rows:
            seen_rows = True
            intent = reader.intent(line, row)
            if intent is None:
                continue
            locate = _locator(line, header_line, reader.where)
            check_intent(intent, locate, problems, self.max_per_user)
            if admit_user(ledger, intent, locate, problems):
                yield intent, locate
        self._utilization = reader.utilization.finish()
        if not seen_rows and not problems:
            problems.add(At(header_line, 1), "no user rows after the header")

    def _header(self, line: int, header: list[str], problems: Problems) -> dict[int, Column] | None:
        """Classify header cells; trailing empty headers (spreadsheet padding) are ignored."""
        last = len(header)
        while last > 1 and not header[last - 1].strip():
            last -= 1
        columns: dict[int, Column] = {}
        first_at: dict[tuple[str, str], int] = {}
        fatal = False
        for i, text in enumerate(header[:last]):
            try:
                col = Column("util", text.strip()) if i and is_util_header(text) else classify_header(text, i)
                key = ("util", util_column(text).key) if col.kind == "util" else (col.kind, fold(col.name))
            except CellError as e:
                problems.add(At(line, 1, i), str(e))
                fatal = fatal or i == 0
                continue
            if key in first_at:
                problems.add(
                    At(line, 1, i),
                    f"duplicate column {text.strip()!r} (same as column {first_at[key] + 1})",
                )
                continue
            first_at[key] = i
            columns[i] = col
        if not fatal and len(columns) == 1:
            problems.add(At(line, 1, 0), "header has no skill, language, @ or util: columns")
        return None if fatal else columns


def _locator(line: int, header_line: int, where: dict[tuple[str, str], int]) -> Locate:
    def locate(kind: str, ref: str | None) -> At:
        if kind == "user":
            return At(line, 1, 0)
        if kind in ("skill", "language"):
            i = where.get((kind, fold(ref or "")))
            return At(header_line, 1, i) if i is not None else At(line, 1)
        i = where.get((kind, ""))
        return At(line, 1, i) if i is not None else At(line, 1)

    return locate
