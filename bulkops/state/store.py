"""The checkpoint store: one SQLite file per job (WAL, one transaction per step).

It holds the job's identity (spec path and content hash), the resolved intents with a
status per user, and the listing position. SQLite gives atomic, durable commits, so a
kill -9 at any instant leaves either the old or the new checkpoint, never half of one.

User statuses: ``pending`` (not yet handled), ``inflight`` (writes may have been sent),
``done`` (outcome recorded in the audit log first). A resumed run re-checks ``pending``
and ``inflight`` users; an inflight user whose re-check finds nothing to do was applied
by the run that died, and is reported as applied.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bulkops.domain.model import ResolvedIntent, UserState
from bulkops.errors import StateError
from bulkops.state.codec import decode_state, encode_state
from bulkops.state.idtable import IdTable
from bulkops.state.writeahead import WriteAhead, decode, encode

SCHEMA_VERSION = 3
#: Versions this code opens: version 1 lacks the ``states`` table, versions 1 and 2 the ``ids``
#: table (added on open); their intents are plain JSON, which ``IdTable.decode`` still reads.
READABLE_VERSIONS = frozenset({1, 2, 3})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS intents (
    user_id TEXT PRIMARY KEY,
    payload BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    outcome TEXT,
    pass INTEGER NOT NULL DEFAULT 0,
    wrote INTEGER DEFAULT 0
);
CREATE INDEX IF NOT EXISTS intents_status ON intents(status);
-- The org ids the intents name, numbered (``state/idtable.py``): a 36-character id stored once.
CREATE TABLE IF NOT EXISTS ids (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
-- Each named user as set-up read it (compact, see codec.encode_state), with when: the run
-- writes from it while it is fresh instead of reading the user again.
CREATE TABLE IF NOT EXISTS states (user_id TEXT PRIMARY KEY, payload BLOB NOT NULL, read_at REAL NOT NULL);
-- Items of the other kinds of a job (skill definitions, ...): one per kind and key, each run in
-- its phase (``engine/run/phases.py``), with the same statuses as users.
CREATE TABLE IF NOT EXISTS items (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    phase TEXT NOT NULL,
    payload BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    outcome TEXT,
    wrote INTEGER DEFAULT 0,
    PRIMARY KEY (kind, key)
);
-- The write-ahead record of each user (and item) in flight: its before and the change being sent
-- (``state/writeahead.py``), written with the ``inflight`` mark and deleted with the ``done`` one.
CREATE TABLE IF NOT EXISTS writeahead (user_id TEXT PRIMARY KEY, payload BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS item_writeahead (kind TEXT NOT NULL, key TEXT NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (kind, key));
"""

PENDING, INFLIGHT, DONE = "pending", "inflight", "done"
#: ``wrote``: 1 once a write may have been sent (set with ``inflight``, kept through ``done`` and a
#: reopen), 0 never; NULL in a store made before the column, where only the outcome tells.
_WROTE_COLUMNS = (("intents", "wrote INTEGER"), ("items", "wrote INTEGER"))


@dataclass(frozen=True, slots=True)
class Written:
    """A user or item the checkpoint says may have been written (``RunStore.written``)."""

    key: str  # a user id, or ``kind:key`` for an item
    status: str  # inflight or done
    outcome: str | None
    #: The write-ahead record is there (in flight only: ``done`` drops it).
    has_record: bool


class RunStore:
    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self._db = conn
        self._idtable: IdTable | None = None
        #: Writes of the users' intents or states in this process: what set-up gathered for the impact
        #: on sight is valid only while this has not moved since resolution finished (#29 §5).
        self.user_writes = 0

    @property
    def _ids(self) -> IdTable:
        if self._idtable is None:  # loaded on first use: the table exists by then (created or opened)
            self._idtable = IdTable(self._db)
        return self._idtable

    # -- lifecycle ---------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, meta: dict[str, Any]) -> RunStore:
        """Built under a temporary name and renamed into place: a kill mid-way never
        leaves a half-made database where a job's state is expected."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            raise StateError(f"run state already exists at {path}")
        tmp = path.with_name(path.name + ".creating")
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        conn = sqlite3.connect(tmp)
        with conn:
            conn.executescript(_SCHEMA)
            conn.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)",
                [(k, orjson.dumps(v)) for k, v in {"schema": SCHEMA_VERSION, "created": time.time(), **meta}.items()],
            )
        conn.close()
        os.chmod(tmp, 0o600)  # SQLite gives its -wal and -shm files the database's mode
        os.replace(tmp, path)
        return cls(path, cls._connect(path))

    def move_to(self, path: Path) -> RunStore:
        """This store (set-up's staging) becomes the run state at ``path``: closed (its WAL
        folded in), copied beside ``path`` under a temporary name, renamed into place."""
        self._db.close()
        tmp = path.with_name(path.name + ".creating")
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(self.path, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        self.path.unlink(missing_ok=True)
        return RunStore.open(path)

    @staticmethod
    def is_blank(path: Path) -> bool:
        """A database file with no tables: a set-up killed before it wrote anything."""
        try:
            conn = sqlite3.connect(path)
            try:
                tables: int = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                return tables == 0
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            return False

    @classmethod
    def open(cls, path: Path) -> RunStore:
        if not path.exists():
            raise StateError(f"no run state at {path}")
        try:
            conn = cls._connect(path)
            conn.execute("SELECT count(*) FROM meta").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"run state at {path} is damaged ({exc}); start the job again with a new --job name") from exc
        store = cls(path, conn)
        if store.get("schema") not in READABLE_VERSIONS:
            raise StateError(f"run state at {path} has an unknown schema version {store.get('schema')!r}")
        with conn:
            conn.executescript(_SCHEMA)
            for table, column in _WROTE_COLUMNS:  # a store made before the write-ahead record
                if column.split()[0] not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        return store

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level="DEFERRED")
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: durable against a process crash (kill -9), which is the
        # failure this tool promises to survive; FULL would fsync every commit.
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def close(self) -> None:
        self._db.close()

    # -- meta --------------------------------------------------------------------------

    def _set_many(self, items: dict[str, Any]) -> None:
        self._db.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(k, orjson.dumps(v)) for k, v in items.items()],
        )

    def set(self, **items: Any) -> None:
        with self._db:
            self._set_many(items)

    def get(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return orjson.loads(row[0]) if row else default

    def meta(self) -> dict[str, Any]:
        return {k: orjson.loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}

    # -- intents -----------------------------------------------------------------------

    def add_intents(self, intents: Iterable[ResolvedIntent], *, batch: int = 2000) -> int:
        """Store resolved intents (``intent.user`` is the user id). Streams in batches."""
        total = 0
        rows: list[tuple[str, bytes]] = []
        with self._db:
            for intent in intents:
                rows.append((intent.user, self._ids.encode(intent)))
                if len(rows) >= batch:
                    total += self._insert(rows)
                    rows = []
            total += self._insert(rows)
        return total

    def _insert(self, rows: list[tuple[str, bytes]]) -> int:
        self.user_writes += 1
        self._db.executemany("INSERT INTO intents(user_id, payload) VALUES (?, ?)", rows)
        return len(rows)

    def open_intents(self, user_ids: Sequence[str]) -> dict[str, tuple[ResolvedIntent, str]]:
        """Intents of these users still to handle, with their status (pending or inflight)."""
        out: dict[str, tuple[ResolvedIntent, str]] = {}
        for i in range(0, len(user_ids), 500):
            chunk = list(user_ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for uid, payload, status in self._db.execute(
                f"SELECT user_id, payload, status FROM intents WHERE status != 'done' AND user_id IN ({marks})", chunk
            ):
                out[uid] = (self._decode(uid, payload), status)
        return out

    def put_intent(self, intent: ResolvedIntent) -> None:
        """Store or replace one user's intent (set-up merging a migration into what the spec says)."""
        self.user_writes += 1
        with self._db:
            self._db.execute(
                "INSERT INTO intents(user_id, payload) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET payload = excluded.payload",
                (intent.user, self._ids.encode(intent)),
            )

    def intent(self, user_id: str) -> ResolvedIntent | None:
        row = self._db.execute("SELECT payload FROM intents WHERE user_id = ?", (user_id,)).fetchone()
        return self._decode(user_id, row[0]) if row else None

    def _decode(self, user_id: str, payload: bytes) -> ResolvedIntent:
        """A stored intent: the intents table holds only resolved ones."""
        try:
            return self._ids.decode(payload)
        except (ValueError, TypeError, KeyError) as exc:  # orjson's decode error is a ValueError
            raise StateError(
                f"run state at {self.path} is damaged: the stored change for user {user_id} cannot be read ({type(exc).__name__}); "
                "start the job again with a new --job name"
            ) from None

    # -- items of the other kinds ------------------------------------------------------------

    def add_items(self, kind: str, phase: str, items: Iterable[tuple[str, bytes]]) -> int:
        with self._db:
            cur = self._db.executemany("INSERT INTO items(kind, key, phase, payload) VALUES (?, ?, ?, ?)", [(kind, key, phase, p) for key, p in items])
            return cur.rowcount

    def open_items(self, phase: str) -> list[tuple[str, str, bytes, str]]:
        """(kind, key, payload, status) of the items of ``phase`` still to handle, in a stable order."""
        return list(self._db.execute("SELECT kind, key, payload, status FROM items WHERE phase = ? AND status != 'done' ORDER BY kind, key", (phase,)))

    def mark_item(self, kind: str, key: str, status: str, outcome: str | None = None, *, ahead: bytes | None = None) -> None:
        """``inflight`` with the item's write-ahead record (``ahead``: its before and change, as the
        audit describes them), before its write; ``done`` drops the record (the audit line has it)."""
        with self._db:
            self._db.execute("UPDATE items SET status = ?, outcome = ? WHERE kind = ? AND key = ?", (status, outcome, kind, key))
            if status == INFLIGHT:
                self._db.execute("UPDATE items SET wrote = 1 WHERE kind = ? AND key = ?", (kind, key))
                if ahead is not None:
                    self._db.execute("INSERT OR REPLACE INTO item_writeahead(kind, key, payload) VALUES (?, ?, ?)", (kind, key, ahead))
            elif status == DONE:
                self._db.execute("DELETE FROM item_writeahead WHERE kind = ? AND key = ?", (kind, key))

    def item_writeahead(self, kind: str, key: str) -> bytes | None:
        row = self._db.execute("SELECT payload FROM item_writeahead WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return bytes(row[0]) if row else None

    def item_writeaheads(self) -> list[tuple[str, str, bytes]]:
        """(kind, key, record) of every item in flight with a write-ahead record."""
        return [(k, key, bytes(p)) for k, key, p in self._db.execute("SELECT kind, key, payload FROM item_writeahead ORDER BY kind, key")]

    def reopen_items(self, keys: Iterable[tuple[str, str]]) -> int:
        """Put items back to pending for a new pass (``reconcile retry``)."""
        with self._db:
            cur = self._db.executemany("UPDATE items SET status = 'pending', outcome = NULL WHERE kind = ? AND key = ?", list(keys))
            return cur.rowcount

    def item_counts(self) -> dict[str, dict[str, int]]:
        """Per kind: items per status, and per outcome for the done ones."""
        out: dict[str, dict[str, int]] = {}
        for kind, status, outcome, n in self._db.execute("SELECT kind, status, outcome, count(*) FROM items GROUP BY kind, status, outcome"):
            key = outcome if status == DONE else status
            out.setdefault(kind, {})[key] = out.setdefault(kind, {}).get(key, 0) + n
        return out

    # -- set-up ------------------------------------------------------------------------------

    def compact(self) -> None:
        """Give back the space of rows deleted (the staged intents once resolved): the file that
        moves into the job folder holds only what the run needs."""
        self._db.execute("VACUUM")

    def compact_if_sparse(self, free_share: float = 0.25) -> bool:
        """``compact`` when at least ``free_share`` of the file is free pages; True if it did."""
        pages: int = self._db.execute("PRAGMA page_count").fetchone()[0]
        free: int = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        if pages and free / pages >= free_share:
            self.compact()
            return True
        return False

    def clear_intents(self) -> None:
        """Resolution starts again (skills were just created): drop what the last attempt stored."""
        self.user_writes += 1
        with self._db:
            self._db.execute("DELETE FROM intents")

    # -- user states read by set-up ----------------------------------------------------------

    def put_states(self, states: Iterable[UserState], read_at: float) -> None:
        self.user_writes += 1
        with self._db:
            self._db.executemany(
                "INSERT INTO states(user_id, payload, read_at) VALUES (?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET payload = excluded.payload, read_at = excluded.read_at",
                [(s.id, encode_state(s), read_at) for s in states],
            )

    def states(self, user_ids: Sequence[str]) -> dict[str, tuple[UserState, float]]:
        """Stored states of these users, with when each was read."""
        out: dict[str, tuple[UserState, float]] = {}
        for i in range(0, len(user_ids), 500):
            chunk = list(user_ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for uid, payload, read_at in self._db.execute(f"SELECT user_id, payload, read_at FROM states WHERE user_id IN ({marks})", chunk):
                out[uid] = (decode_state(payload), read_at)
        return out

    def drop_states(self, user_ids: Iterable[str]) -> None:
        """A state is read once: after the user is handled it is only disk."""
        with self._db:
            self._db.executemany("DELETE FROM states WHERE user_id = ?", [(u,) for u in user_ids])

    def mark_inflight(self, user_id: str, ahead: WriteAhead | None = None) -> None:
        """Before the user's first write: ``inflight``, and its write-ahead record in the same commit."""
        with self._db:
            self._db.execute("UPDATE intents SET status = 'inflight', wrote = 1 WHERE user_id = ? AND status = 'pending'", (user_id,))
            if ahead is not None:
                self._put_writeahead(user_id, ahead)

    def put_writeahead(self, user_id: str, ahead: WriteAhead) -> None:
        """The record again, before a write it did not cover yet (a 409's re-diff, a resumed pass)."""
        with self._db:
            self._db.execute("UPDATE intents SET wrote = 1 WHERE user_id = ?", (user_id,))
            self._put_writeahead(user_id, ahead)

    def _put_writeahead(self, user_id: str, ahead: WriteAhead) -> None:
        self._db.execute("INSERT OR REPLACE INTO writeahead(user_id, payload) VALUES (?, ?)", (user_id, encode(ahead, self._ids.number)))

    def writeaheads(self, user_ids: Sequence[str] | None = None) -> dict[str, WriteAhead]:
        """The write-ahead records of these users (None: every one there is)."""
        if user_ids is None:
            rows = list(self._db.execute("SELECT user_id, payload FROM writeahead ORDER BY user_id"))
        else:
            rows = []
            for i in range(0, len(user_ids), 500):
                chunk = list(user_ids[i : i + 500])
                rows += self._db.execute(f"SELECT user_id, payload FROM writeahead WHERE user_id IN ({','.join('?' * len(chunk))})", chunk)
        return {uid: decode(bytes(payload), self._ids.ident) for uid, payload in rows}

    def mark_done(self, user_id: str, outcome: str) -> None:
        """After the audit line: ``done``, and the write-ahead record dropped (the line holds it)."""
        with self._db:
            self._db.execute("UPDATE intents SET status = 'done', outcome = ? WHERE user_id = ?", (outcome, user_id))
            self._db.execute("DELETE FROM writeahead WHERE user_id = ?", (user_id,))

    def written(self) -> list[Written]:
        """Every user and item the checkpoint says may have been written: in flight, or done after a
        write (in a store older than the ``wrote`` mark: done with any outcome but ``unchanged``)."""
        maybe = "status = 'inflight' OR (status = 'done' AND (wrote = 1 OR (wrote IS NULL AND outcome != 'unchanged')))"
        users = self._db.execute(
            f"SELECT i.user_id, i.status, i.outcome, w.user_id IS NOT NULL FROM intents i LEFT JOIN writeahead w USING (user_id) WHERE {maybe} ORDER BY i.user_id"
        )
        items = self._db.execute(
            "SELECT i.kind || ':' || i.key, i.status, i.outcome, w.key IS NOT NULL FROM items i "
            f"LEFT JOIN item_writeahead w ON w.kind = i.kind AND w.key = i.key WHERE {maybe} ORDER BY i.kind, i.key"
        )
        return [Written(str(k), str(s), o, bool(r)) for k, s, o, r in (*users, *items)]

    def reopen(self, user_ids: Iterable[str], pass_no: int) -> int:
        """Put users back to pending for a new pass (``reconcile retry``)."""
        with self._db:
            cur = self._db.executemany(
                "UPDATE intents SET status = 'pending', outcome = NULL, pass = ? WHERE user_id = ?",
                [(pass_no, u) for u in user_ids],
            )
            return cur.rowcount

    def queue_asks(self) -> dict[str, tuple[int, int]]:
        """Per queue, the (joins, leaves) the users still open ask for: how much membership a pass writes."""
        out: dict[str, tuple[int, int]] = {}
        for (payload,) in self._db.execute("SELECT payload FROM intents WHERE status != 'done'"):
            if b"_queues" not in payload:  # most intents name no queue: skip the decode
                continue
            intent = self._ids.decode(payload)
            for q in intent.join_queues:
                j, lv = out.get(q, (0, 0))
                out[q] = (j + 1, lv)
            for q in intent.leave_queues:
                j, lv = out.get(q, (0, 0))
                out[q] = (j, lv + 1)
        return out

    def open_user_ids(self) -> Iterator[str]:
        for (uid,) in self._db.execute("SELECT user_id FROM intents WHERE status != 'done' ORDER BY user_id"):
            yield uid

    def counts(self) -> dict[str, int]:
        """Users per status, and per outcome for the done ones."""
        out: dict[str, int] = {}
        for status, outcome, n in self._db.execute("SELECT status, outcome, count(*) FROM intents GROUP BY status, outcome"):
            key = outcome if status == DONE else status
            out[key] = out.get(key, 0) + n
        return out

    def total(self) -> int:
        n: int = self._db.execute("SELECT count(*) FROM intents").fetchone()[0]
        return n
