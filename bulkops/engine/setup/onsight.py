"""The impact on routing's inputs, gathered as resolution resolves each page of users (#29 §5).

``run`` reads the impact before its first write. Its inputs are, per user whose skills, languages
or direct queues change, the holdings before and after (``engine/plan/impact.py``'s ``Move``). They
used to be found by walking every open user after set-up, reading its intent and state back from
the run store; at 100,000 users that walk was a fifth of the CPU before the first write. Here each
resolved intent is met with the state its page was just read into, so the walk is not needed.

What is kept, and what is left to the walk by id (``later``, read from the store after set-up):

- the skills and languages before and after, worked out on sight (``holdings_after``);
- the queue part waits for the queues' members (``QueueMembership``, loaded after resolution): each
  user who joins or leaves a queue, or whose holdings change, is kept as a ``PendingMove`` with its
  join and leave ids, and finished once the members are known (``applied_queues``);
- to ``later``: a user whose state has an unknown expansion (``fill_unknown`` reads it with
  requests), one resolved at ``finish`` (no page in hand), one whose state was not on its page,
  and one read again after it was gathered (the store then holds the later state).

Given ``reason_of``, the first reason (by user id) the job may take a member from a queue is kept too:
``may_reduce`` then reads only the ``later`` users back, where it walked every user.

Anything that writes the users' intents or states after resolution (skills added and resolution run
again, the skill migrations' merged intents, the authoritative removals, any kind's set-up) makes
what was gathered stale: ``usable`` is then false and the impact walks the store as before. The rule
is the store's own count of such writes (``RunStore.user_writes``), marked when resolution ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bulkops.domain.merge import holdings_after
from bulkops.domain.model import ResolvedIntent, UserState
from bulkops.engine.plan.packed import LevelTable, PackedUser
from bulkops.state.store import RunStore

#: Why a user's change may take a member from a queue (``engine/plan/reduction.py``'s ``user_reduction``).
ReasonOf = Callable[[ResolvedIntent, UserState | None], str | None]


@dataclass(frozen=True, slots=True)
class PendingMove(PackedUser):
    """A user whose routing inputs may change, before the queues' members are known: skills and
    languages packed by the ``OnSight``'s ``LevelTable``, as a ``Move``'s are."""

    joins: frozenset[str]
    leaves: frozenset[str]


def pending_move(state: UserState, intent: ResolvedIntent, levels: LevelTable) -> PendingMove | None:
    """What the impact needs of one user, or None when nothing it looks at can change: neither its
    skills nor its languages, and no queue to join or leave."""
    skills, languages = holdings_after(state, intent)
    joins, leaves = intent.join_queues, intent.leave_queues
    if skills == state.skills and languages == state.languages and not joins and not leaves:
        return None
    label = state.email or state.username or state.id
    skills_before, skills_after = levels.pack_pair(state.skills, skills)
    languages_before, languages_after = levels.pack_pair(state.languages, languages)
    return PendingMove(state.id, label, state.state == "active", skills_before, skills_after, languages_before, languages_after, joins, leaves)


class OnSight:
    """Fed by ``Resolution``: each page's states (``read``), then each intent it resolved (``resolved``)."""

    def __init__(self, reason_of: ReasonOf | None = None) -> None:
        self.pending: list[PendingMove] = []
        self.job_queues: set[str] = set()
        #: Users the impact reads back from the store (see the module doc).
        self.later: set[str] = set()
        #: The gathered user with the smallest id that ``reason_of`` gives a reason for, and the reason:
        #: ``may_reduce``'s first reason (it walks the users by id), without the walk.
        self.first_reason: tuple[str, str] | None = None
        self._reason_of = reason_of
        #: The ids and levels the pending moves are packed by: the impact's ``ImpactInputs`` takes it over.
        self.levels = LevelTable()
        self._gathered: set[str] = set()
        self._mark: int | None = None

    def read(self, states: Iterable[UserState]) -> None:
        """A page's states, stored just now: a user gathered before is read back from the store later."""
        for state in states:
            if state.id in self._gathered:
                self.later.add(state.id)

    def resolved(self, intent: ResolvedIntent, state: UserState | None) -> None:
        """One intent, with the state its page read (None: not on a page in hand)."""
        if state is None or state.unknown:
            self.later.add(intent.user)
            return
        self._gathered.add(state.id)
        if intent.join_queues or intent.leave_queues:
            self.job_queues.update(intent.join_queues, intent.leave_queues)
        if self._reason_of is not None and (self.first_reason is None or state.id < self.first_reason[0]):
            if why := self._reason_of(intent, state):
                self.first_reason = (state.id, why)
        if (move := pending_move(state, intent, self.levels)) is not None:
            self.pending.append(move)

    def close(self, store: RunStore) -> None:
        """Resolution has stored its last intent: from here any user write makes this stale."""
        self._mark = store.user_writes
        self._gathered = set()  # no page comes after: what spotted a user read again is let go

    def usable(self, store: RunStore) -> bool:
        """Whether nothing wrote a user's intent or state since resolution ended (else walk the store)."""
        return self._mark is not None and store.user_writes == self._mark

    def reason_current(self) -> bool:
        """Whether ``first_reason`` still stands: its user was not read again after (else walk the store)."""
        return self.first_reason is None or self.first_reason[0] not in self.later

    def take(self) -> list[PendingMove]:
        """The pending moves of users not read back later, once: the impact is read once, and what was
        kept for it is let go as it is finished (after this, ``usable`` is false)."""
        taken = [p for p in self.pending if p.user_id not in self.later]
        self.pending, self._mark = [], None
        return taken

    def release(self) -> None:
        """The impact will not be read (nothing can take a member from a queue): let the moves go."""
        self.pending, self._mark = [], None
