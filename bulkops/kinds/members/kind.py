"""Member activation as a kind of the one pipeline (#18): one queue an item, after the users.

A kind of its own rather than part of the queue settings item: its read is the queue's member
listing, not the queue body; its write (``PATCH .../members``) is idempotent and replaces
nothing, so it needs none of the settings item's guard against a versionless PUT (the re-read
just before the write, the digests of another administrator's change, the read-back); and a
queue whose settings go to reconciliation still gets its members activated, and the other way
round. Items run after every user change, so a user the job adds to a queue is a member by then.

Read: the queue's direct members (``memberBy=user``), only those the item may write when it
goes one way (``joined=false`` for a job that only activates): a queue of 20,000 members with
50 to activate lists one page. Write: the members whose ``joined`` differs, 100 a request, at
the queue writes' pace (``kinds/queues/kind.QUEUE_WRITES_PER_SECOND``). The API applies the change
asynchronously ("the response data may not reflect the final state"): the answer is taken as
the state after, and a rerun or a resumed run lists the members again and sends only what is
still to do. A member the answer no longer lists left the queue meanwhile: reported, not retried.

Undo (#20): exactly the members the job changed are flipped back (the audit's ``changes.members``
names each by id), each only where it is still as the job left it; a member someone activated or
deactivated since, or who left the queue, is held back. Members the job did not change are not
read into the undo, nor written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.routing_config import JOINS_PER_REQUEST, direct_members_joined, set_members_joined
from bulkops.client.wire import chunks
from bulkops.errors import NotFoundError
from bulkops.kinds.base import Inverted, NotUndoable, Phase
from bulkops.kinds.members.intent import MembersChange, MembersItem, MembersState, members_change
from bulkops.kinds.queues import kind as kind_queues
from bulkops.kinds.queues.kind import WritePace
from bulkops.state.records import ItemOutcome


class QueueMembersKind:
    """The ``Kind`` of member activation (``kinds/base.py``)."""

    name = "queue_members"
    rereads_on_conflict = True
    read_batch = 10

    def __init__(self, writes_per_second: float | None = None) -> None:
        self.pace = WritePace(writes_per_second or kind_queues.QUEUE_WRITES_PER_SECOND)

    def key(self, item: MembersItem) -> str:
        return item.queue_id

    def phase(self, item: MembersItem) -> Phase:
        return "after_users"

    # ------------------------------------------------------------------ the store's codec
    def encode(self, item: MembersItem) -> bytes:
        return orjson.dumps(
            {
                "queue_id": item.queue_id,
                "name": item.name,
                "joined": dict(item.joined),
                "rest": item.rest,
                "labels": dict(item.labels),
                "line": item.line,
            }
        )

    def decode(self, payload: bytes) -> MembersItem:
        d = orjson.loads(payload)
        rest = d.get("rest")
        return MembersItem(
            d["queue_id"],
            d["name"],
            {k: bool(v) for k, v in (d.get("joined") or {}).items()},
            None if rest is None else bool(rest),
            dict(d.get("labels") or {}),
            int(d.get("line") or 0),
        )

    # ------------------------------------------------------------------ read, diff, check
    async def _read_one(self, client: GenesysClient, item: MembersItem) -> MembersState | None:
        listed = item.read_filter
        try:
            read = await direct_members_joined(client, item.queue_id, joined=listed)
        except NotFoundError:
            return None
        return MembersState(item.queue_id, item.name, {r.id: r.joined for r in read}, listed, {r.id: r.label for r in read})

    async def read(self, client: GenesysClient, items: Sequence[MembersItem]) -> Mapping[str, MembersState | None]:
        states = await asyncio.gather(*(self._read_one(client, item) for item in items))
        return {item.queue_id: state for item, state in zip(items, states)}

    def diff(self, state: MembersState | None, item: MembersItem) -> MembersChange | None:
        if state is None:
            return MembersChange()  # a queue gone since set-up: ``check`` says so
        return members_change(state, item)

    async def check(self, client: GenesysClient, state: MembersState | None, item: MembersItem, change: MembersChange) -> str | None:
        if state is None:
            return f"queue {item.name!r} is no longer in the org"
        return None

    # ------------------------------------------------------------------ write
    async def write(self, client: GenesysClient, state: MembersState | None, item: MembersItem, change: MembersChange) -> MembersState | None:
        assert state is not None  # ``check`` refuses a queue that is gone
        answered: dict[str, bool] = {}
        for chunk in chunks(sorted(change.joined.items()), JOINS_PER_REQUEST):
            await self.pace.wait()
            answered.update(await set_members_joined(client, item.queue_id, dict(chunk)))
        joined = dict(state.joined)
        gone = tuple(sorted(u for u in change.joined if u not in answered))
        for user_id, value in answered.items():
            joined[user_id] = value
        for user_id in gone:
            joined.pop(user_id, None)
        return MembersState(state.queue_id, state.name, joined, state.listed, state.labels, gone)

    # ------------------------------------------------------------------ the audit
    def describe(self, state: MembersState | None) -> Mapping[str, Any] | None:
        if state is None:
            return None
        values = list(state.joined.values())
        out: dict[str, Any] = {"id": state.queue_id, "name": state.name, "joined": values.count(True), "unjoined": values.count(False)}
        if state.listed is not None:
            out["read"] = "joined members only" if state.listed else "unjoined members only"
        if state.gone:
            out["noLongerMembers"] = [state.labels.get(u, u) for u in state.gone]
        return out

    def describe_change(self, change: MembersChange) -> Mapping[str, Any]:
        out: dict[str, Any] = {}
        if change.activate:
            out["activate"] = [change.labels.get(u, u) for u in change.activate]
        if change.deactivate:
            out["deactivate"] = [change.labels.get(u, u) for u in change.deactivate]
        # By id as well: what an undo flips back (the labels are for people).
        out["members"] = {u: {"joined": j, "label": change.labels.get(u, u)} for u, j in sorted(change.joined.items())}
        return out

    def label(self, item: MembersItem) -> str:
        return item.name

    # ------------------------------------------------------------------ undo (#20)
    def invert(self, first: ItemOutcome, last: ItemOutcome) -> Inverted[MembersItem] | NotUndoable | None:
        restore: dict[str, bool] = {}
        written: dict[str, bool] = {}
        names: dict[str, str] = {}
        for line in (first, last):
            changes = line.changes or {}
            if (changes.get("activate") or changes.get("deactivate")) and not isinstance(changes.get("members"), dict):
                return NotUndoable("the job's audit names the members it changed by label only (written before members were recorded by id)")
            for uid, m in (changes.get("members") or {}).items():
                restore.setdefault(uid, not bool(m["joined"]))
                written[uid] = bool(m["joined"])
                names[uid] = str(m.get("label") or uid)
        restore = {u: v for u, v in restore.items() if v != written[u]}
        if not restore:
            return None
        item = MembersItem(first.key, last.name or first.name, restore, None, {u: names[u] for u in restore})
        return Inverted(item, "before_users", restore, {u: written[u] for u in restore}, {u: names[u] for u in restore})

    def parts(self, state: MembersState | None, item: MembersItem) -> Mapping[str, Any]:
        out: dict[str, Any] = {}
        for uid in item.joined:
            if state is None:
                out[uid] = None
            elif uid in state.joined:
                out[uid] = state.joined[uid]
            else:  # a filtered read leaves out the members already at the other value (or gone)
                out[uid] = None if state.listed is None else not state.listed
        return out

    def narrow(self, item: MembersItem, keep: frozenset[str]) -> MembersItem | None:
        joined = {u: j for u, j in item.joined.items() if u in keep}
        return MembersItem(item.queue_id, item.name, joined, None, {u: item.labels.get(u, u) for u in joined}, item.line) if joined else None

    async def check_undo(self, client: GenesysClient, state: MembersState | None, item: MembersItem, change: MembersChange) -> str | None:
        return await self.check(client, state, item, change)
