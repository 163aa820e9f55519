"""The org default utilization as a kind of the one pipeline (#19): one item, before the users.

The default's PUT replaces all of it and carries no version, like a user's: the kind reads the
default just before its write, merges only what the spec's ``utilizationDefault`` names
(``domain/utilization.merge_default``) and PUTs that; a default already as named is not written.

Phase ``before_users``, and within it after the label creates (the phase runs its kinds in the
registry's order, ``kinds/registry.py``: the labels before the org default): the section may give a label the
job creates its org-level capacity, and the users' utilization (``after_users``) then compares a
user on the default with the default as the job leaves it, so a user's PUT never pins a value
the job is about to change.

Undo (#20): an undo item (``kinds/utilization/restore.UtilizationRestore``) puts back the media types and
labels the job changed into a fresh read of the default, in the undo's ``after_users`` phase: after
the users' utilization was put back, before the labels the job created are deleted (``last``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.utilization import encode_utilization, get_org_utilization, list_labels, put_org_utilization
from bulkops.domain.utilization import ORGANIZATION, MediaUtilization, NothingToDo, PutSetting, Utilization, merge_default
from bulkops.kinds.base import Inverted, NotUndoable, Phase
from bulkops.kinds.labels.intent import label_key
from bulkops.kinds.orgutil.intent import ORG_KEY, OrgUtilizationIntent, default_change
from bulkops.kinds.utilization.intent import LabelSettingIntent
from bulkops.kinds.utilization.restore import UtilizationRestore, invert_setting, parts_of, restore_write
from bulkops.state.records import ItemOutcome

#: The org default's item: from a spec, or an undo's.
AnyOrgItem = OrgUtilizationIntent | UtilizationRestore


@dataclass(frozen=True, slots=True)
class OrgUtilizationState:
    setting: Utilization
    #: The label ids by folded name, as listed in the same read (empty when no label is named).
    label_ids: Mapping[str, str]
    #: Why the default cannot be written (a label the org no longer has), else None.
    problem: str | None = None


class OrgUtilizationKind:
    """The ``Kind`` of the org default utilization (``kinds/base.py``)."""

    name = "utilization_default"
    rereads_on_conflict = True
    read_batch = 1

    def key(self, item: AnyOrgItem) -> str:
        return ORG_KEY

    def phase(self, item: AnyOrgItem) -> Phase:
        return "before_users"

    def encode(self, item: AnyOrgItem) -> bytes:
        if isinstance(item, UtilizationRestore):
            return orjson.dumps(item.to_json())
        return orjson.dumps(
            {
                "media": {k: [m.maximum_capacity, sorted(m.interruptable_media_types), m.include_non_acd] for k, m in item.media.items()},
                "labels": {k: [x.maximum_capacity, list(x.interrupting_labels)] for k, x in item.labels.items()},
                "line": item.line,
            }
        )

    def decode(self, payload: bytes) -> AnyOrgItem:
        d = orjson.loads(payload)
        if d.get("restore"):
            return UtilizationRestore.from_json(d)
        media = {k: MediaUtilization(c, frozenset(t), bool(n)) for k, (c, t, n) in (d.get("media") or {}).items()}
        labels = {k: LabelSettingIntent(c, tuple(i)) for k, (c, i) in (d.get("labels") or {}).items()}
        return OrgUtilizationIntent(media, labels, int(d.get("line") or 0))

    async def read(self, client: GenesysClient, items: Sequence[AnyOrgItem]) -> Mapping[str, OrgUtilizationState | None]:
        out: dict[str, OrgUtilizationState | None] = {}
        for item in items:
            ids = {label_key(x.name): x.id for x in await list_labels(client)} if item.label_names() else {}
            missing = sorted(n for n in item.label_names() if n not in ids)
            problem = f"label(s) not in the org: {', '.join(missing)}" if missing else None
            out[self.key(item)] = OrgUtilizationState(await get_org_utilization(client), ids, problem)
        return out

    def diff(self, state: OrgUtilizationState | None, item: AnyOrgItem) -> PutSetting | None:
        if state is None or state.problem is not None:
            return PutSetting(Utilization())  # ``check`` refuses it, named
        if isinstance(item, UtilizationRestore):
            put = restore_write(state.setting, item, level=ORGANIZATION)
            return put if isinstance(put, PutSetting) else None
        write = merge_default(state.setting, default_change(item, state.label_ids))
        return None if isinstance(write, NothingToDo) else write

    async def check(self, client: GenesysClient, state: OrgUtilizationState | None, item: AnyOrgItem, change: PutSetting) -> str | None:
        return "the org default could not be read" if state is None else state.problem

    async def write(self, client: GenesysClient, state: OrgUtilizationState | None, item: AnyOrgItem, change: PutSetting) -> OrgUtilizationState | None:
        assert state is not None  # ``check`` refuses a default not read
        return OrgUtilizationState(await put_org_utilization(client, change.body), state.label_ids)

    def describe(self, state: OrgUtilizationState | None) -> Mapping[str, Any] | None:
        return None if state is None else {"level": "Organization", **encode_utilization(state.setting)}

    def describe_change(self, change: PutSetting) -> Mapping[str, Any]:
        return {"write": "PUT", "body": encode_utilization(change.body)}

    def label(self, item: AnyOrgItem) -> str:
        return "the org default utilization"

    # ------------------------------------------------------------------ undo (#20)
    def invert(self, first: ItemOutcome, last: ItemOutcome) -> Inverted[AnyOrgItem] | NotUndoable | None:
        found = invert_setting(ORG_KEY, self.label(OrgUtilizationIntent()), first.before, last.after, user=False)
        if found is None or isinstance(found, str):
            return None if found is None else NotUndoable(found)
        item, restore, written = found
        return Inverted(item, "after_users", restore, written)

    def parts(self, state: OrgUtilizationState | None, item: AnyOrgItem) -> Mapping[str, Any]:
        assert isinstance(item, UtilizationRestore)  # only an undo item carries a guard
        return parts_of(state.setting if state is not None else None, item, level=ORGANIZATION)

    def narrow(self, item: AnyOrgItem, keep: frozenset[str]) -> AnyOrgItem | None:
        assert isinstance(item, UtilizationRestore)
        return item.keep(keep)

    async def check_undo(self, client: GenesysClient, state: OrgUtilizationState | None, item: AnyOrgItem, change: PutSetting) -> str | None:
        return await self.check(client, state, item, change)
