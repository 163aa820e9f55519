"""The audit log: one NDJSON line per user or item outcome, stamped with time, run and job.

Written before the checkpoint marks the user done, so every checkpointed user has its
line; secrets never reach it (records are built from domain objects, not requests).
The line's shape is ``auditline.AuditLine`` (its one encoder and decoder live there).
"""

from __future__ import annotations

from pathlib import Path

from bulkops.state.auditline import AuditLine, encode_line
from bulkops.state.ndjson import NdjsonWriter
from bulkops.state.records import ItemOutcome, UserOutcome
from bulkops.state.stamps import now_ts


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
        self._writer.write(encode_line(AuditLine(now_ts(), self.run_id, self.job_id, record)))

    def close(self) -> None:
        self._writer.close()
