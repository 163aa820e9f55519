"""A failure to write local state (a full disk, a read-only folder), told apart from every other error.

SQLite says so with its own exceptions, the file system with an errno; either way the run
cannot go on, and the operator needs the folder and the cause in one line (exit 7)."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from bulkops.errors import RunStateWriteError

STATE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG})


def as_state_write_error(exc: BaseException, what: str) -> BaseException:
    """``exc`` as a ``RunStateWriteError`` naming ``what`` could not be written, if it is one."""
    if isinstance(exc, sqlite3.Error) or (isinstance(exc, OSError) and exc.errno in STATE_ERRNOS):
        return RunStateWriteError(f"cannot write {what}: {exc}")
    return exc


@contextmanager
def state_writes(what: str) -> Iterator[None]:
    """Inside: a write failure of local state is raised as ``RunStateWriteError`` naming ``what``."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise as_state_write_error(exc, what) from exc
