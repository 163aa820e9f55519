"""Wide CSV matrix: one row per user, one column per skill, language, reorg field or
part of another kind (the utilization's ``util:`` columns: ``KindFolder.user_columns``).

Streamed row by row; the state kept across rows is the duplicate-user ledger and the kinds'
entries (small: a few numbers a user). A file with only a kind's columns (``util:``) yields
no user intents: its rows change nothing but that kind's part of the users.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from bulkops.domain.model import UserIntent, new_intent
from bulkops.safetext import spreadsheet_value
from bulkops.spec.cells import (
    REMOVE,
    REMOVE_MARKERS,
    CellError,
    Column,
    classify_header,
    fold,
    parse_level,
    reorg_value,
    respell,
    split_list,
)
from bulkops.spec.csvio import CsvForm
from bulkops.spec.sections import KindCells
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

#: The empty set of names a row without a removal shares (a fresh one per row costs an allocation).
_NO_NAMES: frozenset[str] = frozenset()


class _Rows:
    """Turns wide rows into intents: the header's column layout, plus a cache of parsed
    level cells shared by every row (a matrix repeats a handful of distinct values)."""

    def __init__(self, columns: dict[int, Column], width: int, decimal_comma: bool, replace: bool, problems: Problems, kind_cells: KindCells):
        self.levels: list[tuple[int, str, bool]] = []  # (index, name, is_language)
        self.reorgs: list[tuple[int, str]] = []
        #: (index, kind, the kind's columns, the column) of each column of another kind (``util:``).
        self.kind_columns: list[tuple[int, str, Any, Any]] = []
        self.kind_cells = kind_cells
        self.where: dict[tuple[str, str], int] = {}  # (locator kind, folded name) -> column
        for i, col in columns.items():
            claimed = kind_cells.claimer(col.name) if col.kind == "kind" else None
            if claimed is not None:
                self.kind_columns.append((i, claimed[0], claimed[1], claimed[1].column(col.name)))
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
        user = spreadsheet_value(row[0].strip())
        cells = self._kind_cells(line, row) if self.kind_columns else {}
        if not user:
            if any(levels) or any(reorg) or cells:
                self.problems.add(At(line, 1, 0), "missing user in the first column")
            return None
        for kind, these in cells.items():
            self.kind_cells.add(kind, user, line, these, At(line, 1, 0), self.problems)
        if not self.levels and not self.reorgs:
            return None  # a file of util: columns only (another kind's): no user change
        return new_intent(  # the fast constructor: one a row
            user=user,
            skills=skills,
            remove_skills=frozenset(rm_skills) if rm_skills else _NO_NAMES,
            languages=langs,
            remove_languages=frozenset(rm_langs) if rm_langs else _NO_NAMES,
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

    def _kind_cells(self, line: int, row: list[str]) -> dict[str, list[Any]]:
        """The row's non-blank cells of other kinds' columns, by kind (none: an empty dict)."""
        n = len(row)
        out: dict[str, list[Any]] = {}
        for i, kind, cols, col in self.kind_columns:
            if i < n and row[i].strip():
                out.setdefault(kind, []).append(cols.cell(col, row[i], At(line, 1, i)))
        return out

    def _reorg(self, line: int, row: list[str]) -> _RowReorg:
        fields: dict[str, str] = {}
        lists: dict[str, frozenset[str]] = {}
        n = len(row)
        for i, attr in self.reorgs:
            raw = row[i].strip() if i < n else ""
            text = reorg_value(raw)
            if not text:
                continue
            if raw.casefold() in REMOVE_MARKERS:  # a marker as written; '- and 'remove are the values
                self.problems.add(At(line, 1, i), f"@{attr}: {text!r} cannot clear a value; leave the cell blank to keep it")
            elif attr in ("join_queues", "leave_queues"):
                lists[attr] = frozenset(split_list(text))
            else:
                fields[attr] = text
        join = lists.get("join_queues", frozenset())
        return _RowReorg(fields, fields.pop("division", None), join, respell(lists.get("leave_queues", frozenset()), join))


class WideCsv(CsvForm):
    """Reader for the wide matrix form (see docs/spec-format.md)."""

    _kind_cells: KindCells | None = None

    def sections(self) -> Mapping[str, Any]:
        """The rows' cells of other kinds' columns (``util:``) as the last ``read`` found them, by kind
        (the utilization: one entry per user)."""
        return (self._kind_cells or KindCells()).sections()

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        self._kind_cells = kind_cells = KindCells()
        started = self.start(problems, self._header)
        if started is None:
            return
        rows, header_line, header, columns = started
        reader = _Rows(columns, len(header), self.delimiter != ",", self.mode == "replace", problems, kind_cells)
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
        kind_cells.finish()
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
        kinds = self._kind_cells or KindCells()
        for i, text in enumerate(header[:last]):
            try:
                claimed = kinds.claimer(text) if i else None
                col = Column("kind", text.strip()) if claimed else classify_header(text, i)
                key = (claimed[0], claimed[1].column(text).key) if claimed else (col.kind, fold(col.name))
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
            problems.add(At(line, 1, 0), f"header has no {_column_words(kinds.prefixes)} columns")
        return None if fatal else columns


def _column_words(prefixes: list[str]) -> str:
    """``skill, language, @ or util:``: the columns a header may name, the kinds' prefixes last."""
    words = ["skill", "language", "@", *prefixes]
    return f"{', '.join(words[:-1])} or {words[-1]}"


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
