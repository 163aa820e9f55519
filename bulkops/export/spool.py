"""Exported users kept on disk until the listing is done: a wide CSV's header needs every skill
any of them holds, and a manager is named by email though they may be listed after the user.

One NDJSON line a user in a private temporary file: memory holds the names seen and the org's
id -> email table, never the users (100,000 users: about 10 MB, see docs/benchmarks.md).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

import orjson

from bulkops.export.model import ExportedUser


class Spool:
    """Write ``add`` for each user, then read them back with ``users`` (managers by email)."""

    def __init__(self, folder: str | None = None):
        fd, name = tempfile.mkstemp(prefix="bulkops-export-", suffix=".ndjson", dir=folder)  # 0600
        self.path = Path(name)
        self._out: IO[bytes] | None = os.fdopen(fd, "wb")
        self.skills: set[str] = set()
        self.languages: set[str] = set()
        self.count = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        self.path.unlink(missing_ok=True)

    def add(self, user: ExportedUser) -> None:
        assert self._out is not None, "add after users()"
        self.skills.update(user.skills)
        self.languages.update(user.languages)
        row = (user.id, user.email, user.department, user.title, user.manager, user.division, user.skills, user.languages, user.queues)
        self._out.write(orjson.dumps(row) + b"\n")
        self.count += 1

    def users(self, emails: Mapping[str, str]) -> Iterator[ExportedUser]:
        """Each user as added, the manager's id replaced by their email where the listing carried them
        (a manager it did not carry, an inactive one, stays an id: specs accept ids too)."""
        if self._out is not None:
            self._out.close()
            self._out = None
        with open(self.path, "rb") as fh:
            for line in fh:
                uid, email, department, title, manager, division, skills, languages, queues = orjson.loads(line)
                manager = emails.get(manager, manager) if manager else None
                yield ExportedUser(uid, email, department, title, manager, division, skills, languages, tuple(queues))
