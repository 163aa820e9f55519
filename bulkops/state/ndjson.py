"""Append-only NDJSON files that survive a crash mid-line.

Each record is written whole and flushed to the OS at once (durable against a process
crash); ``fsync`` runs at most once a second and on close (durable against power loss
within that second), so the log never becomes the bottleneck of a fast run.
A line cut by a crash is never rewritten: the next writer terminates it, and readers
skip it with a message naming the file and line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bulkops.state.layout import private_dir


class NdjsonWriter:
    def __init__(self, path: Path, *, fsync_every: float = 1.0):
        private_dir(path.parent)  # made owner-only if missing; an existing folder keeps its mode
        self.path = path
        self.repaired = _ends_mid_line(path)
        # Owner-only: audit lines hold emails and before/after values.
        self._fh = open(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab", buffering=0)
        if self.repaired:
            self._fh.write(b"\n")
        self._fsync_every = fsync_every
        self._last_sync = time.monotonic()

    def write(self, record: dict[str, Any]) -> None:
        self._fh.write(orjson.dumps(record) + b"\n")
        now = time.monotonic()
        if now - self._last_sync >= self._fsync_every:
            os.fsync(self._fh.fileno())
            self._last_sync = now

    def close(self) -> None:
        if not self._fh.closed:
            os.fsync(self._fh.fileno())
            self._fh.close()


def _ends_mid_line(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) != b"\n"


@dataclass(frozen=True, slots=True)
class BadLine:
    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: not a complete JSON record (cut by a crash?), skipped: {self.text[:80]!r}"


def scan_ndjson(path: Path) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """(byte offset, record) for every line, so a reader can come back to one line later;
    a damaged line comes back as a ``BadLine`` instead of raising."""
    if not path.exists():
        return
    with open(path, "rb", buffering=1 << 20) as fh:
        pos = 0
        for number, raw in enumerate(fh, 1):
            off = pos
            pos += len(raw)
            raw = raw.strip()
            if not raw:
                continue
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError:
                yield off, BadLine(path, number, raw.decode("utf-8", "replace"))
                continue
            yield off, (record if isinstance(record, dict) else BadLine(path, number, raw.decode("utf-8", "replace")))


def read_ndjson(path: Path) -> Iterator[dict[str, Any] | BadLine]:
    """Every record in order; a damaged line comes back as a ``BadLine`` instead of raising."""
    for _, record in scan_ndjson(path):
        yield record
