"""One process per job: an OS file lock held for the life of every pass.

``fcntl.flock`` on ``<job>/lock``: the kernel releases it when the process ends however it
ends (kill -9 included), so a lock is never stale; the file records who holds it (pid,
host, start) for the message a second process prints. ``status`` asks the lock, not a
flag in the run state, whether a pass is running: a flag cannot be cleared by a process
that was killed, or that stopped because its disk was full.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from pathlib import Path
from typing import Any

import orjson

from bulkops.errors import JobBusyError, RunStateWriteError
from bulkops.state.layout import RunPaths, private_dir

LOCK_NAME = "lock"
#: Locks this process holds, by path, with how many holders: a process may nest passes
#: of one job (``reconcile retry`` locks before it reopens users, then runs the pass).
_HELD: dict[Path, list[int]] = {}


class JobLock:
    def __init__(self, root: Path):
        self.path = root / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> JobLock:
        held = _HELD.get(self.path)
        if held is not None:
            held[1] += 1
            self._fd = held[0]
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            who = holder(self.path.parent) or {}
            raise JobBusyError(
                f"job {self.path.parent.name} is being run by another bulkops process "
                f"(pid {who.get('pid', '?')} on {who.get('host', '?')}, since {who.get('since', '?')}); "
                "wait for it, or stop it with Ctrl-C"
            ) from None
        self._fd = fd
        _HELD[self.path] = [fd, 1]
        try:  # who holds it: for messages only, so a full disk must not stop the pass here
            os.ftruncate(fd, 0)
            os.pwrite(fd, orjson.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}), 0)
        except OSError:
            pass
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        self._fd = None
        held = _HELD[self.path]
        held[1] -= 1
        if held[1] == 0:
            del _HELD[self.path]
            os.close(held[0])  # closing the descriptor releases the lock

    def __enter__(self) -> JobLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def new_job_lock(paths: RunPaths) -> JobLock:
    """The lock of a job about to be created, its folder made first (the lock lives in it): taken
    before the folder is judged, so of processes that start one job at once the first creates it and
    the others are busy (exit 8), never judging a job half made as damaged (#28 §5)."""
    try:
        private_dir(paths.root)
    except OSError as exc:
        raise RunStateWriteError(f"cannot create the run state under {paths.root}: {exc}") from exc
    return JobLock(paths.root)


def holder(root: Path) -> dict[str, Any] | None:
    """Who runs the job now (pid, host, since), or None when no process holds its lock."""
    path = root / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                info = orjson.loads(path.read_bytes() or b"{}")
            except (OSError, orjson.JSONDecodeError):
                info = {}
            return info if isinstance(info, dict) else {}
        return None
    finally:
        os.close(fd)
