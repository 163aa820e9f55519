"""CSV records with the line each starts on, plus the late field-index -> column mapping.

Both CSV forms read through here: the C ``csv`` module does the parsing (fast, handles
quotes and CRLF), a counting line source tells where each record starts, and malformed
quoting is reported and skipped instead of aborting the pass.
"""

from __future__ import annotations

import csv
from typing import Iterator, Mapping

from bulkops.spec.sniff import LineDecoder
from bulkops.spec.validate import At, Problems


def records(path: str, delimiter: str, problems: Problems | None) -> Iterator[tuple[int, list[str]]]:
    """(start line, fields) for every non-empty record; blank lines are skipped."""
    source = LineDecoder(path, problems)
    reader = csv.reader(iter(source), delimiter=delimiter, strict=True)
    while True:
        start = source.lineno + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            if problems is not None:
                msg = str(e)
                if "unexpected end of data" in msg:
                    problems.add(At(start, 1), f"quoted field starting on line {start} is never closed")
                else:
                    problems.add(At(source.lineno, 1), f"malformed CSV: {msg}")
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


def column_fixer(path: str, delimiter: str):
    """A ``ColumnFixer`` that re-reads the file once to find the fields it is asked about."""

    def fix(wanted: set[tuple[int, int]]) -> Mapping[tuple[int, int], tuple[int, int]]:
        lines_needed = {line for line, _ in wanted}
        last = max(lines_needed)
        out: dict[tuple[int, int], tuple[int, int]] = {}
        source = LineDecoder(path, None)
        pending: list[str] = []
        reader = csv.reader(_tee(iter(source), pending), delimiter=delimiter, strict=True)
        while source.lineno < last:
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


def at_field(line: int, field: int) -> At:
    return At(line, 1, field)
