"""One audit line: when, which pass and job, and the user's or item's outcome; one encoder, one decoder.

Every reader of the audit log (the report, ``undo``, ``verify``, the integrity check) reads it
through ``read_audit`` / ``scan_audit`` and gets typed ``AuditLine``s: nobody else parses a line.
A user's line carries ``after`` whole; a line of an older version that left it out gets it put
back by the decoder (``records.UserOutcome.from_json``), never by a reader. A line that is not a
complete JSON record, or that names no outcome, comes back as a ``BadLine``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import orjson

from bulkops.state.ndjson import BadLine, scan_ndjson
from bulkops.state.records import ItemOutcome, UserOutcome
from bulkops.state.stamps import parse_ts, stamp_text

Outcome = TypeVar("Outcome", bound=UserOutcome | ItemOutcome, covariant=True)


class DamagedLine(ValueError):
    """A JSON record that is not an audit line (no outcome, no user or item named, a wrong type)."""


@dataclass(frozen=True, slots=True)
class AuditLine(Generic[Outcome]):
    """One line of the audit log. ``record`` is a ``UserOutcome`` (a user's line) or an
    ``ItemOutcome`` (an item of another kind: it names its ``kind`` and ``key``)."""

    ts: str
    run_id: str
    job_id: str
    record: Outcome

    @property
    def t(self) -> float:
        """``ts`` in epoch seconds (0.0 when unreadable)."""
        return parse_ts(self.ts)


AnyLine = AuditLine[UserOutcome | ItemOutcome]
UserLine = AuditLine[UserOutcome]
ItemLine = AuditLine[ItemOutcome]


def encode_line(line: AuditLine[Any]) -> dict[str, Any]:
    """The line as written: the stamp first, then the record's own fields."""
    return {"ts": line.ts, "run_id": line.run_id, "job_id": line.job_id, **line.record.to_json()}


def decode_line(raw: Mapping[str, Any]) -> AnyLine:
    """A written line (any version) -> ``AuditLine``; ``DamagedLine`` when it is not one."""
    try:
        record: UserOutcome | ItemOutcome = ItemOutcome.from_json(raw) if "kind" in raw else UserOutcome.from_json(raw)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DamagedLine(f"not an audit line: {exc}") from exc
    return AuditLine(stamp_text(raw.get("ts")), str(raw.get("run_id") or ""), str(raw.get("job_id") or ""), record)


def scan_audit(path: Path) -> Iterator[tuple[int, AnyLine | BadLine]]:
    """(byte offset, line) of every line in order, a damaged one as a ``BadLine``; nothing if no file."""
    for off, raw in scan_ndjson(path):
        yield off, raw if isinstance(raw, BadLine) else _decoded(path, off, raw)


def read_audit(path: Path) -> Iterator[AnyLine | BadLine]:
    """Every line in order, a damaged one as a ``BadLine``; nothing if there is no file."""
    for _, line in scan_audit(path):
        yield line


def audit_lines(path: Path) -> Iterator[AnyLine]:
    """Every whole line in order (a damaged line, cut by a crash, names nothing it wrote: skipped)."""
    for line in read_audit(path):
        if not isinstance(line, BadLine):
            yield line


def audit_records(path: Path) -> Iterator[UserOutcome | ItemOutcome]:
    """The record of every whole line, in order."""
    for line in audit_lines(path):
        yield line.record


def item_records(path: Path) -> Iterator[ItemOutcome]:
    """The record of every whole item line (an item of another kind), in order."""
    for record in audit_records(path):
        if isinstance(record, ItemOutcome):
            yield record


def lines_at(path: Path, offsets: Sequence[int]) -> Iterator[AnyLine]:
    """The lines starting at ``offsets`` (from ``scan_audit``), read back one at a time, in that order."""
    if not offsets:
        return
    with open(path, "rb") as fh:
        pos = 0
        for off in offsets:
            if off != pos:
                fh.seek(off)
            raw = fh.readline()
            pos = off + len(raw)
            yield decode_line(orjson.loads(raw))


def user_line(line: AnyLine) -> UserLine | None:
    """The line as a user's line, or None for an item's."""
    record = line.record
    return AuditLine(line.ts, line.run_id, line.job_id, record) if isinstance(record, UserOutcome) else None


def item_line(line: AnyLine) -> ItemLine | None:
    """The line as an item's line, or None for a user's."""
    record = line.record
    return AuditLine(line.ts, line.run_id, line.job_id, record) if isinstance(record, ItemOutcome) else None


def _decoded(path: Path, off: int, raw: dict[str, Any]) -> AnyLine | BadLine:
    try:
        return decode_line(raw)
    except DamagedLine:
        return BadLine(path, _line_number(path, off), orjson.dumps(raw).decode())


def _line_number(path: Path, off: int) -> int:
    """The 1-based number of the line starting at byte ``off`` (only for a damaged line: rare)."""
    with open(path, "rb") as fh:
        return fh.read(off).count(b"\n") + 1
