"""The CSV form of queue settings (#18): one queue a row, one column a setting.

A column is named by the setting's path in a JSON ``queues`` entry (``queue``,
``skillEvaluationMethod``, ``acw.timeoutMs``, ``media.email.serviceLevel.percentage``,
``rings.1.skillsToRemove``, ``addWrapupCodes``, ``members.activate``, ``queues.namePattern``...),
so the two forms say the same thing in the same words. The first column is ``queue`` (or
``queues.namePattern`` / ``queues.division`` for many queues a row): that is how ``open_spec``
tells this form from the others. A blank cell leaves the setting alone. A list cell (codes,
skills, users) separates its names with ``;`` or ``|`` (quote the cell when the file's
delimiter is ``;``); ``-`` alone is the empty list (a ring that drops no skill). A percentage
may be written ``0.95`` or ``95%``; with a delimiter other than ``,``, ``0,95`` too.

Each row becomes the JSON entry it stands for and goes through the same reader
(``entry.read_queue_entry``: the schema's checks and the intent) and the same rules
(``rules``), each problem at its cell: the two forms yield the same ``QueueSettingsIntent``.
Rows are few (queues, not users), so they are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from bulkops.domain.model import UserIntent
from bulkops.kinds.queues.entry import read_queue_entry
from bulkops.kinds.queues.intent import MAX_RINGS, MEDIA_TYPES, QueueSettingsIntent
from bulkops.kinds.queues.rules import LocateSetting, QueueLedger, check_queue_entry
from bulkops.spec.cells import USER_HEADERS, did_you_mean
from bulkops.spec.csvio import CsvForm
from bulkops.spec.schemacheck import Path
from bulkops.spec.validate import At, Locate, Problems

SELECTORS = ("queues.namePattern", "queues.division")
FIRST = ("queue", *SELECTORS)
_INTEGER = ("acw.timeoutMs",) + tuple(f"media.{m}.{k}" for m in MEDIA_TYPES for k in ("alertingTimeoutSeconds", "serviceLevel.durationMs"))
_NUMBER = tuple(f"media.{m}.serviceLevel.percentage" for m in MEDIA_TYPES) + tuple(f"rings.{n}.timeoutSeconds" for n in range(1, MAX_RINGS + 1))
_LIST = ("addWrapupCodes", "removeWrapupCodes", "members.activate", "members.deactivate") + tuple(f"rings.{n}.skillsToRemove" for n in range(1, MAX_RINGS + 1))
_FLAG = ("members.activateAll", "members.deactivateAll")
_TEXT = (*FIRST, "skillEvaluationMethod", "acw.wrapupPrompt")
#: Every column this form knows, in the order docs/spec-format.md lists them.
COLUMNS: tuple[str, ...] = (*_TEXT, *_INTEGER, *_NUMBER, *_LIST, *_FLAG)
_BY_FOLD = {c.casefold(): c for c in COLUMNS}
_TRUE = frozenset({"true", "yes", "y", "1", "x"})
_FALSE = frozenset({"false", "no", "n", "0"})
_SEPARATORS = re.compile(r"[;|]")
#: How the entry reader says a row names no setting (not said again of a row whose cell did not read).
NOTHING = "a queues entry names no setting"


def is_queue_settings_header(header: list[str]) -> bool:
    """The header starts with ``queue`` (or a ``queues.`` selector) and names no user column."""
    names = [h.strip().casefold() for h in header]
    return bool(names) and names[0] in {c.casefold() for c in FIRST} and not USER_HEADERS & set(names)


class QueueSettingsCsv(CsvForm):
    """Reader for the queue settings CSV (see docs/spec-format.md); yields no users."""

    _queue_settings: list[QueueSettingsIntent] | None = None

    def sections(self) -> Mapping[str, Any]:
        """The rows as the last ``read`` found them, one entry per queue: the queues section (kind ``queue``)."""
        return {"queue": list(self._queue_settings or ())}

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        self._queue_settings = []
        started = self.start(problems, self._header)
        if started is None:
            return
        rows, header_line, header, columns = started
        ledger = QueueLedger()
        seen = False
        for line, row in rows:
            seen = True
            if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
                problems.add(At(line, 1, len(header)), f"row has {len(row)} cells but the header has {len(header)}")
            cells = _Row(line, row, columns, self.delimiter != ",", problems)
            obj = cells.entry()
            intent, issues = read_queue_entry(obj, line)
            if cells.failed:  # the row names something, in a cell already reported
                issues = [i for i in issues if not (i[0] == () and i[2].startswith(NOTHING))]
            for path, _part, message in issues:
                problems.add(At(line, 1, _column_of(path, columns)), message)
            if intent is not None:
                locate = _locator(line, columns)
                check_queue_entry(intent, locate, problems)
                ledger.admit(intent, locate, problems)
        if not seen and not problems:
            problems.add(At(header_line, 1), "no queue rows after the header")
        self._queue_settings = ledger.finish()
        yield from ()

    def _header(self, line: int, header: list[str], problems: Problems) -> dict[str, int] | None:
        """Column path -> field index; unknown and repeated columns reported."""
        found: dict[str, int] = {}
        for i, text in enumerate(header):
            key = text.strip().casefold()
            column = _BY_FOLD.get(key)
            if column is None:
                if not key and i == len(header) - 1:
                    continue  # trailing delimiter
                problems.add(
                    At(line, 1, i),
                    f"unknown column {text.strip()!r} in a queue settings CSV{did_you_mean(text.strip(), COLUMNS)}; "
                    "columns are the settings' paths in a JSON queues entry (see docs/spec-format.md)",
                )
                continue
            if column in found:
                problems.add(At(line, 1, i), f"duplicate column {text.strip()!r} (same as column {found[column] + 1})")
                continue
            found[column] = i
        return found


class _Row:
    """One row's cells as the JSON entry they stand for; a cell that does not read is a problem at it."""

    def __init__(self, line: int, row: list[str], columns: dict[str, int], decimal_comma: bool, problems: Problems):
        self.line, self.row, self.columns, self.decimal_comma, self.problems = line, row, columns, decimal_comma, problems
        self.failed = False

    def cell(self, column: str) -> str:
        i = self.columns[column]
        return self.row[i].strip() if i < len(self.row) else ""

    def bad(self, column: str, message: str) -> None:
        self.failed = True
        self.problems.add(At(self.line, 1, self.columns[column]), message)

    def entry(self) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for column in self.columns:
            text = self.cell(column)
            if not text:
                continue
            value = self._value(column, text)
            if value is not None:
                _put(obj, column, value)
        return obj

    def _value(self, column: str, text: str) -> Any:
        if column in _INTEGER:
            if re.fullmatch(r"[+-]?\d+", text):
                return int(text)
            self.bad(column, f"{column!r} must be a whole number, got {text!r}")
            return None
        if column in _NUMBER:
            return self._number(column, text)
        if column in _LIST:
            if text == "-":
                return []
            return [n.strip() for n in _SEPARATORS.split(text) if n.strip()] or None
        if column in _FLAG:
            if text.casefold() in _TRUE:
                return True
            if text.casefold() not in _FALSE:
                self.bad(column, f"{column!r}: {text!r} is not true or false (blank means false)")
            return None
        return text

    def _number(self, column: str, text: str) -> float | None:
        t = text.replace(" ", "")
        percent = column.endswith("percentage") and t.endswith("%")
        t = t.removesuffix("%") if percent else t
        if self.decimal_comma and "," in t and "." not in t:
            t = t.replace(",", ".")
        try:
            value = float(t)
        except ValueError:
            self.bad(column, f"{column!r} must be a number, got {text!r}")
            return None
        value = value / 100 if percent else value
        return int(value) if value.is_integer() and not percent else value


def _put(obj: dict[str, Any], column: str, value: Any) -> None:
    """Set ``value`` at the column's path in the entry (``media.email.serviceLevel.percentage``)."""
    parts = column.split(".")
    node = obj
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _column_of(path: Path, columns: dict[str, int]) -> int:
    """The field index a problem at ``path`` (in the entry) belongs to: the column of that path, the
    first column under it, else the row's first column."""
    dotted = ".".join(str(p) for p in path if not isinstance(p, int))
    if dotted in columns:
        return columns[dotted]
    under = [i for c, i in columns.items() if dotted and c.startswith(dotted + ".")]
    if under:
        return min(under)
    return min((columns[c] for c in FIRST if c in columns), default=0)


def _locator(line: int, columns: dict[str, int]) -> LocateSetting:
    def locate(name: str) -> At:
        return At(line, 1, _column_of(tuple(name.split(".")), columns))

    return locate
