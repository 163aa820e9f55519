"""CSV records with the line each starts on, plus the late field-index -> column mapping.

Both CSV forms read through here: the C ``csv`` module does the parsing (fast, handles
quotes and CRLF), a counting line source tells where each record starts, and malformed
quoting is reported and skipped instead of aborting the pass. The line source also
bounds each record (``sniff.MAX_RECORD``), so memory stays at about one record.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, TypeVar

from bulkops.safetext import escaped, unsafe_char
from bulkops.spec.sections import UsersOnly
from bulkops.spec.sniff import BoundedLines, LineDecoder
from bulkops.spec.validate import At, ColumnFixer, Locate, Problems

if TYPE_CHECKING:
    from bulkops.domain.model import Mode, UserIntent

#: What a CSV form makes of its header row (``CsvForm.start``).
H = TypeVar("H")


def records(path: str, delimiter: str, problems: Problems | None) -> Iterator[tuple[int, list[str]]]:
    """(start line, fields) for every non-empty record, each cell safe to print (``safe_cells``)."""
    rows = _records(path, delimiter, problems)
    return rows if problems is None else safe_cells(rows, problems)


#: A control (C0 but for nothing, DEL, C1) or bidi character in a record: rare, so one search a record.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe_cells(rows: Iterator[tuple[int, list[str]]], problems: Problems) -> Iterator[tuple[int, list[str]]]:
    """The records, with each cell holding a control or bidi character (a newline inside quotes,
    a tab, an escape, U+202E) reported at that cell and passed on escaped, so the rest of the
    checks still run on it and nothing unsafe goes further."""
    for start, row in rows:
        if _UNSAFE.search("".join(row)) is not None:
            row = [_checked(cell, start, i, problems) for i, cell in enumerate(row)]
        yield start, row


def _checked(cell: str, line: int, field: int, problems: Problems) -> str:
    found = unsafe_char(cell)
    if found is None:
        return cell
    index, what = found
    problems.add(At(line, 1, field), f"holds {what} at character {index + 1}: control characters and bidi overrides/isolates are refused")
    return escaped(cell)


def _records(path: str, delimiter: str, problems: Problems | None) -> Iterator[tuple[int, list[str]]]:
    """(start line, fields) for every non-empty record; blank lines are skipped.

    Fast path: the C reader over a strict UTF-8 text file, lines counted by
    ``reader.line_num``. If the file turns out not to be UTF-8, malformed, or to hold a
    record past the size bound, the pass restarts on the careful line-by-line decoder
    (which reports where) and skips what was yielded.
    """
    done = 0  # start line of the last record yielded
    if not _has_utf16_bom(path):
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                lines = BoundedLines(f, records=True)
                reader = csv.reader(lines, delimiter=delimiter, strict=True)
                prev = 0
                for row in reader:  # the common case, kept tight
                    start = prev + 1
                    prev = reader.line_num
                    lines.new_record()
                    if row and (len(row) > 1 or row[0].strip()):
                        done = start
                        yield start, row
            if not lines.overflow:
                return
        except csv.Error:
            pass  # rare: let the careful loop below report it with its line
        except UnicodeDecodeError:
            pass
    source = LineDecoder(path, problems, records=True)
    reader = csv.reader(iter(source), delimiter=delimiter, strict=True)
    yield from _read(reader, source, problems, done)


def _has_utf16_bom(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(2) in (b"\xff\xfe", b"\xfe\xff")


def _read(reader: Iterator[list[str]], source: LineDecoder, problems: Problems | None, skip_until: int) -> Iterator[tuple[int, list[str]]]:
    while True:
        source.new_record()
        start = source.lineno + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            if problems is not None and start > skip_until and not source.stopped:
                msg = str(e)
                if "unexpected end of data" in msg:
                    problems.add(At(start, 1), f"quoted field starting on line {start} is never closed")
                else:
                    problems.add(At(source.lineno, 1), f"malformed CSV: {msg}")
            continue
        if start <= skip_until:
            continue
        if row and not (len(row) == 1 and not row[0].strip()):
            yield start, row


def field_starts(text: str, delimiter: str) -> list[tuple[int, int]]:
    """(line offset, 1-based column) where each field of one raw record begins."""
    starts = [(0, 1)]
    line, col = 0, 1
    in_quotes = False
    for ch in text:
        if ch == '"':
            in_quotes = not in_quotes  # a doubled quote toggles twice: still inside
        elif ch == delimiter and not in_quotes:
            starts.append((line, col + 1))
        if ch == "\n":
            line, col = line + 1, 1
        else:
            col += 1
    return starts


def column_fixer(path: str, delimiter: str) -> ColumnFixer:
    """A ``ColumnFixer`` that re-reads the file once to find the fields it is asked about."""

    def fix(wanted: set[tuple[int, int]]) -> Mapping[tuple[int, int], tuple[int, int]]:
        lines_needed = {line for line, _ in wanted}
        last = max(lines_needed)
        out: dict[tuple[int, int], tuple[int, int]] = {}
        source = LineDecoder(path, None, records=True)
        pending: list[str] = []
        reader = csv.reader(_tee(iter(source), pending), delimiter=delimiter, strict=True)
        while source.lineno < last:
            source.new_record()
            start = source.lineno + 1
            pending.clear()
            try:
                next(reader)
            except StopIteration:
                break
            except csv.Error:
                continue
            if start not in lines_needed:
                continue
            raw = "".join(pending).rstrip("\r\n")
            first_line_len = len(raw.split("\n", 1)[0].rstrip("\r"))
            starts = field_starts(raw, delimiter)
            for line, field in wanted:
                if line != start:
                    continue
                if field < len(starts):
                    off, col = starts[field]
                    out[(line, field)] = (start + off, col)
                else:
                    out[(line, field)] = (start, first_line_len + 1)
        return out

    return fix


def _tee(lines: Iterator[str], sink: list[str]) -> Iterator[str]:
    for line in lines:
        sink.append(line)
        yield line


class CsvForm(UsersOnly):
    """What both CSV forms share: where the file is, and reading its header row first.

    ``read`` in a subclass starts with ``self.start(problems)``; a ``None`` back means the
    file is empty or its header is unusable (already reported), so nothing more is yielded.
    """

    def __init__(self, path: str, delimiter: str, mode: Mode, max_per_user: int):
        self.path = path
        self.delimiter = delimiter
        self.mode = mode
        self.max_per_user = max_per_user
        self.fixer = column_fixer(path, delimiter)

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        """The users' intents, each with where its parts are; every problem reported (a subclass's)."""
        raise NotImplementedError

    def start(
        self, problems: Problems, header_of: Callable[[int, list[str], Problems], H | None]
    ) -> tuple[Iterator[tuple[int, list[str]]], int, list[str], H] | None:
        """(rows, header_line, header, parsed) or None; ``header_of(line, header, problems)`` parses the header."""
        rows = records(self.path, self.delimiter, problems)
        first = next(rows, None)
        if first is None:
            if not problems:
                problems.add(At(1, 1), "empty file: expected a header row")
            return None
        header_line, header = first
        parsed = header_of(header_line, header, problems)
        if parsed is None:
            for _ in rows:  # still surface encoding/quoting problems further down
                pass
            return None
        return rows, header_line, header, parsed
