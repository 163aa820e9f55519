"""The undo's items of the other kinds: read now, guarded as the run will guard them, stored.

``plan_items`` reads each object an undo item restores (each kind its own way, as many at once as
the kind reads in a run) and decides, part by part, restore or hold back (``domain/itemguard``),
exactly as the run decides if nothing changes meanwhile. ``store_items`` puts the items into the
undo job's store in the undo's phases, each with its guard; ``items_record`` is their part of
``undo.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.requestkind import STATE_READS, request_kind
from bulkops.domain.itemguard import HeldPart, hold_back_parts, to_restore
from bulkops.engine.undo.itemundo import AnyKind, ItemsInverse, ItemUndo, encode_guarded, guard_of
from bulkops.kinds.base import PHASES, UndoableKind
from bulkops.state.store import RunStore


@dataclass(frozen=True, slots=True)
class ItemPlan:
    """One undo item as the plan found the org: the parts it restores (part -> now, restored) and
    those it holds back; ``gone``: the object is no longer in the org."""

    undo: ItemUndo
    restoring: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    held: tuple[HeldPart, ...] = ()
    gone: bool = False

    @property
    def key(self) -> str:
        return self.undo.key


def undo_order(items: ItemsInverse) -> list[ItemUndo]:
    """The undoable items in the order the undo runs them: by its phase, then kind and key."""
    order = {p: i for i, p in enumerate(PHASES)}
    return sorted(items.undoable, key=lambda u: (order[u.inverted.phase] if u.inverted else 0, u.kind, u.key))


async def plan_items(client: GenesysClient, items: ItemsInverse, kinds: Mapping[str, AnyKind]) -> tuple[ItemPlan, ...]:
    out: list[ItemPlan] = []
    todo = undo_order(items)
    by_kind: dict[str, list[ItemUndo]] = {}
    for u in todo:
        by_kind.setdefault(u.kind, []).append(u)
    found: dict[tuple[str, str], ItemPlan] = {}
    for name, group in by_kind.items():
        kind = kinds[name]
        assert isinstance(kind, UndoableKind)
        size = max(1, kind.read_batch)
        for i in range(0, len(group), size):
            batch = group[i : i + size]
            with request_kind(STATE_READS):
                states = await kind.read(client, [u.inverted.item for u in batch if u.inverted is not None])
            for u in batch:
                assert u.inverted is not None
                item = u.inverted.item
                state = states.get(kind.key(item))
                now = kind.parts(state, item)
                guard = guard_of(u.inverted)
                keep, held = hold_back_parts(name, now, guard)
                gone = state is None and u.inverted.restore.get("exists") is not True  # not an item that creates it again
                found[(u.kind, u.key)] = ItemPlan(u, to_restore(now, guard, keep), held, gone)
    out = [found[(u.kind, u.key)] for u in todo]
    return tuple(out)


def store_items(store: RunStore, items: ItemsInverse, kinds: Mapping[str, AnyKind]) -> int:
    """Every undoable item into the undo job's store, in its undo phase, with its guard."""
    rows: dict[tuple[str, str], list[tuple[str, bytes]]] = {}
    for u in undo_order(items):
        assert u.inverted is not None
        kind = kinds[u.kind]
        rows.setdefault((u.kind, u.inverted.phase), []).append((kind.key(u.inverted.item), encode_guarded(kind, u.inverted.item, guard_of(u.inverted))))
    return sum(store.add_items(kind, phase, batch) for (kind, phase), batch in rows.items())


def items_record(items: ItemsInverse, kinds: Mapping[str, AnyKind]) -> dict[str, Any]:
    """``undo.json``'s items: each with its undo phase, parts restored and what the job wrote there,
    and the objects that cannot be undone with why."""
    undoable = []
    for u in undo_order(items):
        assert u.inverted is not None
        inv = u.inverted
        entry: dict[str, Any] = {"kind": u.kind, "key": kinds[u.kind].key(inv.item), "of": u.key, "name": u.name, "phase": inv.phase}
        entry |= {"restore": dict(inv.restore), "expect": dict(inv.written)}
        if inv.names:
            entry["names"] = dict(inv.names)
        if inv.not_restored:
            entry["notRestored"] = list(inv.not_restored)
        undoable.append(entry)
    refused = [{"kind": u.kind, "key": u.key, "name": u.name, "reason": u.reason} for u in items.refused]
    return {"items": undoable, "items_not_undoable": refused}
