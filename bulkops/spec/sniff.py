"""Cheap guesses made before reading a spec: its format, its CSV delimiter, its text.

Decoding is done line by line (not by a TextIOWrapper) so a non-UTF-8 byte can be
reported with its line and column instead of a bare UnicodeDecodeError. Lines are
read through ``BoundedLines``, so one absurdly long line is refused where it starts
instead of being read into memory whole.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from typing import IO, AnyStr, Generic, Literal

from bulkops.spec.validate import At, Problems

Format = Literal["csv", "json", "jsonl"]

DELIMITERS = (",", ";", "\t")
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: The most one CSV record (all its lines, when a quoted field spans several) or one JSON
#: Lines line may hold: 1 MiB. A real row is a few KB even with a thousand skills; the
#: bound keeps memory at about one record whatever the file holds (a 1 GB line would
#: otherwise be read, decoded and split whole). Counted in bytes, or in characters where
#: the file is read as text (the CSV fast path), which for a valid UTF-8 file is never more.
MAX_RECORD = 1 << 20

_EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def sniff_format(path: str) -> Format:
    """By extension; for anything else, by the first non-blank byte (``{`` means JSON)."""
    ext = os.path.splitext(path)[1].lower()
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    with open(path, "rb") as f:
        head = f.read(65536)
    head = head.removeprefix(_BOM).lstrip()
    if head[:1] in (b"{", b"["):
        first, _, rest = head.partition(b"\n")
        if first.rstrip().endswith(b"}") and rest.lstrip()[:1] == b"{":
            return "jsonl"
        return "json"
    return "csv"


class BoundedLines(Generic[AnyStr]):
    """The lines of an open file (text or binary), each record held to ``limit``.

    Lines are read with ``readline(room)``, so a longer one is never held whole: reading
    stops at the record that goes past the bound and ``overflow`` names its first line.
    With ``records=False`` each line is a record; otherwise the consumer groups lines
    (a CSV reader inside a quoted field) and calls ``new_record`` between records.
    """

    def __init__(self, f: IO[AnyStr], limit: int | None = MAX_RECORD, *, records: bool = False):
        self.f: IO[AnyStr] = f
        self.limit = limit
        self.records = records
        self.lineno = 0  # physical lines handed out so far
        self.overflow = 0  # first line of the record refused for its length; 0: none
        self._used = 0
        self._start = 1

    def new_record(self) -> None:
        """The next line starts a record: the bound applies afresh."""
        self._used = 0
        self._start = self.lineno + 1

    def __iter__(self) -> Iterator[AnyStr]:
        readline, limit, records = self.f.readline, self.limit, self.records
        while line := readline(-1 if limit is None else limit + 1 - self._used):
            self.lineno += 1
            if limit is not None:
                if self._used + len(line) > limit:
                    self.overflow = self._start if records else self.lineno
                    return
                if records:  # one line per record otherwise: nothing to add up
                    self._used += len(line)
            yield line

    def overflow_problem(self) -> tuple[At, str] | None:
        """Where and why reading stopped early, or None if it did not."""
        if not self.overflow:
            return None
        size = f"{self.limit:,} bytes"
        if self.overflow == self.lineno:
            what = f"line {self.lineno} is longer than {size}, the most one row may hold"
        else:
            what = f"the record starting on line {self.overflow} runs past {size} (a quoted field left open?)"
        return At(self.overflow, 1), what + "; the rest of the file was not read"


class LineDecoder:
    """Yields decoded lines (line ends kept, BOM dropped) and reports bad UTF-8 once.

    Undecodable bytes become U+FFFD so the rest of the file can still be checked; the
    single problem points at the first bad byte. ``limit`` and ``records`` bound each
    record as in ``BoundedLines`` (``limit=None`` reads lines of any length); a record
    past the bound is reported and ends the file.
    """

    def __init__(self, path: str, problems: Problems | None, limit: int | None = MAX_RECORD, *, records: bool = False):
        self.path = path
        self.problems = problems
        self.limit = limit
        self.records = records
        self._lines: BoundedLines[bytes] | None = None

    @property
    def lineno(self) -> int:
        """Physical lines handed out so far."""
        return self._lines.lineno if self._lines is not None else 0

    @property
    def stopped(self) -> bool:
        """True once a record past the bound ended the file early (already reported)."""
        return self._lines is not None and self._lines.overflow > 0

    def new_record(self) -> None:
        if self._lines is not None:
            self._lines.new_record()

    def __iter__(self) -> Iterator[str]:
        with open(self.path, "rb") as f:
            self._lines = BoundedLines(f, self.limit, records=self.records)
            yield from self._decoded(self._lines)
        if stopped := self._lines.overflow_problem():
            self._report(*stopped)

    def _decoded(self, lines: BoundedLines[bytes]) -> Iterator[str]:
        reported = False
        first = True
        for raw in lines:
            if first:
                first = False
                if raw.startswith(_UTF16_BOMS):
                    self._report(At(1, 1), "file is UTF-16 encoded; save it as UTF-8")
                    return
                raw = raw.removeprefix(_BOM)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                if not reported:  # once: an 8-bit file is usually bad on most lines
                    reported = True
                    col = len(raw[: e.start].decode("utf-8", "replace")) + 1
                    self._report(
                        At(lines.lineno, col),
                        f"file is not valid UTF-8 (byte 0x{raw[e.start]:02X}); save it as UTF-8",
                    )
                text = raw.decode("utf-8", "replace")
            yield text

    def _report(self, at: At, message: str) -> None:
        if self.problems is not None:
            self.problems.add(at, message)


def read_head_lines(path: str, limit: int = 20) -> list[str]:
    """The first few decoded lines, for delimiter and header sniffing (errors replaced);
    at most ``MAX_RECORD`` bytes in all (the readers report a longer record)."""
    out: list[str] = []
    with open(path, "rb") as f:
        head = BoundedLines(f, MAX_RECORD, records=True)
        for i, raw in enumerate(head):
            if i == 0:
                raw = raw.removeprefix(_BOM)
            out.append(raw.decode("utf-8", "replace"))
            if len(out) >= limit:
                break
    return out


def detect_delimiter(lines: list[str]) -> str:
    """Comma, semicolon or tab: the one that splits the header into the most columns
    while keeping the most following rows at that same width (comma wins ties)."""
    best = ","
    best_score = (-1, -1)
    for delim in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO("".join(lines)), delimiter=delim) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(1 for r in rows if len(r) == width), width)
        if score > best_score:
            best, best_score = delim, score
    return best
