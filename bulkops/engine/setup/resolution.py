"""Resolving the staged intents once each, as the users they name are read.

While set-up reads the org (a listing is paced by the rate limit, most of its time is spent
waiting), each page's users are joined with the staged intents naming them and those
intents are resolved and stored at once: by the end of the listing there is little left to
do and the first write comes sooner. What cannot be resolved on sight (a manager not read
yet; a user never read, which is a problem) is resolved at ``finish``, in spec order. A key
resolved on sight that later turns out to name two users is caught at ``finish`` too.

Given an ``OnSight``, each intent resolved is handed to it with the state its page was just read
into: the impact on routing's inputs, gathered without reading the store back (#29 §5).

Any problem makes ``finish`` read the spec once more, to locate each problem by line and
column, and raise: nothing is stored for a job that is not valid as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from bulkops.client.api import GenesysClient
from bulkops.domain.limits import UserCaps, over_cap
from bulkops.domain.model import ResolvedIntent, UserIntent, UserState
from bulkops.engine.setup.onsight import OnSight
from bulkops.engine.setup.userread import HeldCounts, find_gone
from bulkops.errors import SpecError
from bulkops.spec import OrgDirectory
from bulkops.spec.cells import fold
from bulkops.spec.resolve import FinalCheck, Resolver
from bulkops.spec.validate import At, Problems
from bulkops.state.store import RunStore

if TYPE_CHECKING:
    from bulkops.engine.setup.job import CheckedSpec


class Resolution:
    def __init__(
        self, checked: CheckedSpec, directory: OrgDirectory, *, held: HeldCounts, allow_missing_skills: bool = False, on_sight: OnSight | None = None
    ) -> None:
        self.spec, self.staged, self.store, self.directory = checked.spec, checked.staged, checked.store, directory
        store, caps = checked.store, checked.caps
        self.allow_missing_skills = allow_missing_skills
        self.problems = Problems(checked.spec.path)
        self.final_check = cap_check(store, caps, held)
        self.resolver = Resolver(directory, self.problems, allow_missing_skills=allow_missing_skills, final_check=self.final_check)
        self.queues: set[str] = set()
        self.managers: set[str] = set()  # managers the intents name, and the named users' own: named in the job's records
        self.users = 0
        self.on_sight = on_sight
        store.clear_intents()
        self._waiting = self.staged.refs()  # folded user ref -> staged positions
        self._later: list[int] = []  # read, but naming a manager not read yet
        self._on_sight: dict[str, tuple[int, str]] = {}  # folded ref -> (line, ref) resolved before the end

    @property
    def missing_skills(self) -> list[str]:
        return list(self.resolver.missing_skills.values())

    def on_users(self, entities: Iterable[Mapping[str, Any]], states: Iterable[UserState] = ()) -> None:
        """These users are in the directory now (``states``: those the spec names, just stored):
        resolve the intents that name them."""
        if self.on_sight is not None:
            states = list(states)
            self.on_sight.read(states)
        seqs: list[int] = []
        for entity in entities:
            for key in (entity.get("id"), entity.get("email"), entity.get("username")):
                if key and (k := fold(key)) in self._waiting:
                    seqs += self._waiting.pop(k)
                    self._note_manager(entity)
        if not seqs:
            return
        ready: list[UserIntent] = []
        for seq, intent in self.staged.at(seqs):
            manager = intent.fields.get("manager")
            if manager and self.directory.users.lookup(manager) is None:
                self._later.append(seq)
                continue
            self._on_sight[fold(intent.user)] = (intent.line, intent.user)
            ready.append(intent)
        self._resolve(ready, {s.id: s for s in states} if self.on_sight is not None else None)

    def _note_manager(self, entity: Mapping[str, Any]) -> None:
        """A named user's current manager: named by email where the job shows what it last saw."""
        manager = entity.get("manager")
        if isinstance(manager, Mapping) and isinstance(manager.get("id"), str):
            self.managers.add(manager["id"])

    def _resolve(self, intents: Iterable[UserIntent], page: Mapping[str, UserState] | None = None) -> None:
        """Resolve and store; ``page``: the states read with these users, for ``on_sight``."""
        resolved: list[ResolvedIntent] = []
        for intent in intents:
            got = self.resolver.resolve(intent)
            if got is not None:
                self.queues.update(got.join_queues, got.leave_queues)
                if manager := got.fields.get("manager"):
                    self.managers.add(manager)
                resolved.append(got)
        self.users += self.store.add_intents(resolved)
        if self.on_sight is not None:
            for got in resolved:
                self.on_sight.resolved(got, page.get(got.user) if page else None)

    async def finish(self, client: GenesysClient, earlier: Problems | None = None) -> None:
        """Resolve the rest in spec order; on any problem (``earlier`` ones too: the skills
        section's), raise ``SpecError`` with each located."""
        rest = sorted([seq for seqs in self._waiting.values() for seq in seqs] + self._later)
        self._waiting, self._later = {}, []
        for i in range(0, len(rest), 2000):
            self._resolve(intent for _, intent in self.staged.at(rest[i : i + 2000]))
        for key, (line, ref) in self._on_sight.items():
            if self.directory.users.is_ambiguous(key):  # a second user with this key was read later
                self.problems.add(At(line, 1), f"user {ref!r} matches more than one user in the org; use the user id")
        self.resolver.finish()
        extra = earlier.finish() if earlier else []
        if self.problems:
            self.directory.users.mark_gone(await find_gone(client, self.resolver.unknown_users))
            located = self.spec.validate(self.directory, allow_missing_skills=self.allow_missing_skills, final_check=self.final_check)
            raise SpecError(sorted([*(located or self.problems.finish()), *extra], key=lambda p: (p.line, p.column)))
        if extra:
            raise SpecError(extra)
        # The managers by email, as the spec names them: people read names (``reconcile show``, the report).
        self.store.set(user_names=self.directory.users.emails_of(self.managers))
        if self.on_sight is not None:
            self.on_sight.close(self.store)


def cap_check(store: RunStore, caps: UserCaps, held: HeldCounts) -> FinalCheck:
    """``over_cap`` with the user's stored state, read only when the held counts say it could matter."""

    def check(intent: ResolvedIntent) -> str | None:
        counts = held.get(intent.user)
        if counts is not None and counts[0] + len(intent.skills) <= caps.skills and counts[1] + len(intent.languages) <= caps.languages:
            return None
        stored = store.states([intent.user]).get(intent.user)
        return over_cap(intent, stored[0] if stored else None, caps)

    return check
