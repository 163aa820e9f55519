"""Where a job's files live: ``<state-dir>/<job>/``, one folder per job."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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

    @classmethod
    def for_job(cls, state_dir: str | Path, job: str) -> "RunPaths":
        return cls(Path(state_dir) / job)
