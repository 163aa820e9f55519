"""Where a job's files live: ``<state-dir>/<job>/``, one private folder per job.

A job name is a plain folder name, checked here where every path is made, so no
command can read, write or remove anything outside its own job's folder. The folders
bulkops creates are owner-only: the audit log and state hold emails and before/after values.
A folder that exists already (``--state-dir``, a shared ``/tmp``, a report's output folder) is
the user's: its mode is never changed (#25 §6).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from bulkops.errors import JobNameError

#: Letters, digits, '.', '_' and '-', starting with a letter or digit (so never '.' or '..').
_JOB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def check_job_name(name: str) -> str:
    if not _JOB_NAME.fullmatch(name):
        raise JobNameError(
            f"job name {name!r} is not a plain name: use letters, digits, '.', '_' and '-' "
            "(at most 128, starting with a letter or digit); a job always lives in its own folder under --state-dir"
        )
    return name


def state_dir_flag(state_dir: str | Path) -> str:
    """`` --state-dir DIR`` for a printed command, or nothing for the default (``checkpoints``):
    every command bulkops prints works when copied (#28 §5)."""
    return "" if os.path.normpath(state_dir) == "checkpoints" else f" --state-dir {shlex.quote(str(state_dir))}"


def private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents owner-only; leave every folder that exists as it is.

    Each missing level is made here one at a time, so only a folder this call created is made
    private: one that appears meanwhile (another process) or existed before keeps its mode."""
    missing: list[Path] = []
    at = path
    while not at.exists() and at != at.parent:
        missing.append(at)
        at = at.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR)
        except FileExistsError:
            continue  # made by someone else since we looked: theirs
        os.chmod(folder, PRIVATE_DIR)  # exactly 0700, whatever the umask
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    return path


def private_fd(path: Path) -> int:
    """Open ``path`` for writing (created or emptied), owner-only (0600) whatever the umask: the
    files bulkops writes hold emails and before/after values."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return fd


def write_private(path: Path, content: bytes) -> None:
    """``path.write_bytes(content)``, owner-only (``private_fd``)."""
    with open(private_fd(path), "wb") as fh:
        fh.write(content)


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
