"""Where a job's files live: ``<state-dir>/<job>/``, one private folder per job.

A job name is a plain folder name, checked here where every path is made, so no
command can read, write or remove anything outside its own job's folder. The folders
are owner-only: the audit log and state hold emails and before/after values.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from bulkops.errors import JobNameError

#: Letters, digits, '.', '_' and '-', starting with a letter or digit (so never '.' or '..').
_JOB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
PRIVATE_DIR = 0o700


def check_job_name(name: str) -> str:
    if not _JOB_NAME.fullmatch(name):
        raise JobNameError(
            f"job name {name!r} is not a plain name: use letters, digits, '.', '_' and '-' "
            "(at most 128, starting with a letter or digit); a job always lives in its own folder under --state-dir"
        )
    return name


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) owner-only, and make an existing one owner-only."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, PRIVATE_DIR)
    return path


@dataclass(frozen=True, slots=True)
class RunPaths:
    root: Path

    @property
    def db(self) -> Path:
        return self.root / "state.db"

    @property
    def audit(self) -> Path:
        return self.root / "audit.ndjson"

    @property
    def reconciliation(self) -> Path:
        return self.root / "reconciliation.ndjson"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"

    @property
    def results(self) -> Path:
        return self.root / "results"

    def spec_snapshot(self, suffix: str) -> Path:
        """The exact bytes that were validated, kept with the job (never the original again)."""
        return self.root / f"spec{suffix}"

    @classmethod
    def for_job(cls, state_dir: str | Path, job: str) -> RunPaths:
        return cls(Path(state_dir) / check_job_name(job))
