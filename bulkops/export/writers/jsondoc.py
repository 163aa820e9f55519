"""The JSON document (``spec/jsonspec.py`` reads it back): a user object a line, and the sections."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TextIO

import orjson

from bulkops.export.model import ExportedUser
from bulkops.export.spool import Spool
from bulkops.export.writers import REORG_COLUMNS, sorted_names


def write_json(spool: Spool, users: Iterable[ExportedUser], out: TextIO, *, sections: Mapping[str, Any] | None = None) -> None:
    """A document, mode merge, one user object a line (the reader reads it whole); with ``sections``
    (``queues``, ``utilizationDefault``), version 2, which carries them."""
    head: dict[str, Any] = {"version": 2 if sections else 1, "mode": "merge", "description": "bulkops export"}
    for key, value in (sections or {}).items():
        head[key] = value
    text = orjson.dumps(head).decode()
    out.write(text[:-1] + ', "users": [\n')
    first = True
    for user in users:
        out.write(("" if first else ",\n") + orjson.dumps(json_user(user)).decode())
        first = False
    out.write("\n]}\n")


def json_user(user: ExportedUser) -> dict[str, object]:
    """A user object of the JSON form, holding only what the user has (absent leaves a field alone)."""
    obj: dict[str, object] = {"user": user.email}
    if user.skills:
        obj["skills"] = {n: user.skills[n] for n in sorted_names(user.skills)}
    if user.languages:
        obj["languages"] = {n: user.languages[n] for n in sorted_names(user.languages)}
    for _, field in REORG_COLUMNS:
        if value := getattr(user, field):
            obj[field] = value
    if user.queues:
        obj["joinQueues"] = list(user.queues)
    return obj
