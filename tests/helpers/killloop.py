"""Drive one job through SIGKILLs at moments tied to its progress, then to its end (slow tests).

The first kill lands early (set-up or the first phase), each later one once the audit log has
grown by ``every`` lines in that process: a fast machine still gets its kills."""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from helpers.cli import bulkops, spawn

__all__ = ["kill_and_resume"]


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _command(spec: Path, state: Path, job: str) -> list[str]:
    """What an operator does after a crash: resume; if the job never got past set-up, run it again."""
    return ["resume", job] if (state / job / "state.db").exists() else ["run", str(spec), "--job", job, "--yes"]


def kill_and_resume(
    spec: Path,
    state: Path,
    common: list[str],
    rng: random.Random,
    *,
    job: str = "j",
    kills: int = 4,
    every: int = 20,
    command: Callable[[], list[str]] | None = None,
) -> tuple[int, subprocess.CompletedProcess[str]]:
    """(SIGKILLs that landed, the last process run to its end). ``command`` says what to start each
    time (default: resume ``job``, or run ``spec`` as it while it has no run state)."""
    audit = state / job / "audit.ndjson"
    next_command = command or (lambda: _command(spec, state, job))
    landed = 0
    for n in range(kills):
        proc = spawn(*next_command(), *common)
        if n == 0:
            time.sleep(rng.uniform(0.3, 1.2))
        else:
            lines, deadline = _lines(audit), time.monotonic() + 60
            while proc.poll() is None and _lines(audit) < lines + every and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:
            proc.kill()
            landed += 1
        proc.wait(30)
    end = bulkops(*next_command(), *common, timeout=300)
    for _ in range(2):  # a kill during set-up may leave one more set-up to finish
        if end.returncode == 0:
            break
        end = bulkops(*next_command(), *common, timeout=300)
    return landed, end
