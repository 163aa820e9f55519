"""The write-ahead record: what a user was before its first write, and what is about to be sent.

The store keeps it (``RunStore.mark_inflight``) in the same transaction that marks the user
``inflight``, before any write leaves the process, and drops it when the user is ``done`` (the
audit line then holds both). A kill between a write and its audit line leaves it behind: the
resumed run writes the audit line from it (``engine/run/writeahead.py``), and ``bulkops undo`` of a job
left so reads it as a line of its own, so no write is ever without its ``before``.

Stored compactly: skill and language ids numbered by the job's ``IdTable`` (as the intents are),
the rest as the audit line spells it (``codec.state_to_dict``, ``codec.changes_to_dict``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from bulkops.domain.model import Changes
from bulkops.state.codec import changes_from_dict, changes_to_dict

NUMBERED = b"\x01"
#: Parts that name skills or languages by id: maps (id -> level) and lists of ids.
_MAPS = ("skills", "languages", "upsert_skills", "upsert_languages", "replace_skills")
_LISTS = ("delete_skills", "delete_languages")


@dataclass(frozen=True, slots=True)
class WriteAhead:
    """One user's record: ``before`` in the audit's shape (``state_to_dict``, with ``queues``: the
    direct membership read of the named queues) and every change sent or about to be."""

    before: Mapping[str, Any]
    changes: Changes = field(default_factory=Changes)


def encode(record: WriteAhead, number: Callable[[str], int]) -> bytes:
    before, changes = dict(record.before), changes_to_dict(record.changes)
    _number(before, number)
    _number(changes, number)
    return NUMBERED + orjson.dumps({"b": before, "c": changes})


def decode(payload: bytes, ident: Callable[[int], str]) -> WriteAhead:
    d = orjson.loads(payload[1:] if payload.startswith(NUMBERED) else payload)
    before, changes = dict(d["b"]), dict(d["c"])
    _name(before, ident)
    _name(changes, ident)
    return WriteAhead(before, changes_from_dict(changes))


def _number(d: dict[str, Any], number: Callable[[str], int]) -> None:
    for key in _MAPS:
        if key in d and d[key] is not None:
            d[key] = [[number(k), v] for k, v in d[key].items()]
    for key in _LISTS:
        if key in d:
            d[key] = [number(k) for k in d[key]]


def _name(d: dict[str, Any], ident: Callable[[int], str]) -> None:
    for key in _MAPS:
        if key in d and d[key] is not None:
            d[key] = {ident(n): v for n, v in d[key]}
    for key in _LISTS:
        if key in d:
            d[key] = [ident(n) for n in d[key]]
