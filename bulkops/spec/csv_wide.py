"""Wide CSV matrix: one row per user, one column per skill, language or reorg field.

Streamed row by row; the only state kept across rows is the duplicate-user ledger.
"""

from __future__ import annotations

from collections.abc import Iterator

from bulkops.domain.model import UserIntent
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


class WideCsv(CsvForm):
    """Reader for the wide matrix form (see docs/spec-format.md)."""

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        started = self.start(problems, self._header)
        if started is None:
            return
        rows, header_line, header, columns = started
        levels: list[tuple[int, str, bool]] = []  # (index, name, is_language)
        reorgs: list[tuple[int, str]] = []
        where: dict[tuple[str, str], int] = {}
        for i, col in columns.items():
            if col.kind in ("skill", "language"):
                levels.append((i, col.name, col.kind == "language"))
                where[(col.kind, fold(col.name))] = i
            elif col.kind == "reorg":
                reorgs.append((i, col.name))
                where[(_REORG_KIND[col.name], "")] = i
        width = len(header)
        decimal_comma = self.delimiter != ","
        replace = self.mode == "replace"
        ledger = UserLedger()
        seen_rows = False
        cache: dict[str, object] = {}
        cached = cache.get

        for line, row in rows:
            seen_rows = True
            n = len(row)
            if n > width and any(c.strip() for c in row[width:]):
                problems.add(At(line, 1, width), f"row has {n} cells but the header has {width}")
            user = row[0].strip()
            skills: dict[str, float] = {}
            langs: dict[str, float] = {}
            rm_skills: list[str] = []
            rm_langs: list[str] = []
            for i, name, is_lang in levels:
                if i >= n:
                    break
                cell = row[i]
                if not cell:
                    continue
                value = cached(cell, _MISS)  # the hot path: one dict lookup per cell
                if value is _MISS:
                    try:
                        value = parse_level(cell, decimal_comma=decimal_comma)
                    except CellError as e:
                        what = "language" if is_lang else "skill"
                        problems.add(At(line, 1, i), f"{what} {name!r}: {e}")
                        continue
                    cache[cell] = value
                if value is None:
                    continue
                if value is REMOVE:
                    (rm_langs if is_lang else rm_skills).append(name)
                else:
                    (langs if is_lang else skills)[name] = value  # type: ignore[assignment]
            fields: dict[str, str] = {}
            division: str | None = None
            join: frozenset[str] = frozenset()
            leave: frozenset[str] = frozenset()
            for i, attr in reorgs:
                if i >= n:
                    continue
                text = row[i].strip()
                if not text:
                    continue
                if text.casefold() in REMOVE_MARKERS:
                    problems.add(
                        At(line, 1, i),
                        f"@{attr}: {text!r} cannot clear a value; leave the cell blank to keep it",
                    )
                    continue
                if attr == "division":
                    division = text
                elif attr == "join_queues":
                    join = frozenset(split_list(text))
                elif attr == "leave_queues":
                    leave = frozenset(split_list(text))
                else:
                    fields[attr] = text
            leave = respell(leave, join)
            if not user:
                if skills or langs or rm_skills or rm_langs or fields or division or join or leave:
                    problems.add(At(line, 1, 0), "missing user in the first column")
                continue
            intent = UserIntent(
                user=user,
                skills=skills,
                remove_skills=frozenset(rm_skills),
                languages=langs,
                remove_languages=frozenset(rm_langs),
                fields=fields,
                division=division,
                join_queues=join,
                leave_queues=leave,
                replace_skills=replace,
                line=line,
            )
            locate = _locator(line, header_line, where)
            check_intent(intent, locate, problems, self.max_per_user)
            if admit_user(ledger, intent, locate, problems):
                yield intent, locate
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
                col = classify_header(text, i)
            except CellError as e:
                problems.add(At(line, 1, i), str(e))
                fatal = fatal or i == 0
                continue
            key = (col.kind, fold(col.name))
            if key in first_at:
                problems.add(
                    At(line, 1, i),
                    f"duplicate column {text.strip()!r} (same as column {first_at[key] + 1})",
                )
                continue
            first_at[key] = i
            columns[i] = col
        if not fatal and len(columns) == 1:
            problems.add(At(line, 1, 0), "header has no skill, language or @ columns")
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
