"""The audit log: one NDJSON line per user outcome, stamped with time, run and job.

Written before the checkpoint marks the user done, so every checkpointed user has its
line; secrets never reach it (records are built from domain objects, not requests).
"""

from __future__ import annotations

import time
from pathlib import Path

from bulkops.state.ndjson import NdjsonWriter
from bulkops.state.records import ItemOutcome, UserOutcome


class AuditLog:
    def __init__(self, path: Path, *, run_id: str, job_id: str):
        self._writer = NdjsonWriter(path)
        self.run_id = run_id
        self.job_id = job_id

    @property
    def repaired(self) -> bool:
        """True when the previous run died mid-line and this writer terminated that line."""
        return self._writer.repaired

    def write(self, record: UserOutcome | ItemOutcome) -> None:
        self._writer.write({"ts": _iso(time.time()), "run_id": self.run_id, "job_id": self.job_id, **record.to_json()})

    def close(self) -> None:
        self._writer.close()


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"
