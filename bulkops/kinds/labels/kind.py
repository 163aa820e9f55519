"""Utilization labels as a kind of the one pipeline (#19): creates before the users, deletes last.

A create of a label the org has (by name, case ignored, as the API compares names) is done:
nothing is sent, so a label is never created twice, on a rerun or a resume after a kill
between the POST and the checkpoint alike. A create the API refuses as a duplicate (another
administrator created the name since the read) is a conflict: the pipeline reads again and
finds the label there.

A delete is guarded twice: set-up refuses a delete of a label agents' settings name unless the
entry says ``force``, and just before the write ``check`` asks the API again (``.../agents``), so
a label someone started using since the plan is refused, named, instead of silently taken out
of their settings. With ``force`` the API takes it out of every setting that names it.

Undo (#20): a label the job created is deleted in the undo's last phase (after the users' and the
org default's utilization were put back, which takes it out of the settings the job gave it to),
never with ``force``: while agents' settings name it (someone used it since), it is held back,
named. A label the job deleted is not brought back: a new label would get a new id, its org-level
capacity is not in the audit, and with ``force`` the settings that named it lost it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.utilization import LabelInUseError, create_label, delete_label, label_agents, list_labels
from bulkops.domain.utilization import LabelUtilization
from bulkops.errors import BadRequestError
from bulkops.kinds.base import Inverted, NotUndoable, Phase
from bulkops.kinds.labels.intent import LabelChange, LabelItem, LabelState, label_change, label_key
from bulkops.state.records import ItemOutcome

#: Users named in a refusal (the rest are counted).
AGENT_SAMPLE = 5


class LabelStillUsedError(BadRequestError):
    """A delete without force that agents' settings still name: refused, not retried."""


def used_by(label: str, agents: Sequence[str]) -> str:
    sample = ", ".join(agents[:AGENT_SAMPLE])
    more = ", ..." if len(agents) > AGENT_SAMPLE else ""
    return f'label {label!r} is used by {len(agents)} agent(s) ({sample}{more}): add "force": true to delete it from their settings too'


class UtilizationLabelsKind:
    """The ``Kind`` of utilization labels (``kinds/base.py``)."""

    name = "label"
    rereads_on_conflict = True
    #: One listing (an org holds at most 100 labels) serves a whole batch.
    read_batch = 100

    def key(self, item: LabelItem) -> str:
        return label_key(item.name)

    def phase(self, item: LabelItem) -> Phase:
        return "before_users" if item.op == "create" else "last"

    # ------------------------------------------------------------------ the store's codec
    def encode(self, item: LabelItem) -> bytes:
        return orjson.dumps(
            {"op": item.op, "name": item.name, "label_id": item.label_id, "force": item.force, "maximumCapacity": item.maximum_capacity, "line": item.line}
        )

    def decode(self, payload: bytes) -> LabelItem:
        d = orjson.loads(payload)
        return LabelItem(d["op"], d["name"], d.get("label_id"), bool(d.get("force")), d.get("maximumCapacity"), int(d.get("line") or 0))

    # ------------------------------------------------------------------ read, diff, check
    async def read(self, client: GenesysClient, items: Sequence[LabelItem]) -> Mapping[str, LabelState | None]:
        """One listing of the org's labels: a create matches by name, a delete by the id set-up found."""
        labels = await list_labels(client)
        by_name = {label_key(x.name): LabelState(x.id, x.name) for x in labels}
        by_id = {x.id: LabelState(x.id, x.name) for x in labels}
        out: dict[str, LabelState | None] = {}
        for item in items:
            if item.op == "delete" and item.label_id is not None:
                out[self.key(item)] = by_id.get(item.label_id)
            else:
                out[self.key(item)] = by_name.get(label_key(item.name))
        return out

    def diff(self, state: LabelState | None, item: LabelItem) -> LabelChange | None:
        return label_change(state, item)

    async def check(self, client: GenesysClient, state: LabelState | None, item: LabelItem, change: LabelChange) -> str | None:
        if change.op != "delete" or item.force or state is None:
            return None
        agents = await label_agents(client, state.id)
        return used_by(state.name, agents) if agents else None

    # ------------------------------------------------------------------ write
    async def write(self, client: GenesysClient, state: LabelState | None, item: LabelItem, change: LabelChange) -> LabelState | None:
        if change.op == "create":
            capacity = None if item.maximum_capacity is None else LabelUtilization(item.maximum_capacity)
            made = await create_label(client, item.name, utilization=capacity)
            return LabelState(made.id, made.name)
        assert state is not None  # ``label_change`` deletes only a label the org has
        try:
            await delete_label(client, state.id, force=item.force)
        except LabelInUseError as exc:
            raise LabelStillUsedError(exc.status, f"label {state.name!r} is in use: {exc.message}", code=exc.code, body=exc.body) from None
        return None

    # ------------------------------------------------------------------ the audit
    def describe(self, state: LabelState | None) -> Mapping[str, Any] | None:
        return None if state is None else {"id": state.id, "name": state.name}

    def describe_change(self, change: LabelChange) -> Mapping[str, Any]:
        return {"op": change.op}

    def label(self, item: LabelItem) -> str:
        return item.name

    # ------------------------------------------------------------------ undo (#20)
    def invert(self, first: ItemOutcome, last: ItemOutcome) -> Inverted[LabelItem] | NotUndoable | None:
        before, after = first.before, last.after
        if before is None and after is not None:
            item = LabelItem("delete", str(after["name"]), str(after["id"]))
            return Inverted(item, "last", {"exists": False}, {"exists": True})
        if before is not None and after is None:
            return NotUndoable(
                f"label {before.get('name')!r} was deleted by the job: a new label would get a new id, and the settings that named it do not name it again"
            )
        return None

    def parts(self, state: LabelState | None, item: LabelItem) -> Mapping[str, Any]:
        return {"exists": state is not None}

    def narrow(self, item: LabelItem, keep: frozenset[str]) -> LabelItem | None:
        return item if keep else None

    async def check_undo(self, client: GenesysClient, state: LabelState | None, item: LabelItem, change: LabelChange) -> str | None:
        return await self.check(client, state, item, change)
