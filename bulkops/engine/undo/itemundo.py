"""The inverse of a job's items of the other kinds, and how an undo item is stored.

One mechanism for every kind: the audit lines of each object (kind and key) are gathered in the
order they were written; the first says what the object was before the job, the last that wrote
says what the job left; the kind turns the two into an item of its own that restores the first
(``UndoableKind.invert``). The undo job stores that item with its guard (``ItemGuard``: per part
the value to restore and the value the job wrote) in one envelope, so a resumed pass, a
``reconcile retry`` and an undo of the undo read the same guard the plan showed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from bulkops.domain.itemguard import ItemGuard
from bulkops.kinds.base import Inverted, Kind, NotUndoable, UndoableKind
from bulkops.state.records import ItemOutcome

#: The envelope's key for an undo item's guard (a kind's own payload never has it beside "item").
_GUARD, _ITEM = "undoGuard", "item"
AnyKind = Kind[Any, Any, Any]


@dataclass(frozen=True, slots=True)
class ItemUndo:
    """One object of the undone job: its undo item, or why it cannot be undone."""

    kind: str
    key: str  # the object's key in the undone job
    name: str
    inverted: Inverted[Any] | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ItemsInverse:
    """Every object of the undone job that has something to undo, in the order the job wrote them."""

    items: tuple[ItemUndo, ...] = ()

    @property
    def undoable(self) -> tuple[ItemUndo, ...]:
        return tuple(i for i in self.items if i.inverted is not None)

    @property
    def refused(self) -> tuple[ItemUndo, ...]:
        return tuple(i for i in self.items if i.inverted is None)


def wrote(line: ItemOutcome) -> bool:
    """The line's write went through: applied, or partly restored by an undo (the rest held back)."""
    return line.outcome == "applied" or (line.outcome == "reconciliation" and line.after is not None)


def invert_items(records: Iterable[ItemOutcome], kinds: Mapping[str, AnyKind]) -> ItemsInverse:
    """The undo of every item line of a job's audit log (``auditline.item_records``), in order."""
    by_object: dict[tuple[str, str], list[ItemOutcome]] = {}
    for record in records:
        by_object.setdefault((record.kind, record.key), []).append(record)
    out: list[ItemUndo] = []
    for (kind_name, key), records in by_object.items():
        written = [r for r in records if wrote(r)]
        if not written:
            continue  # nothing of it went through: nothing to take back
        first, last = records[0], written[-1]
        name = last.name or first.name or key
        kind = kinds.get(kind_name)
        if kind is None or not isinstance(kind, UndoableKind):
            out.append(ItemUndo(kind_name, key, name, reason=f"items of kind {kind_name!r} cannot be undone"))
            continue
        if first.outcome == "applied" and first.attempts == 0 and first.changes is None:
            reason = "written in a pass stopped before its audit line: what it was before the job is not known"
            out.append(ItemUndo(kind_name, key, name, reason=reason))
            continue
        result = kind.invert(first, last)
        if result is None:
            continue
        if isinstance(result, NotUndoable):
            out.append(ItemUndo(kind_name, key, name, reason=result.reason))
        else:
            out.append(ItemUndo(kind_name, key, name, inverted=result))
    return ItemsInverse(tuple(out))


def guard_of(inverted: Inverted[Any]) -> ItemGuard:
    return ItemGuard(inverted.restore, inverted.written, inverted.names)


def encode_guarded(kind: AnyKind, item: Any, guard: ItemGuard) -> bytes:
    """The store's payload of an undo item: the kind's own payload, and the guard beside it."""
    return orjson.dumps({_GUARD: guard.to_json(), _ITEM: kind.encode(item).decode()})


def decode_row(kind: AnyKind, payload: bytes) -> tuple[Any, ItemGuard | None]:
    """An item as stored, and its guard when it is an undo item (else None)."""
    if payload.startswith(b'{"' + _GUARD.encode()):
        d = orjson.loads(payload)
        if isinstance(d, dict) and set(d) == {_GUARD, _ITEM}:
            return kind.decode(str(d[_ITEM]).encode()), ItemGuard.from_json(d[_GUARD])
    return kind.decode(payload), None
