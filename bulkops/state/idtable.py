"""Compact intents: each org id (36 characters) stored once per job, intents naming it by number.

A user given 50 skills names 50 skill ids: as text the intent is over 2 KB, and SQLite then keeps
one such row per 4 KB page, so the store grew by 4 KB a user. Numbered against the job's own
table the same intent is about 400 bytes (ten to a page). Only the store sees the numbers: what
it hands out is the same ``ResolvedIntent``.

Payloads start with a format byte: ``{`` is the plain JSON of ``codec.encode_intent`` (every
store written before this, still read), ``\\x01`` the numbered form.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from bulkops.domain.model import ResolvedIntent
from bulkops.state.codec import decode_intent, intent_from_dict, intent_to_dict

NUMBERED = b"\x01"
#: The parts of an intent that name skills or languages by id: maps (id -> level) and sets.
_MAPS = ("skills", "languages")
_SETS = ("remove_skills", "remove_languages")


class IdTable:
    """The job's ids, numbered in the order first seen (the ``ids`` table of the store)."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db
        self._numbers: dict[str, int] = {}
        self._ids: dict[int, str] = {}
        for n, ident in db.execute("SELECT n, id FROM ids"):
            self._numbers[ident], self._ids[n] = n, ident

    def number(self, ident: str) -> int:
        """The id's number, given one now if it has none (inside the caller's transaction)."""
        n = self._numbers.get(ident)
        if n is None:
            n = len(self._numbers) + 1
            self._db.execute("INSERT INTO ids(n, id) VALUES (?, ?)", (n, ident))
            self._numbers[ident], self._ids[n] = n, ident
        return n

    def ident(self, n: int) -> str:
        try:
            return self._ids[n]
        except KeyError:  # numbered by another connection since this one loaded: read the table again
            self._reload(n)
            return self._ids[n]

    def _reload(self, after: int) -> None:
        for m, ident in self._db.execute("SELECT n, id FROM ids WHERE n >= ?", (after,)):
            self._numbers[ident], self._ids[m] = m, ident

    def encode(self, intent: ResolvedIntent) -> bytes:
        d = intent_to_dict(intent)
        _number_parts(d, self.number)
        if isinstance(d.get("expect"), dict):
            _number_parts(d["expect"], self.number)
        return NUMBERED + orjson.dumps(d)

    def decode(self, payload: bytes) -> ResolvedIntent:
        if not payload.startswith(NUMBERED):
            return ResolvedIntent(decode_intent(payload))
        d = orjson.loads(memoryview(payload)[1:])
        try:
            return ResolvedIntent(intent_from_dict(_named(d, self._ids)))
        except KeyError:  # a number this connection has not loaded (or a damaged payload: raised again)
            self._reload(max(self._ids, default=0) + 1)
            return ResolvedIntent(intent_from_dict(_named(orjson.loads(memoryview(payload)[1:]), self._ids)))


def _number_parts(d: dict[str, Any], number: Any) -> None:
    for key in _MAPS:
        if key in d:
            d[key] = [[number(k), v] for k, v in d[key].items()]
    for key in _SETS:
        if key in d:
            d[key] = [number(k) for k in d[key]]


def _named(d: dict[str, Any], ids: dict[int, str]) -> dict[str, Any]:
    """``d`` with its numbered parts (and its ``expect``'s) named again, in place: one pass a part,
    each number looked up in ``ids`` directly (a KeyError for one not there)."""
    for part in (d, d["expect"]) if isinstance(d.get("expect"), dict) else (d,):
        for key in _MAPS:
            if key in part:
                part[key] = {ids[n]: v for n, v in part[key]}
        for key in _SETS:
            if key in part:
                part[key] = [ids[n] for n in part[key]]
    return d
