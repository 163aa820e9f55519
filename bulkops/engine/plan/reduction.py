"""Can a job take a member away from a queue? Decided from the resolved spec alone, no request.

``run`` refuses a job that would leave a queue with no member (exit 12) unless ``--accept-impact``
is given; finding that out costs the impact's reads (``engine.impact``: the skill groups, a queue
listing, the activity query). A job that cannot reduce any queue's membership cannot empty one, so
``run`` spends those reads only when ``may_reduce`` names a reason. The answer is conservative: a
reason is given whenever the job *might* take a member away, even where the impact would then find
nothing.

What may take a member away (direct, or through a skill group selecting members by skills):

- a user leaves a queue;
- a skill or language removed, a ``replace`` that drops one the user holds, a proficiency lowered
  (a group's ``GreaterThanOrEqualTo 4`` no longer holds), or a holding set-up could not read;
- a user moved to another division (a skill group's ``memberDivisions`` may exclude it);
- a skill definition deleted or migrated (its holders lose it);
- a queue member deactivated (``joined: false``: routing stops reaching it).

The kinds' part is each kind's folder's (``KindFolder.reduction``); the users' is here.

What does not: adding a skill or language, raising a proficiency, joining a queue, the user fields
(department, title, manager), utilization, labels, queue settings and wrap-up codes, skills
created or moved to a division. One gap is accepted: a skill group whose condition is ``Not``,
``NotEqualTo`` or ``LessThan`` can lose a member who *gains* a skill; ``plan`` shows that case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from bulkops.domain.model import ResolvedIntent, UserState
from bulkops.kinds.registry import KINDS

if TYPE_CHECKING:
    from bulkops.engine.setup.job import ResolvedSpec

#: A run store read by ids: ``store.open_intents`` or ``store.states`` (id -> a tuple, the record first).
Lookup = Callable[[list[str]], Mapping[str, tuple[Any, ...]]]


@dataclass(frozen=True, slots=True)
class Reduction:
    """Why a job may take a member away from a queue: the first reason found, and where."""

    reason: str


def user_reduction(intent: ResolvedIntent, state: UserState | None) -> str | None:
    """Why this user's change may take them out of a queue, or None when it only adds."""
    if intent.leave_queues:
        return "a user leaves a queue"
    if intent.remove_skills or intent.remove_languages:
        return "a skill or language is removed"
    if intent.division is not None and (state is None or state.division != intent.division):
        return "a user moves to another division"
    if state is None:
        return None if _only_adds_nothing_held(intent) else "a user's holdings were not read"
    if intent.replace_skills and set(state.skills) - set(intent.skills):
        return "replace mode drops a skill a user holds"
    return _lowered(intent, state)


def _only_adds_nothing_held(intent: ResolvedIntent) -> bool:
    """An intent that sets no skill or language takes nothing away whatever the user holds."""
    return not (intent.skills or intent.languages or intent.replace_skills)


def _lowered(intent: ResolvedIntent, state: UserState) -> str | None:
    """A proficiency set below what the user holds, or set where set-up could not read the holding."""
    for kind, wanted, held in (("skills", intent.skills, state.skills), ("languages", intent.languages, state.languages)):
        if wanted and kind in state.unknown:
            return f"a user's {kind} were not read"
        if any(value < held[key] for key, value in wanted.items() if key in held):
            return "a proficiency is lowered"
    return None


def first_reduction(pairs: Iterable[tuple[ResolvedIntent, UserState | None]], setups: Mapping[str, Any] | None = None) -> Reduction | None:
    """The first reason the job may reduce a queue's membership, or None when it cannot: the kinds'
    items as set up (``setups`` by kind name, each asked in the registry's order), then the users."""
    for folder in KINDS:
        if reason := folder.reduction((setups or {}).get(folder.name)):
            return Reduction(reason)
    for intent, state in pairs:
        if why := user_reduction(intent, state):
            return Reduction(why)
    return None


def store_pairs(open_ids: Iterable[str], intents_of: Lookup, states_of: Lookup, size: int = 500) -> Iterator[tuple[ResolvedIntent, UserState | None]]:
    """Each open user's intent beside the state set-up read (None: not found), read from the run
    store a chunk at a time."""
    ids = iter(open_ids)
    while chunk := list(islice(ids, size)):
        intents, states = intents_of(chunk), states_of(chunk)
        for uid in chunk:
            state = states.get(uid)
            yield intents[uid][0], (state[0] if state is not None else None)


def may_reduce(resolved: ResolvedSpec, *, walk: bool = False) -> Reduction | None:
    """``first_reduction`` of a resolved spec: its users (intent and state from the run store) and
    its kinds' items as set up (skill definitions, queue member activations). No request.
    With the users gathered on sight (``resolved.on_sight``, still valid) only those it left out
    are read back from the store (#29 §5); otherwise, or with ``walk``, every open user is."""
    store, seen = resolved.store, resolved.on_sight
    if walk or seen is None or not seen.usable(store) or not seen.reason_current():
        return first_reduction(store_pairs(store.open_user_ids(), store.open_intents, store.states), resolved.setups)
    later = ((i.user, why) for i, s in store_pairs(sorted(seen.later), store.open_intents, store.states) if (why := user_reduction(i, s)))
    first = min(filter(None, (seen.first_reason, next(later, None))), default=None)
    return first_reduction((), resolved.setups) or (Reduction(first[1]) if first else None)
