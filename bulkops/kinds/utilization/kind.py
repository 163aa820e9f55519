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

Undo (#20): an undo item (``kinds/utilization/restore.UtilizationRestore``) puts back the media types and
labels the job changed into a fresh read, the rest kept; a user who was on the org default before
the job goes back to it (DELETE). A setting the job wrote without reading it cannot be undone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.utilization import encode_utilization, get_user_utilization, list_labels, write_user_utilization
from bulkops.domain.utilization import ORGANIZATION, DeleteToInherit, MediaUtilization, NothingToDo, PutSetting, Utilization, UtilizationWrite, merge
from bulkops.errors import NotFoundError
from bulkops.kinds.base import Inverted, NotUndoable, Phase
from bulkops.kinds.labels.intent import label_key
from bulkops.kinds.utilization.intent import LabelSettingIntent, UserUtilizationItem, change, whole_setting
from bulkops.kinds.utilization.restore import UtilizationRestore, invert_setting, parts_of, restore_write
from bulkops.state.records import ItemOutcome

#: A user's utilization item: from a spec, or an undo's.
AnyUserItem = UserUtilizationItem | UtilizationRestore

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
    """The ``Kind`` of per-user utilization (``kinds/base.py``)."""

    name = "utilization"
    rereads_on_conflict = True
    read_batch = 20

    def __init__(self) -> None:
        self._label_ids: dict[str, str] | None = None

    def key(self, item: AnyUserItem) -> str:
        return item.user_id

    def phase(self, item: AnyUserItem) -> Phase:
        return "after_users"

    def encode(self, item: AnyUserItem) -> bytes:
        if isinstance(item, UtilizationRestore):
            return orjson.dumps(item.to_json())
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

    def decode(self, payload: bytes) -> Any:
        """A spec's ``UserUtilizationItem``, or an undo's ``UtilizationRestore`` (only an undo job
        stores those; typed loosely so readers of a spec job's items keep their one type)."""
        d = orjson.loads(payload)
        if d.get("restore"):
            return UtilizationRestore.from_json(d)
        media = {k: MediaUtilization(c, frozenset(t), bool(n)) for k, (c, t, n) in (d.get("media") or {}).items()}
        labels = {k: LabelSettingIntent(c, tuple(i)) for k, (c, i) in (d.get("labels") or {}).items()}
        return UserUtilizationItem(d["user_id"], d["user"], media, labels, bool(d.get("inherit")), int(d.get("line") or 0), bool(d.get("whole")))

    async def _labels(self, client: GenesysClient) -> dict[str, str]:
        if self._label_ids is None:
            self._label_ids = {label_key(x.name): x.id for x in await list_labels(client)}
        return self._label_ids

    async def _read_one(self, client: GenesysClient, item: AnyUserItem, ids: Mapping[str, str]) -> UserUtilizationState | None:
        missing = sorted(n for n in item.label_names() if n not in ids)
        problem = f"label(s) not in the org: {', '.join(missing)}" if missing else None
        if item.whole:
            return UserUtilizationState(None, time.monotonic(), problem)
        try:
            setting = await get_user_utilization(client, item.user_id)
        except NotFoundError:
            return None
        return UserUtilizationState(setting, time.monotonic(), problem)

    async def read(self, client: GenesysClient, items: Sequence[AnyUserItem]) -> Mapping[str, UserUtilizationState | None]:
        ids = await self._labels(client) if any(item.label_names() for item in items) else (self._label_ids or {})
        states = await asyncio.gather(*(self._read_one(client, item, ids) for item in items))
        return {item.user_id: state for item, state in zip(items, states)}

    def _write_for(self, setting: Utilization | None, item: AnyUserItem) -> UtilizationWrite:
        if isinstance(item, UtilizationRestore):
            return restore_write(setting or Utilization(level=ORGANIZATION), item)
        ids = self._label_ids or {}
        if setting is None:
            return whole_setting(item, ids)
        return merge(setting, change(item, ids))

    def diff(self, state: UserUtilizationState | None, item: AnyUserItem) -> UtilizationWrite | None:
        if state is None or state.problem is not None:
            return DeleteToInherit()  # ``check`` refuses it, named
        write = self._write_for(state.setting, item)
        return None if isinstance(write, NothingToDo) else write

    async def check(self, client: GenesysClient, state: UserUtilizationState | None, item: AnyUserItem, change: UtilizationWrite) -> str | None:
        if state is None:
            return f"user {item.user} is no longer in the org"
        return state.problem

    async def write(self, client: GenesysClient, state: UserUtilizationState | None, item: AnyUserItem, write: UtilizationWrite) -> UserUtilizationState | None:
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

    def label(self, item: AnyUserItem) -> str:
        return item.user

    # ------------------------------------------------------------------ undo (#20)
    def invert(self, first: ItemOutcome, last: ItemOutcome) -> Inverted[AnyUserItem] | NotUndoable | None:
        found = invert_setting(first.key, last.name or first.name, first.before, last.after, user=True)
        if found is None or isinstance(found, str):
            return None if found is None else NotUndoable(found)
        item, restore, written = found
        return Inverted(item, "before_users", restore, written)

    def parts(self, state: UserUtilizationState | None, item: AnyUserItem) -> Mapping[str, Any]:
        assert isinstance(item, UtilizationRestore)  # only an undo item carries a guard
        return parts_of(state.setting if state is not None else None, item)

    def narrow(self, item: AnyUserItem, keep: frozenset[str]) -> AnyUserItem | None:
        assert isinstance(item, UtilizationRestore)
        return item.keep(keep)

    async def check_undo(self, client: GenesysClient, state: UserUtilizationState | None, item: AnyUserItem, change: UtilizationWrite) -> str | None:
        return await self.check(client, state, item, change)
