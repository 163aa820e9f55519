"""The Genesys admin UI's people-import CSV read as a job spec (#15 section 5).

The admin UI documents the layout
``name,email,phone_work,extension,title,department,email_manager,location_work,roles_divisions,queues,division,skills``
(only name and email required). A file with that header, all of it or an in-order subset,
is read with bulkops's own semantics, not the admin UI's: a blank cell leaves the field
alone, listed queues are joined, listed ``Skill:proficiency`` pairs are set, nothing is
removed unless asked. Columns bulkops does not apply are counted so ``plan`` and
``validate`` can name them (``ignored_columns``). docs/spec-format.md lists every
difference from the admin UI's own import.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bulkops.domain.model import Mode, UserIntent
from bulkops.spec.cells import REMOVE, REMOVE_MARKERS, USER_HEADERS, CellError, did_you_mean, fold, parse_level, split_lang
from bulkops.spec.csvio import CsvForm, column_fixer
from bulkops.spec.sniff import LineDecoder
from bulkops.spec.validate import At, ColumnFixer, Locate, Problems, UserLedger, admit_user, check_intent

#: The admin UI's documented column order (help article "Add people with .csv file import").
ADMIN_COLUMNS: tuple[str, ...] = (
    "name",
    "email",
    "phone_work",
    "extension",
    "title",
    "department",
    "email_manager",
    "location_work",
    "roles_divisions",
    "queues",
    "division",
    "skills",
)

#: Columns read but not applied, and why (what ``plan`` and ``validate`` say of each).
IGNORED_WHY: Mapping[str, str] = {
    "name": "users are found by email; bulkops neither creates nor renames users",
    "phone_work": "bulkops does not change phone numbers",
    "extension": "bulkops does not change extensions",
    "location_work": "bulkops does not change locations",
    "roles_divisions": "bulkops does not grant roles",
}

#: Column -> what a user field it sets is called in ``UserIntent.fields`` (and by ``Locate``).
_FIELD_OF = {"title": "title", "department": "department", "email_manager": "manager"}

#: Separator between queue names and between skill pairs inside one cell (the admin UI's).
_ITEM_SEPARATOR = ","

#: A problem inside a cell is located as ``field | (offset + 1) << _OFFSET_SHIFT``: ``Problems``
#: only carries a field index, and a record holds fewer than 2**20 characters (``MAX_RECORD``).
_OFFSET_SHIFT = 20
_FIELD_MASK = (1 << _OFFSET_SHIFT) - 1

_LAYOUT = ",".join(ADMIN_COLUMNS)


@dataclass(frozen=True, slots=True)
class IgnoredColumn:
    """A column of the file that bulkops reads but does not apply, with how much it held."""

    name: str
    column: int  # 1-based position in the header
    rows_with_values: int
    rows: int
    why: str


def ignored_column_json(col: IgnoredColumn) -> dict[str, Any]:
    """``plan --json``'s record of one ignored column."""
    return {"column": col.name, "position": col.column, "rows_with_values": col.rows_with_values, "rows": col.rows, "why": col.why}


def describe_ignored(col: IgnoredColumn) -> str:
    """One ignored column in words, for ``plan`` and ``validate``."""
    held = f"a value on {col.rows_with_values} of {col.rows} rows" if col.rows_with_values else "blank on every row"
    return f"ignored: column {col.column} {col.name!r} ({held}): {col.why}"


def _names(header: list[str]) -> list[str]:
    """Header cells folded (case and outer spaces dropped), trailing blanks (spreadsheet padding) cut."""
    names = [fold(h) for h in header]
    while len(names) > 1 and not names[-1]:
        names.pop()
    return names


def is_admin_header(header: list[str]) -> bool:
    """All of the admin UI's columns or an in-order subset of them, name and email among them.

    Case and surrounding spaces are not significant (spreadsheets add both; every other
    bulkops header compares that way); anything else is: no unknown, repeated or
    out-of-order column, so a file that only resembles the layout is never half-read."""
    names = _names(header)
    if "name" not in names or "email" not in names:
        return False
    at = -1
    for n in names:
        try:
            at = ADMIN_COLUMNS.index(n, at + 1)
        except ValueError:
            return False
    return True


#: The layout's columns that set something: a header of ``email`` and only these (``email,title``)
#: is the layout without its name column, not a skill matrix of skills called "title".
_APPLIED_COLUMNS = frozenset({"title", "department", "email_manager", "queues", "division", "skills"})


def reads_as_admin(header: list[str]) -> bool:
    """Whether ``open_spec`` gives the file to ``AdminCsv``: the layout; the layout without its name
    column (``email`` then only columns of the layout that set something, in order: ``email,title``);
    or a near miss (a header starting with ``name``, which no other form accepts, and naming another
    of the layout's columns), so that it gets this layout's problems. ``name,Billing`` stays a skill
    matrix with a bad user column, and ``email,Billing,title`` a matrix (a skill column among them)."""
    names = _names(header)
    if is_admin_header(header):
        return True
    if len(names) > 1 and names[0] == "email" and set(names[1:]) <= _APPLIED_COLUMNS:
        return True
    return bool(names) and names[0] == "name" and any(n in ADMIN_COLUMNS for n in names[1:])


def _header_problems(line: int, header: list[str], problems: Problems) -> dict[str, int] | None:
    """Column name -> field index, or None with every reason the header is not the layout."""
    names = _names(header)
    found: dict[str, int] = {}
    bad = False
    last = -1  # index in ADMIN_COLUMNS of the last column accepted
    # an email-led header (no name column, only columns that set something) is not the UI's
    # export, and its order carries no meaning
    ordered = names[:1] != ["email"]
    for i, key in enumerate(names):
        text = header[i].strip()
        if not key:
            problems.add(At(line, 1, i), "empty column header")
        elif key not in ADMIN_COLUMNS:
            problems.add(At(line, 1, i), f"unknown column {text!r}{did_you_mean(key, ADMIN_COLUMNS)}; the admin UI's import has no such column")
        elif key in found:
            problems.add(At(line, 1, i), f"duplicate column {text!r} (same as column {found[key] + 1})")
        elif ordered and ADMIN_COLUMNS.index(key) < last:
            problems.add(At(line, 1, i), f"column {text!r} is out of order: the admin UI's columns come as {_LAYOUT}")
            found[key] = i
        else:
            found[key] = i
            last = ADMIN_COLUMNS.index(key)
            continue
        bad = True
    if "email" not in found:
        problems.add(At(line, 1, 0), "the admin UI's layout needs an email column: bulkops finds each user by email")
        bad = True
    if bad:
        problems.add(
            At(line, 1, 0),
            f"a header starting with 'name' (or with 'email' and then only title, department, email_manager, queues, division, skills) is read as the admin UI's people-import layout ({_LAYOUT}, or some of those in that order); "
            "a skill matrix starts with a user column (" + ", ".join(sorted(USER_HEADERS)) + ")",
        )
        return None
    return found


def _items(text: str) -> Iterator[tuple[int, str]]:
    """(offset in ``text``, item) for each non-blank comma-separated item, stripped."""
    start = 0
    for piece in text.split(_ITEM_SEPARATOR):
        item = piece.strip()
        if item:
            yield start + len(piece) - len(piece.lstrip()), item
        start += len(piece) + len(_ITEM_SEPARATOR)


def _inside(field: int, offset: int) -> int:
    """The field index that stands for ``offset`` characters into the field's value (past
    an opening quote even at offset 0: the place of an item, not of the cell)."""
    return field | ((offset + 1) << _OFFSET_SHIFT)


@dataclass(slots=True)
class _RowPlaces:
    """Where one row's skills and queues are, inside their cells (folded name -> offset)."""

    skills: dict[str, int]
    queues: dict[str, int]


class _Rows:
    """Turns admin-layout rows into intents, counting the values of the ignored columns."""

    def __init__(self, columns: dict[str, int], width: int, mode: Mode, problems: Problems):
        self.columns = columns
        self.width = width
        self.replace = mode == "replace"
        self.problems = problems
        self.ignored = [(name, i) for name, i in columns.items() if name in IGNORED_WHY]
        self.ignored_counts = dict.fromkeys(columns, 0)
        self.rows = 0

    def cell(self, row: list[str], name: str) -> str:
        i = self.columns.get(name, -1)
        return row[i].strip() if 0 <= i < len(row) else ""

    def intent(self, line: int, row: list[str]) -> tuple[UserIntent, _RowPlaces] | None:
        """The row's intent, or None for a row without a user (a problem unless blank)."""
        if not any(c.strip() for c in row):
            return None  # a row of delimiters only: spreadsheet padding
        self.rows += 1
        if len(row) > self.width and any(c.strip() for c in row[self.width :]):
            self.problems.add(At(line, 1, self.width), f"row has {len(row)} cells but the header has {self.width}")
        for name, i in self.ignored:
            if i < len(row) and row[i].strip():
                self.ignored_counts[name] += 1
        fields = {attr: value for name, attr in _FIELD_OF.items() if (value := self._single(line, row, name))}
        division = self._single(line, row, "division") or None
        places = _RowPlaces({}, {})
        join = self._queues(line, row, places.queues)
        skills, removed = self._skills(line, row, places.skills)
        user = self.cell(row, "email")
        if not user:
            self.problems.add(At(line, 1, self.columns["email"]), "missing email: bulkops finds each user by email")
            return None
        intent = UserIntent(
            user=user,
            skills=skills,
            remove_skills=frozenset(removed),
            fields=fields,
            division=division,
            join_queues=join,
            # replace mode: the listed skills are all the user keeps; a blank cell still leaves them alone
            replace_skills=self.replace and "skills" in self.columns and bool(self.cell(row, "skills")),
            line=line,
        )
        return intent, places

    def _single(self, line: int, row: list[str], name: str) -> str:
        """A one-value cell; blank leaves the field alone, and a remove marker cannot clear it."""
        text = self.cell(row, name)
        if text.casefold() in REMOVE_MARKERS:
            self.problems.add(At(line, 1, self.columns[name]), f"{name}: {text!r} cannot clear a value; leave the cell blank to keep it")
            return ""
        return text

    def _queues(self, line: int, row: list[str], places: dict[str, int]) -> frozenset[str]:
        """Queue names to join, comma-separated as in the admin UI (a queue name has no comma)."""
        i = self.columns.get("queues", -1)
        raw = row[i] if 0 <= i < len(row) else ""
        if raw.strip().casefold() in REMOVE_MARKERS:
            self.problems.add(At(line, 1, i), f"queues: {raw.strip()!r} cannot leave queues; this layout only joins the queues it lists")
            return frozenset()
        names: dict[str, str] = {}
        for offset, name in _items(raw):
            names.setdefault(fold(name), name)
            places.setdefault(fold(name), offset)
        return frozenset(names.values())

    def _skills(self, line: int, row: list[str], places: dict[str, int]) -> tuple[dict[str, float], list[str]]:
        """``Skill:proficiency`` pairs, comma-separated; each bad pair is a problem at the pair."""
        i = self.columns.get("skills", -1)
        raw = row[i] if 0 <= i < len(row) else ""
        skills: dict[str, float] = {}
        removed: list[str] = []
        seen: dict[str, object] = {}  # folded name -> its value in this cell
        for offset, pair in _items(raw):
            at = At(line, 1, _inside(i, offset))
            name, colon, level = pair.rpartition(":")  # the last colon: a skill name may hold one
            name = name.strip()
            if not colon or not name:
                self.problems.add(at, f"skills: {pair!r} is not Skill:proficiency (e.g. Billing:4); pairs are separated by commas")
                continue
            if split_lang(name)[0]:
                self.problems.add(at, f"skills: {name!r} is a language; the admin UI's layout has skills only (languages go in a wide or long CSV)")
                continue
            try:
                value = parse_level(level)
            except CellError as e:
                self.problems.add(at, f"skill {name!r}: {e}")
                continue
            if value is None:
                self.problems.add(at, f"skill {name!r} has no proficiency after the colon (0-5)")
                continue
            key = fold(name)
            if key in seen:
                if seen[key] != value:
                    self.problems.add(at, f"skill {name!r} is given twice in this cell, with different proficiencies")
                continue
            seen[key] = value
            places[key] = offset
            if value is REMOVE:
                removed.append(name)
            else:
                skills[name] = value  # type: ignore[assignment]
        return skills, removed


class AdminCsv(CsvForm):
    """Reader for the admin UI's people-import layout (see docs/spec-format.md)."""

    def __init__(self, path: str, delimiter: str, mode: Mode, max_per_user: int):
        super().__init__(path, delimiter, mode, max_per_user)
        self.fixer = _in_cell_fixer(path, delimiter)
        self._ignored: list[IgnoredColumn] = []

    def ignored_columns(self) -> list[IgnoredColumn]:
        """The columns the last ``read`` read but bulkops does not apply, in header order."""
        return list(self._ignored)

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        self._ignored = []
        started = self.start(problems, _header_problems)
        if started is None:
            return
        rows, header_line, header, columns = started
        reader = _Rows(columns, len(header), self.mode, problems)
        ledger = UserLedger()
        for line, row in rows:
            got = reader.intent(line, row)
            if got is None:
                continue
            intent, places = got
            locate = _locator(line, columns, places)
            check_intent(intent, locate, problems, self.max_per_user)
            if admit_user(ledger, intent, locate, problems):
                yield intent, locate
        if not reader.rows and not problems:
            problems.add(At(header_line, 1), "no user rows after the header")
        self._ignored = [
            IgnoredColumn(name, i + 1, reader.ignored_counts[name], reader.rows, IGNORED_WHY[name]) for name, i in sorted(reader.ignored, key=lambda c: c[1])
        ]


def _locator(line: int, columns: dict[str, int], places: _RowPlaces) -> Locate:
    """Users, fields and the division at their cells; a skill or queue at its item in the cell."""

    def locate(kind: str, ref: str | None) -> At:
        if kind in ("skill", "join"):
            name = "skills" if kind == "skill" else "queues"
            i = columns.get(name, columns["email"])
            offset = (places.skills if kind == "skill" else places.queues).get(fold(ref or ""))
            return At(line, 1, i if offset is None else _inside(i, offset))
        column = {"manager": "email_manager", "title": "title", "department": "department", "division": "division"}.get(kind, "email")
        return At(line, 1, columns.get(column, columns["email"]))

    return locate


def _in_cell_fixer(path: str, delimiter: str) -> ColumnFixer:
    """``csvio.column_fixer``, plus fields that stand for a place inside a cell (``_inside``):
    the cell's start moved on by the offset, past an opening quote and doubled quotes."""
    cells = column_fixer(path, delimiter)

    def fix(wanted: set[tuple[int, int]]) -> Mapping[tuple[int, int], tuple[int, int]]:
        starts = cells({(line, field & _FIELD_MASK) for line, field in wanted})
        inside = {(line, field) for line, field in wanted if field > _FIELD_MASK}
        lines = _physical_lines(path, {starts.get((line, field & _FIELD_MASK), (line, 1))[0] for line, field in inside})
        out: dict[tuple[int, int], tuple[int, int]] = {}
        for line, field in wanted:
            where = starts.get((line, field & _FIELD_MASK), (line, 1))
            if field > _FIELD_MASK:
                where = (where[0], _column_inside(lines.get(where[0], ""), where[1], (field >> _OFFSET_SHIFT) - 1))
            out[(line, field)] = where
        return out

    return fix


def _physical_lines(path: str, wanted: set[int]) -> dict[int, str]:
    """The text of each wanted physical line (only read when a problem is inside a cell)."""
    out: dict[int, str] = {}
    if not wanted:
        return out
    last = max(wanted)
    for number, text in enumerate(LineDecoder(path, None), start=1):
        if number in wanted:
            out[number] = text.rstrip("\r\n")
        if number >= last:
            break
    return out


def _column_inside(text: str, start: int, offset: int) -> int:
    """The 1-based column of the value's character ``offset`` in a cell starting at ``start``;
    the cell's start when the place is not on this line (a cell spanning lines)."""
    i = start - 1
    if text[i : i + 1] == '"':
        i += 1
        for _ in range(offset):
            i += 2 if text[i : i + 2] == '""' else 1
    else:
        i += offset
    return i + 1 if i < len(text) else start
