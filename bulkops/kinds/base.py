"""A kind of job item beside users (skill definitions, queue settings, queue members, utilization
labels, per-user and org default utilization): what the one pipeline needs to know of it, and
nothing else. What a kind says of itself beyond the run (its spec section, set-up, plan line,
change column) is its folder's ``KindFolder`` (``kinds/folder.py``).

The pipeline (``engine/run/phases.py``) owns everything that is the same for every kind: the
store's statuses and resume, the run's one client (so one rate governor), the audit line,
the reconciliation queue, the 409 policy and the order of durable effects. A kind says how
to key, store, read, diff, write and describe its items. Items run in their kind's phase:

    before_users  (skill creates and moves)  ->  the users  ->  after_users (queue settings)
                  ->  last (skill deletes, guarded by what still references them)

A phase starts only when the one before it has ended with every item handled.

A kind that can be undone (``UndoableKind``) also says how to take one of its items back: from
the item's first and last audit lines, an item of its own that restores what was there before
(``invert``), the parts of an object that item compares and restores (``parts``), and the item
narrowed to the parts the undo's guard lets through (``narrow``; see ``domain/itemguard.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

from bulkops.client.api import GenesysClient
from bulkops.state.records import ItemOutcome

Phase = Literal["before_users", "after_users", "last"]
PHASES: tuple[Phase, ...] = ("before_users", "after_users", "last")

Item = TypeVar("Item")
State = TypeVar("State")
Change = TypeVar("Change")


class Kind(Protocol[Item, State, Change]):
    """What the one pipeline (``engine/run/phases.py``) asks of a kind's items."""

    #: The audit's and the store's name for the kind ("skill").
    name: str
    #: On a 409: True re-reads the object before trying again (its write carries a version or
    #: replaces the whole object), False sends the same write again.
    rereads_on_conflict: bool
    #: Items read at once before their writes: a kind that re-reads an object gone stale before its
    #: write (queues: a PUT with no version) reads few at a time, so the read is fresh when it writes.
    read_batch: int

    def key(self, item: Item) -> str:
        """The item's key in the store: unique within the kind and stable across runs."""
        ...

    def phase(self, item: Item) -> Phase: ...

    def encode(self, item: Item) -> bytes: ...

    def decode(self, payload: bytes) -> Item: ...

    async def read(self, client: GenesysClient, items: Sequence[Item]) -> Mapping[str, State | None]:
        """The objects as the org has them now, by key (None: the org has no such object)."""
        ...

    def diff(self, state: State | None, item: Item) -> Change | None:
        """What takes ``state`` to ``item``; None when nothing is left to do."""
        ...

    async def check(self, client: GenesysClient, state: State | None, item: Item, change: Change) -> str | None:
        """Just before the write: a reason not to write (a delete still referenced), or None."""
        ...

    async def write(self, client: GenesysClient, state: State | None, item: Item, change: Change) -> State | None:
        """Send the change; return the object as it is after it. Raises ApiError."""
        ...

    def describe(self, state: State | None) -> Mapping[str, Any] | None:
        """The object as the audit's before/after shows it."""
        ...

    def describe_change(self, change: Change) -> Mapping[str, Any]: ...

    def label(self, item: Item) -> str:
        """How people name the item (the skill's name)."""
        ...


#: A kind whatever its items, states and changes (the registry and the pipeline hold them so).
AnyKind = Kind[Any, Any, Any]


@dataclass(frozen=True, slots=True)
class Inverted(Generic[Item]):
    """An item that takes back what a job did to one object: ``item`` restores ``restore`` (each
    part as it was before the job) where the org still holds ``written`` (as the job left it)."""

    item: Item
    #: The undo's phase for it: the reverse of the job's order (docs/engine.md "Undo (#20)").
    phase: Phase
    restore: Mapping[str, Any]
    written: Mapping[str, Any]
    #: How people name a part (a member's email for a user id, a label's name for its id).
    names: Mapping[str, str] = field(default_factory=dict)
    #: Parts the job changed that cannot be put back, each with why (the plan names them).
    not_restored: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NotUndoable:
    """Why what a job did to one object cannot be taken back (a deleted skill: not with its id)."""

    reason: str


@runtime_checkable
class UndoableKind(Protocol):
    """What a kind adds to be undone (its items and states are the kind's own, as in ``Kind``)."""

    def invert(self, first: ItemOutcome, last: ItemOutcome) -> Inverted[Any] | NotUndoable | None:
        """The undo of one object from its first audit line (``before``: as the job found it) and
        its last one that wrote (``after``: as the job left it); None when nothing is to undo."""
        ...

    def parts(self, state: Any, item: Any) -> Mapping[str, Any]:
        """The parts ``item`` restores, as ``state`` has them (plain JSON; absent: None)."""
        ...

    def narrow(self, item: Any, keep: frozenset[str]) -> Any:
        """``item`` restoring only the parts in ``keep``; None when nothing is left."""
        ...

    async def check_undo(self, client: GenesysClient, state: Any, item: Any, change: Any) -> str | None:
        """``check`` for an undo item: what stands in the way of taking the job's change back now
        (a skill the job created that someone holds now); the item is then held back."""
        ...
