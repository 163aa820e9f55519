"""A kind of job item beside users (skill definitions now; queue settings and utilization
labels next): what the one pipeline needs to know of it, and nothing else.

The pipeline (``engine/phases.py``) owns everything that is the same for every kind: the
store's statuses and resume, the run's one client (so one rate governor), the audit line,
the reconciliation queue, the 409 policy and the order of durable effects. A kind says how
to key, store, read, diff, write and describe its items. Items run in their kind's phase:

    before_users  (skill creates and moves)  ->  the users  ->  after_users (queue settings)
                  ->  last (skill deletes, guarded by what still references them)

A phase starts only when the one before it has ended with every item handled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol, TypeVar

from bulkops.client.api import GenesysClient

Phase = Literal["before_users", "after_users", "last"]
PHASES: tuple[Phase, ...] = ("before_users", "after_users", "last")

Item = TypeVar("Item")
State = TypeVar("State")
Change = TypeVar("Change")


class Kind(Protocol[Item, State, Change]):
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
