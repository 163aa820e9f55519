"""Opaque cursors for GET /api/v2/users/query: the last id returned and when.

Encoding the position (not an offset) keeps paging stable under concurrent edits:
users are ordered by id, ids never change, so a page never skips or repeats a user.
Encoding the issue time lets a cursor expire (``cursor_ttl``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import orjson

from bulkops.simulator.errors import INVALID_CURSOR, SimApiError, detail


@dataclass(frozen=True, slots=True)
class Cursor:
    after: str
    issued: float
    descending: bool = False


def encode(c: Cursor) -> str:
    raw = orjson.dumps({"v": 1, "a": c.after, "t": c.issued, "d": c.descending})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(token: str, *, now: float, ttl: float) -> Cursor:
    """The cursor, or a 400 ``invalid.cursor`` (malformed, or expired after ``ttl`` s)."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        c = Cursor(str(data["a"]), float(data["t"]), bool(data.get("d", False)))
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeEncodeError, orjson.JSONDecodeError):
        raise SimApiError(
            400,
            INVALID_CURSOR,
            "The cursor is invalid; start the listing again without a cursor.",
            [detail("cursor", INVALID_CURSOR)],
        ) from None
    if now - c.issued > ttl:
        raise SimApiError(
            400,
            INVALID_CURSOR,
            f"The cursor has expired (cursors are valid for {ttl:g} seconds); start the listing again without a cursor.",
            [detail("cursor", "expired")],
        )
    return c
