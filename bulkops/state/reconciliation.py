"""The reconciliation queue: users a person must look at, as an append-only NDJSON log.

Events are ``queued``, ``dropped``, ``retried`` and ``resolved``; the queue is what folding them gives,
so no command ever rewrites the file and a crash can't lose an entry.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bulkops.state.ndjson import BadLine, NdjsonWriter, read_ndjson
from bulkops.state.records import ReconciliationEntry


class ReconciliationQueue:
    def __init__(self, path: Path):
        self.path = path
        self._writer: NdjsonWriter | None = None

    def _write(self, record: dict[str, Any]) -> None:
        if self._writer is None:
            self._writer = NdjsonWriter(self.path, fsync_every=0.0)
        self._writer.write({"ts": time.time(), **record})

    def add(self, entry: ReconciliationEntry) -> None:
        self._write({"event": "queued", **entry.to_json()})

    def drop(self, user_id: str, *, note: str = "") -> None:
        self._write({"event": "dropped", "user_id": user_id, "note": note})

    def mark_retried(self, user_id: str, run_id: str) -> None:
        self._write({"event": "retried", "user_id": user_id, "run_id": run_id})

    def resolve(self, user_id: str, run_id: str, outcome: str) -> None:
        """The user was queued by a run that died before recording it done; a later run applied it."""
        self._write({"event": "resolved", "user_id": user_id, "run_id": run_id, "outcome": outcome})

    def entries(self) -> dict[str, dict[str, Any]]:
        """Open entries by user id, latest first-come order preserved.

        Every event bulkops writes names its user by id; one that does not (a hand-edited
        line) concerns no user, so it is skipped like a damaged one."""
        open_: dict[str, dict[str, Any]] = {}
        for rec in read_ndjson(self.path):
            if isinstance(rec, BadLine):
                continue
            uid = rec.get("user_id")
            if not isinstance(uid, str):
                continue
            if rec.get("event") == "queued":
                open_[uid] = rec
            elif rec.get("event") in ("dropped", "retried", "resolved"):
                open_.pop(uid, None)
        return open_

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
