"""The spec's intents as written, between the one parse and resolution: a private SQLite file.

Kept apart from the run store so that the store that becomes the job's state never held
them (no space to give back, no copy of the spec's names in the job folder)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from bulkops.domain.model import UserIntent
from bulkops.state.codec import decode_intent, encode_intent

# ``ref`` is the user ref folded, so resolution finds a user's intent when it reads the user.
_SCHEMA = "CREATE TABLE IF NOT EXISTS staged (seq INTEGER PRIMARY KEY, ref TEXT NOT NULL, payload BLOB NOT NULL)"


class StagedIntents:
    def __init__(self, path: Path):
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=OFF")  # scratch: a crash leaves nothing worth keeping
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def stage(self, intents: Iterable[UserIntent], key: Callable[[str], str], *, batch: int = 2000) -> int:
        """Keep the intents in spec order, each with ``key(intent.user)``."""
        total = 0
        rows: list[tuple[str, bytes]] = []
        with self._db:
            for intent in intents:
                rows.append((key(intent.user), encode_intent(intent)))
                if len(rows) >= batch:
                    self._db.executemany("INSERT INTO staged(ref, payload) VALUES (?, ?)", rows)
                    total += len(rows)
                    rows = []
            self._db.executemany("INSERT INTO staged(ref, payload) VALUES (?, ?)", rows)
        return total + len(rows)

    def refs(self) -> dict[str, list[int]]:
        """Each user key with the positions of the intents naming it."""
        out: dict[str, list[int]] = {}
        for seq, ref in self._db.execute("SELECT seq, ref FROM staged"):
            out.setdefault(ref, []).append(seq)
        return out

    def at(self, seqs: Sequence[int]) -> list[tuple[int, UserIntent]]:
        """These intents, in spec order."""
        out: list[tuple[int, UserIntent]] = []
        ordered = sorted(seqs)
        for i in range(0, len(ordered), 500):
            chunk = ordered[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT seq, payload FROM staged WHERE seq IN ({marks}) ORDER BY seq", chunk)
            out.extend((seq, decode_intent(payload)) for seq, payload in rows)
        return out

    def __iter__(self) -> Iterator[UserIntent]:
        """Every intent in spec order, read in batches (never all in memory)."""
        after = 0
        while True:
            rows = self._db.execute("SELECT seq, payload FROM staged WHERE seq > ? ORDER BY seq LIMIT 2000", (after,)).fetchall()
            if not rows:
                return
            for _, payload in rows:
                yield decode_intent(payload)
            after = rows[-1][0]
