"""The reconciliation queue: users and items a person must look at, as an append-only NDJSON log.

Events are ``queued``, ``dropped``, ``retried`` and ``resolved``; the queue is what folding them gives,
so no command ever rewrites the file and a crash can't lose an entry. Every event names its entry by
``kind`` and ``key`` (``records.entry_named`` also reads an older version's ``user_id``), and is
stamped ``ts`` in the audit's one form (``stamps``). Commands name an entry by ``records.entry_id``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bulkops.state.ndjson import BadLine, NdjsonWriter, read_ndjson
from bulkops.state.records import ReconciliationEntry, entry_fields, entry_id, entry_named, split_entry_id
from bulkops.state.stamps import now_ts


class ReconciliationQueue:
    def __init__(self, path: Path):
        self.path = path
        self._writer: NdjsonWriter | None = None

    def _write(self, record: dict[str, Any]) -> None:
        if self._writer is None:
            self._writer = NdjsonWriter(self.path, fsync_every=0.0)
        self._writer.write({"ts": now_ts(), **record})

    def add(self, entry: ReconciliationEntry) -> None:
        self._write({"event": "queued", **entry.to_json()})

    def drop(self, name: str, *, note: str = "") -> None:
        """``name``: the entry's ``entry_id`` (a user's id, or ``kind:key``)."""
        self._write({"event": "dropped", **_named(name), "note": note})

    def mark_retried(self, name: str, run_id: str) -> None:
        self._write({"event": "retried", **_named(name), "run_id": run_id})

    def resolve(self, name: str, run_id: str, outcome: str) -> None:
        """The entry was queued by a run that died before recording it done; a later run applied it."""
        self._write({"event": "resolved", **_named(name), "run_id": run_id, "outcome": outcome})

    def entries(self) -> dict[str, dict[str, Any]]:
        """Open entries by ``entry_id``, latest first-come order preserved.

        Every event bulkops writes names its entry; one that does not (a hand-edited
        line) concerns nothing, so it is skipped like a damaged one."""
        open_: dict[str, dict[str, Any]] = {}
        for rec in read_ndjson(self.path):
            if isinstance(rec, BadLine) or (named := entry_named(rec)) is None:
                continue
            name = entry_id(*named)
            if rec.get("event") == "queued":
                open_[name] = rec
            elif rec.get("event") in ("dropped", "retried", "resolved"):
                open_.pop(name, None)
        return open_

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def _named(name: str) -> dict[str, str]:
    return entry_fields(*split_entry_id(name))
