"""Per-user utilization as a kind of the one pipeline (#19): one user an item, after the users.

The PUT replaces the user's whole setting and carries no version, so the kind never writes a
setting of its own: it reads the user's setting, merges only what the spec names into it
(``domain/utilization.merge``: every media type and label not named is carried over) and PUTs
that; ``inherit`` is a DELETE (back to the org default). Labels are resolved by name from one
listing a pass, read after the label creates (phase ``before_users``) are through. A read older
than ``FRESH_FOR`` is taken again just before the write, so another administrator's edit is in
the read the merge starts from, not overwritten (the window is one request, as for queues).

An entry that states the user's whole setting (``whole``) is not read: its PUT carries every
media type and every label the user is to have, so there is nothing to keep, and the same PUT
sent again (a resume after a kill, a retry after a 409) gives the same setting. Such a user
costs one request. The labels are listed only when an item of the batch names one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from bulkops.client.api import GenesysClient
from bulkops.client.utilization import encode_utilization, get_user_utilization, list_labels, write_user_utilization
from bulkops.domain.userutil import LabelSettingIntent, UserUtilizationItem, change, whole_setting
from bulkops.domain.utilabels import label_key
from bulkops.domain.utilization import ORGANIZATION, DeleteToInherit, MediaUtilization, NothingToDo, PutSetting, Utilization, UtilizationWrite, merge
from bulkops.engine.kinds import Phase
from bulkops.errors import NotFoundError

#: A read older than this is taken again just before the write (seconds).
FRESH_FOR = 2.0


@dataclass(frozen=True, slots=True)
class UserUtilizationState:
    #: The user's setting as read; None for a ``whole`` item, which is written without a read.
    setting: Utilization | None
    read_at: float
    #: Why the item cannot be written (a label the org no longer has), else None.
    problem: str | None = None


class UserUtilizationKind:
    """The ``Kind`` of per-user utilization (``engine/kinds.py``)."""

    name = "utilization"
    rereads_on_conflict = True
    read_batch = 20

    def __init__(self) -> None:
        self._label_ids: dict[str, str] | None = None

    def key(self, item: UserUtilizationItem) -> str:
        return item.user_id

    def phase(self, item: UserUtilizationItem) -> Phase:
        return "after_users"

    def encode(self, item: UserUtilizationItem) -> bytes:
        return orjson.dumps(
            {
                "user_id": item.user_id,
                "user": item.user,
                "media": {k: [m.maximum_capacity, sorted(m.interruptable_media_types), m.include_non_acd] for k, m in item.media.items()},
                "labels": {k: [x.maximum_capacity, list(x.interrupting_labels)] for k, x in item.labels.items()},
                "inherit": item.inherit,
                "whole": item.whole,
                "line": item.line,
            }
        )

    def decode(self, payload: bytes) -> UserUtilizationItem:
        d = orjson.loads(payload)
        media = {k: MediaUtilization(c, frozenset(t), bool(n)) for k, (c, t, n) in (d.get("media") or {}).items()}
        labels = {k: LabelSettingIntent(c, tuple(i)) for k, (c, i) in (d.get("labels") or {}).items()}
        return UserUtilizationItem(d["user_id"], d["user"], media, labels, bool(d.get("inherit")), int(d.get("line") or 0), bool(d.get("whole")))

    async def _labels(self, client: GenesysClient) -> dict[str, str]:
        if self._label_ids is None:
            self._label_ids = {label_key(x.name): x.id for x in await list_labels(client)}
        return self._label_ids

    async def _read_one(self, client: GenesysClient, item: UserUtilizationItem, ids: Mapping[str, str]) -> UserUtilizationState | None:
        missing = sorted(n for n in item.label_names() if n not in ids)
        problem = f"label(s) not in the org: {', '.join(missing)}" if missing else None
        if item.whole:
            return UserUtilizationState(None, time.monotonic(), problem)
        try:
            setting = await get_user_utilization(client, item.user_id)
        except NotFoundError:
            return None
        return UserUtilizationState(setting, time.monotonic(), problem)

    async def read(self, client: GenesysClient, items: Sequence[UserUtilizationItem]) -> Mapping[str, UserUtilizationState | None]:
        ids = await self._labels(client) if any(item.labels for item in items) else (self._label_ids or {})
        states = await asyncio.gather(*(self._read_one(client, item, ids) for item in items))
        return {item.user_id: state for item, state in zip(items, states)}

    def _write_for(self, setting: Utilization | None, item: UserUtilizationItem) -> UtilizationWrite:
        ids = self._label_ids or {}
        if setting is None:
            return whole_setting(item, ids)
        return merge(setting, change(item, ids))

    def diff(self, state: UserUtilizationState | None, item: UserUtilizationItem) -> UtilizationWrite | None:
        if state is None or state.problem is not None:
            return DeleteToInherit()  # ``check`` refuses it, named
        write = self._write_for(state.setting, item)
        return None if isinstance(write, NothingToDo) else write

    async def check(self, client: GenesysClient, state: UserUtilizationState | None, item: UserUtilizationItem, change: UtilizationWrite) -> str | None:
        if state is None:
            return f"user {item.user} is no longer in the org"
        return state.problem

    async def write(
        self, client: GenesysClient, state: UserUtilizationState | None, item: UserUtilizationItem, write: UtilizationWrite
    ) -> UserUtilizationState | None:
        assert state is not None  # ``check`` refuses a user that is gone
        if state.setting is not None and time.monotonic() - state.read_at > FRESH_FOR:
            fresh = await self._read_one(client, item, self._label_ids or {})
            if fresh is None or fresh.setting is None:
                raise NotFoundError(404, f"user {item.user} is no longer in the org")
            write = self._write_for(fresh.setting, item)
            if isinstance(write, NothingToDo):
                return fresh
        answer = await write_user_utilization(client, item.user_id, write)
        return UserUtilizationState(answer if answer is not None else Utilization(level=ORGANIZATION), time.monotonic())

    def describe(self, state: UserUtilizationState | None) -> Mapping[str, Any] | None:
        if state is None:
            return None
        if state.setting is None:
            return {"read": False, "why": "the entry states the whole setting: written without a read"}
        return {"level": state.setting.level, **encode_utilization(state.setting)}

    def describe_change(self, write: UtilizationWrite) -> Mapping[str, Any]:
        if isinstance(write, PutSetting):
            return {"write": "PUT", "body": encode_utilization(write.body)}
        return {"write": "DELETE" if isinstance(write, DeleteToInherit) else "none"}

    def label(self, item: UserUtilizationItem) -> str:
        return item.user
