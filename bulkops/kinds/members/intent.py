"""Member activation in a job (#18): which direct members of a queue are to be joined (active).

A queue member is *joined* when it takes conversations from the queue, *unjoined* when it
stays a member but takes none (``PATCH /api/v2/routing/queues/{id}/members``, ``QueueMember.joined``).
A spec names members to activate and to deactivate, or every direct member (``activateAll``,
``deactivateAll``) with the listed ones as exceptions. Only the members whose ``joined``
differs are written (``joined_changes``), so a rerun or a resumed run sends nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class MemberActivationIntent:
    """One queue entry's ``members``, users as written (refs). ``rest``: what every direct member
    not listed gets (True: ``activateAll``, False: ``deactivateAll``, None: left as is)."""

    activate: tuple[str, ...] = ()
    deactivate: tuple[str, ...] = ()
    rest: bool | None = None

    def names_anything(self) -> bool:
        return bool(self.activate or self.deactivate or self.rest is not None)


@dataclass(frozen=True, slots=True)
class MembersItem:
    """A resolved member activation, as the run store keeps it: one per queue.

    ``joined``: user id -> joined wanted for each member the spec lists; ``rest`` for every other
    direct member (None: they are left alone). ``labels``: user id -> how the spec named the user."""

    queue_id: str
    name: str
    joined: Mapping[str, bool] = field(default_factory=dict)
    rest: bool | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    line: int = 0

    def wants(self, user_id: str) -> bool | None:
        """The joined value the job sets for this member (None: the job leaves it alone)."""
        return self.joined.get(user_id, self.rest)

    @property
    def read_filter(self) -> bool | None:
        """The ``joined`` filter a read needs: a job that only activates need list only the unjoined
        members (they are all it may write), one that only deactivates only the joined ones; None: all."""
        wanted = set(self.joined.values()) | ({self.rest} if self.rest is not None else set())
        return (not wanted.pop()) if len(wanted) == 1 else None


@dataclass(frozen=True, slots=True)
class MembersState:
    """A queue's direct members as one read found them (user id -> joined): only those with
    ``joined == listed`` when the read was filtered (``listed`` not None). ``labels``: user id ->
    email or name, for the audit; ``gone``: members a write named that the API no longer listed."""

    queue_id: str
    name: str
    joined: Mapping[str, bool] = field(default_factory=dict)
    listed: bool | None = None
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    gone: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MembersChange:
    """What one member activation item writes: user id -> joined, with labels for people."""

    joined: Mapping[str, bool] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def activate(self) -> tuple[str, ...]:
        return tuple(sorted(u for u, j in self.joined.items() if j))

    @property
    def deactivate(self) -> tuple[str, ...]:
        return tuple(sorted(u for u, j in self.joined.items() if not j))


def joined_changes(read: Mapping[str, bool], item: MembersItem) -> dict[str, bool]:
    """User id -> joined for each member read whose ``joined`` is not what the job sets (pure)."""
    out: dict[str, bool] = {}
    for user_id, joined in read.items():
        want = item.wants(user_id)
        if want is not None and want != joined:
            out[user_id] = want
    return out


def members_change(state: MembersState, item: MembersItem) -> MembersChange | None:
    """What takes the members read to what the job names; None when nothing is left to do."""
    changes = joined_changes(state.joined, item)
    if not changes:
        return None
    labels = {u: item.labels.get(u) or state.labels.get(u) or u for u in changes}
    return MembersChange(changes, labels)
