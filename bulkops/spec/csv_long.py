"""Long CSV form: ``user,skill,proficiency[,action]``, one row per user and skill.

One user spans many rows, in any order, so rows must be grouped before an intent can
be emitted. Grouping is kept compact: skill names and values are interned into small
tables and each row becomes a 12-byte record (name, value, line) appended to its
user's ``bytearray`` -- about 12 bytes per row plus ~200 bytes per user, instead of a
dict per user. Conflicts (same user and skill, different values) are found per user
once the file has been read.

A row whose skill cell is another kind's header (the utilization's ``util:email``, ``util:label:VIP``,
``util:setting``: ``KindFolder.user_columns``) carries that part of the user in its proficiency cell; such
rows are few and kept as they are, grouped by kind and user, and handed to the kind a user at a time.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from bulkops.domain.model import UserIntent
from bulkops.safetext import spreadsheet_value
from bulkops.spec.cells import REMOVE, USER_HEADERS, CellError, Remove, did_you_mean, fold, parse_level, split_lang
from bulkops.spec.csvio import CsvForm
from bulkops.spec.sections import KindCells
from bulkops.spec.validate import At, Locate, Problems, check_intent

_REC = struct.Struct("<III")
_pack = _REC.pack
_MISS = object()
_ACTIONS = ("set", "remove")
_UTIL = -2  # ``_Rows._skill``: the row is another kind's (a util: row), taken aside


def is_long_header(header: list[str]) -> bool:
    """Long form is recognised by ``skill`` and ``proficiency`` columns in the header."""
    names = {h.strip().casefold() for h in header}
    return "skill" in names and "proficiency" in names


class _Grouped:
    """Rows grouped by user, compactly (see the module docstring): interned names and
    values, and per user (as first written, first line, packed records)."""

    def __init__(self) -> None:
        self.names: dict[tuple[bool, str], int] = {}
        self.name_list: list[tuple[bool, str]] = []
        self.values: dict[object, int] = {}
        self.value_list: list[float | Remove] = []
        self.users: dict[str, tuple[str, int, bytearray]] = {}

    def name_index(self, is_lang: bool, name: str) -> int:
        key = (is_lang, fold(name))
        ni = self.names.get(key, -1)
        if ni < 0:
            ni = self.names[key] = len(self.name_list)
            self.name_list.append((is_lang, name))
        return ni

    def value_index(self, value: object) -> int:
        vi = self.values.get(value, -1)
        if vi < 0:
            vi = self.values[value] = len(self.value_list)
            self.value_list.append(value)  # type: ignore[arg-type]
        return vi

    def choose(self, user: str, recs: bytearray, pf: int, problems: Problems) -> dict[int, tuple[int, int]]:
        """Name index -> (value index, line) for one user; a name given two values is a problem."""
        chosen: dict[int, tuple[int, int]] = {}
        for ni, vi, line in _REC.iter_unpack(recs):
            prev = chosen.get(ni)
            if prev is None:
                chosen[ni] = (vi, line)
            elif prev[0] != vi:
                is_lang, name = self.name_list[ni]
                problems.add(
                    At(line, 1, pf),
                    f"user {user!r}: {'language' if is_lang else 'skill'} {name!r} is "
                    f"{_show(self.value_list[prev[0]])} on line {prev[1]} and {_show(self.value_list[vi])} here",
                )
        return chosen

    def intent(self, user: str, first_line: int, chosen: dict[int, tuple[int, int]], replace: bool) -> UserIntent:
        skills: dict[str, float] = {}
        langs: dict[str, float] = {}
        rm_skills: list[str] = []
        rm_langs: list[str] = []
        for ni, (vi, _line) in chosen.items():
            is_lang, name = self.name_list[ni]
            v = self.value_list[vi]
            if v is REMOVE:
                (rm_langs if is_lang else rm_skills).append(name)
            else:
                (langs if is_lang else skills)[name] = v  # type: ignore[assignment]
        return UserIntent(
            user=user,
            skills=skills,
            remove_skills=frozenset(rm_skills),
            languages=langs,
            remove_languages=frozenset(rm_langs),
            replace_skills=replace,
            line=first_line,
        )


class _Rows:
    """Reads long rows into a ``_Grouped``; raw skill and proficiency cells repeat, so
    each distinct one is parsed once."""

    def __init__(self, cols: tuple[int, int, int, int], width: int, decimal_comma: bool, problems: Problems, kind_cells: KindCells):
        self.uf, self.sf, self.pf, self.af = cols
        self.width = width
        self.decimal_comma = decimal_comma
        self.problems = problems
        self.grouped = _Grouped()
        self.level_cache: dict[str, object] = {}
        self.skill_cache: dict[str, int] = {}  # raw skill cell -> name index (valid names only)
        self.kind_cells = kind_cells
        #: Other kinds' rows (util:) by kind and folded user: (user as first written, first line, cells)
        self.util: dict[tuple[str, str], tuple[str, int, list[Any]]] = {}

    def add_all(self, rows: Iterable[tuple[int, list[str]]]) -> bool:
        """Groups each row under its user, or reports every problem in it; False if there
        were no rows. The hot path: the common row costs dict lookups and one call."""
        uf, sf, pf, af, width = self.uf, self.sf, self.pf, self.af, self.width
        skill_cache, level_cache, grouped = self.skill_cache, self.level_cache, self.grouped
        values, users = grouped.values, grouped.users
        seen = False
        for line, row in rows:
            seen = True
            if len(row) != width:
                row = self._fit(line, row)
            user = row[uf].strip()
            if user[:1] == "'":  # bulkops export's neutralised cell (rare: one test a row)
                user = spreadsheet_value(user)
            if not user:
                self.problems.add(At(line, 1, uf), "missing user")
            ni = skill_cache.get(row[sf], -1)
            if ni < 0:
                ni = self._skill(line, row[sf])
                if ni == _UTIL:
                    self._util(line, user, row)
                    continue
            action = row[af].strip().casefold() if af >= 0 else ""
            if action and action not in _ACTIONS:
                self.problems.add(At(line, 1, af), f"unknown action {action!r}{did_you_mean(action, _ACTIONS)}; use set or remove")
                ni = -1
            value = level_cache.get(row[pf], _MISS)
            if value.__class__ is not float or action == "remove":  # a plain proficiency needs no more
                value = self._value(line, row[pf], action)
            if not user or ni < 0 or value is _MISS:
                continue
            vi = values.get(value, -1)  # grouped.add, inlined: a call per row costs ~10% here
            if vi < 0:
                vi = grouped.value_index(value)
            ukey = user.casefold()
            entry = users.get(ukey)
            if entry is None:
                entry = users[ukey] = (user, line, bytearray())
            entry[2].extend(_pack(ni, vi, line))
        return seen

    def _fit(self, line: int, row: list[str]) -> list[str]:
        """A short row padded to the header's width; a long one reported unless its extra cells are blank."""
        n = len(row)
        if n < self.width:
            return row + [""] * (self.width - n)
        if any(c.strip() for c in row[self.width :]):
            self.problems.add(At(line, 1, self.width), f"row has {n} cells but the header has {self.width}")
        return row

    def _skill(self, line: int, raw: str) -> int:
        """Name index for a skill cell not seen before; -1 (reported) if it names nothing,
        ``_UTIL`` for another kind's row (util:)."""
        if self.kind_cells.claimer(raw) is not None:
            return _UTIL
        is_lang, name = split_lang(spreadsheet_value(raw.strip()))
        if not name:
            self.problems.add(At(line, 1, self.sf), "missing skill name" if not raw.strip() else f"{raw.strip()!r} names no language")
            return -1
        ni = self.skill_cache[raw] = self.grouped.name_index(is_lang, name)
        return ni

    def _util(self, line: int, user: str, row: list[str]) -> None:
        """Another kind's row (util:): its header in the skill cell, its value in the proficiency cell."""
        claimed = self.kind_cells.claimer(row[self.sf])
        if claimed is None:
            return
        kind, cols = claimed
        try:
            column = cols.column(row[self.sf])
        except CellError as e:
            self.problems.add(At(line, 1, self.sf), str(e))
            return
        action = row[self.af].strip().casefold() if self.af >= 0 else ""
        if action not in ("", "set"):
            self.problems.add(At(line, 1, self.af), f"{column.header}: action {action!r} does not go with a {cols.prefix} row (leave it blank or use set)")
            return
        value = row[self.pf]
        if not value.strip():
            self.problems.add(At(line, 1, self.pf), f"{column.header}: missing value in the proficiency column")
            return
        if not user:
            return  # reported as the row's missing user
        entry = self.util.setdefault((kind, fold(user)), (user, line, []))
        prev = next((c for c in entry[2] if c.column.key == column.key), None)
        if prev is None:
            entry[2].append(cols.cell(column, value, At(line, 1, self.pf)))
        elif prev.text.strip() != value.strip():
            self.problems.add(
                At(line, 1, self.pf), f"user {user!r}: {column.header} is {prev.text.strip()!r} on line {prev.at.line} and {value.strip()!r} here"
            )

    def _value(self, line: int, raw: str, action: str) -> object:
        """The row's proficiency or REMOVE; ``_MISS`` (reported) when the row has none."""
        level = self.level_cache.get(raw, _MISS)
        if level is _MISS:
            try:
                level = self.level_cache[raw] = parse_level(raw, decimal_comma=self.decimal_comma)
            except CellError as e:
                self.problems.add(At(line, 1, self.pf), str(e))
                return _MISS
        if action == "remove":
            if level is not None and level is not REMOVE:
                self.problems.add(At(line, 1, self.pf), "action 'remove' takes no proficiency; leave it blank")
                return _MISS
            return REMOVE
        if level is None:
            self.problems.add(At(line, 1, self.pf), "missing proficiency (0-5; '-' or action 'remove' removes)")
            return _MISS
        if level is REMOVE and action == "set":
            self.problems.add(At(line, 1, self.pf), "action 'set' needs a proficiency 0-5")
            return _MISS
        return level


class LongCsv(CsvForm):
    """Reader for the long form (see docs/spec-format.md)."""

    _kind_cells: KindCells | None = None

    def sections(self) -> Mapping[str, Any]:
        """Other kinds' rows (util:) as the last ``read`` found them, by kind (the utilization: one entry per user)."""
        return (self._kind_cells or KindCells()).sections()

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        self._kind_cells = kind_cells = KindCells()
        started = self.start(problems, self._header)
        if started is None:
            return
        rows, header_line, header, cols = started
        reader = _Rows(cols, len(header), self.delimiter != ",", problems, kind_cells)
        if not reader.add_all(rows) and not problems:
            problems.add(At(header_line, 1), "no rows after the header")
        for (kind, _), (user, first_line, cells) in reader.util.items():
            kind_cells.add(kind, user, first_line, cells, At(first_line, 1, reader.uf), problems)
        kind_cells.finish()
        grouped = reader.grouped
        for user, first_line, recs in grouped.users.values():
            chosen = grouped.choose(user, recs, reader.pf, problems)
            intent = grouped.intent(user, first_line, chosen, self.mode == "replace")
            locate = _locator(first_line, chosen, grouped.name_list, reader.uf, reader.sf)
            check_intent(intent, locate, problems, self.max_per_user)
            yield intent, locate

    def _header(self, line: int, header: list[str], problems: Problems) -> tuple[int, int, int, int] | None:
        found: dict[str, int] = {}
        for i, text in enumerate(header):
            key = text.strip().casefold()
            role = "user" if key in USER_HEADERS else key
            if role not in ("user", "skill", "proficiency", "action"):
                if not key and i == len(header) - 1:
                    continue  # trailing delimiter
                allowed = sorted(USER_HEADERS | {"skill", "proficiency", "action"})
                problems.add(
                    At(line, 1, i),
                    f"unknown column {text.strip()!r} in long form{did_you_mean(key, allowed)}; "
                    "columns are user (or email/username/id), skill, proficiency and optional action",
                )
                continue
            if role in found:
                problems.add(At(line, 1, i), f"duplicate column {text.strip()!r} (same as column {found[role] + 1})")
                continue
            found[role] = i
        if "user" not in found:
            problems.add(At(line, 1, 0), "long form needs a user column (user, email, username or id)")
            return None
        return found["user"], found["skill"], found["proficiency"], found.get("action", -1)


def _show(v: float | Remove) -> str:
    return "removed" if v is REMOVE else f"set to {v:g}"


def _locator(first_line: int, chosen: dict[int, tuple[int, int]], name_list: list[tuple[bool, str]], uf: int, sf: int) -> Locate:
    """Skills point at the row that set them; the search only runs when a problem needs it."""

    def locate(kind: str, ref: str | None) -> At:
        if kind in ("skill", "language") and ref is not None:
            want = (kind == "language", fold(ref))
            for ni, (_, line) in chosen.items():
                is_lang, name = name_list[ni]
                if (is_lang, fold(name)) == want:
                    return At(line, 1, sf)
        return At(first_line, 1, uf)

    return locate
