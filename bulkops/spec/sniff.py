"""Cheap guesses made before reading a spec: its format, its CSV delimiter, its text.

Decoding is done line by line (not by a TextIOWrapper) so a non-UTF-8 byte can be
reported with its line and column instead of a bare UnicodeDecodeError.
"""

from __future__ import annotations

import csv
import io
import os
from typing import BinaryIO, Iterator, Literal

from bulkops.spec.validate import At, Problems

Format = Literal["csv", "json", "jsonl"]

DELIMITERS = (",", ";", "\t")
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
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


class LineDecoder:
    """Yields decoded lines (line ends kept, BOM dropped) and reports bad UTF-8 once.

    Undecodable bytes become U+FFFD so the rest of the file can still be checked; the
    single problem points at the first bad byte.
    """

    def __init__(self, path: str, problems: Problems | None):
        self.path = path
        self.problems = problems
        self.lineno = 0  # physical lines handed out so far

    def __iter__(self) -> Iterator[str]:
        with open(self.path, "rb") as f:
            yield from self._lines(f)

    def _lines(self, f: BinaryIO) -> Iterator[str]:
        reported = False
        first = True
        for raw in f:
            if first:
                first = False
                if raw.startswith(_UTF16_BOMS):
                    self._report(At(1, 1), "file is UTF-16 encoded; save it as UTF-8")
                    return
                raw = raw.removeprefix(_BOM)
            self.lineno += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                if not reported:  # once: an 8-bit file is usually bad on most lines
                    reported = True
                    col = len(raw[: e.start].decode("utf-8", "replace")) + 1
                    self._report(
                        At(self.lineno, col),
                        f"file is not valid UTF-8 (byte 0x{raw[e.start]:02X}); save it as UTF-8",
                    )
                text = raw.decode("utf-8", "replace")
            yield text

    def _report(self, at: At, message: str) -> None:
        if self.problems is not None:
            self.problems.add(at, message)


def read_head_lines(path: str, limit: int = 20) -> list[str]:
    """The first few decoded lines, for delimiter and header sniffing (errors replaced)."""
    out: list[str] = []
    with open(path, "rb") as f:
        for i, raw in enumerate(f):
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
