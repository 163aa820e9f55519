"""Resolution: spec refs (names, emails, usernames, ids) -> org ids, as pure code.

The engine builds an ``OrgDirectory`` from paged API listings; nothing here does I/O.
Names match case-insensitively (an exact-case match wins when two org names differ
only by case), and an exact id is accepted anywhere a name is.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from bulkops.domain.model import ResolvedIntent, UserIntent, new_intent
from bulkops.errors import SpecError
from bulkops.spec.cells import did_you_mean, fold
from bulkops.spec.validate import At, Locate, Problems, UserLedger, intent_digest, own_manager

#: Unknown user refs that get "did you mean" suggestions (a spec full of bad users
#: should not spend its time on fuzzy matching).
USER_SUGGESTION_LIMIT = 100
#: Keys either side of the ref in prefix order and in suffix order that are compared:
#: a full difflib scan over 300,000 keys takes seconds per ref, a shortlist milliseconds.
_NEIGHBOURS = 40


class UserDirectory:
    """Email, username or id -> user id, case-insensitively, in one dict.

    For 100,000 users that is 300,000 keys sharing 100,000 id strings (tens of MB).
    A key claimed by two different users is remembered as ambiguous, not overwritten.
    """

    __slots__ = ("_keys", "_ambiguous", "_count", "_sorted", "_gone")

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._ambiguous: set[str] = set()
        self._count = 0
        self._sorted: tuple[list[str], list[str]] | None = None  # built on first suggest
        self._gone: dict[str, str] = {}  # folded ref -> "inactive" / "deleted"

    def mark_gone(self, gone: Mapping[str, str]) -> None:
        """Refs found only among inactive or deleted users (ref -> state): said so, not "not in the org"."""
        self._gone.update({fold(ref): state for ref, state in gone.items()})

    def gone(self, ref: str) -> str | None:
        return self._gone.get(fold(ref))

    def add(self, id: str, email: str | None = None, username: str | None = None) -> None:
        self._count += 1
        self._sorted = None
        keys = self._keys
        for key in (id, email, username):
            if key and keys.setdefault(k := fold(key), id) != id:  # one lookup: kept, or claimed by another user
                self._ambiguous.add(k)

    def lookup(self, ref: str) -> str | None:
        """The user id, or None when unknown or ambiguous."""
        k = fold(ref)
        if k in self._ambiguous:
            return None
        return self._keys.get(k)

    def emails_of(self, user_ids: Iterable[str]) -> dict[str, str]:
        """An email (else a username) for each of these ids that has one: one pass over the keys,
        for the few ids a person reads (a plan's managers)."""
        wanted = set(user_ids)
        out: dict[str, str] = {}
        if wanted:
            for key, uid in self._keys.items():
                if uid in wanted and key != uid and ("@" in key or uid not in out):
                    out[uid] = key
        return out

    def is_ambiguous(self, ref: str) -> bool:
        return fold(ref) in self._ambiguous

    def __len__(self) -> int:
        return self._count

    def suggest(self, ref: str) -> str:
        """ " (did you mean ...?)" from keys sharing a prefix or a suffix with ``ref``.

        Typos leave either the start or the end of an address intact, so the keys next
        to ``ref`` in prefix-sorted and in suffix-sorted order make a good shortlist."""
        if self._sorted is None:
            forward = sorted(self._keys)
            self._sorted = (forward, sorted(k[::-1] for k in forward))
        forward, backward = self._sorted
        k = fold(ref)
        shortlist: set[str] = set()
        for keys, probe, flip in ((forward, k, False), (backward, k[::-1], True)):
            i = bisect.bisect_left(keys, probe)
            for c in keys[max(0, i - _NEIGHBOURS) : i + _NEIGHBOURS]:
                shortlist.add(c[::-1] if flip else c)
        return did_you_mean(k, sorted(shortlist), cutoff=0.75)


class _Names:
    """Lookup over one name -> id table: exact name, folded name, then exact id."""

    def __init__(self, table: Mapping[str, str]):
        self.table = table
        self.folded: dict[str, str | None] = {}
        for name, id_ in table.items():
            k = fold(name)
            self.folded[k] = id_ if k not in self.folded else None  # None: ambiguous by case
        self.ids = set(table.values())
        self.memo: dict[str, str | None] = {}  # refs repeat on every row: resolve each once

    def lookup(self, ref: str) -> str | None:
        try:
            return self.memo[ref]
        except KeyError:
            pass
        if len(self.memo) < 100_000:
            hit = self.memo[ref] = self._lookup(ref)
            return hit
        return self._lookup(ref)

    def _lookup(self, ref: str) -> str | None:
        ref = ref.strip()
        hit = self.table.get(ref)
        if hit is not None:
            return hit
        hit = self.folded.get(fold(ref))
        if hit is not None:
            return hit
        return ref if ref in self.ids else None


@dataclass
class OrgDirectory:
    """What the org has, by name, for resolving a spec. Built by the engine."""

    skills: dict[str, str] = field(default_factory=dict)  # skill name -> skill id (names as in the org)
    languages: dict[str, str] = field(default_factory=dict)  # language name -> id
    queues: dict[str, str] = field(default_factory=dict)  # queue name -> id
    #: Queue id -> direct members as the queue listing counts them (what reading them would cost).
    queue_members: dict[str, int] = field(default_factory=dict)
    divisions: dict[str, str] = field(default_factory=dict)  # division name -> id
    users: UserDirectory = field(default_factory=UserDirectory)


#: A check on a resolved intent that needs the org (what the user holds now): a problem, or None.
FinalCheck = Callable[[ResolvedIntent], "str | None"]

#: The ids of an empty set of refs, shared by every intent that names none.
_NO_IDS: frozenset[str] = frozenset()

_WHAT = {
    "skill": ("skill", "skills"),
    "language": ("language", "languages"),
    "join": ("queue", "queues"),
    "leave": ("queue", "queues"),
    "division": ("division", "divisions"),
}


class Resolver:
    """Resolves intents one at a time; unknown refs are reported once each, at ``finish``.

    ``missing_skills`` collects skill names (as first written) that the org lacks and
    the spec wants to *set*, so the engine can offer to create them, add them to
    ``directory.skills`` and resolve again. With ``allow_missing_skills`` those are
    not reported as problems.
    """

    def __init__(self, directory: OrgDirectory, problems: Problems, *, allow_missing_skills: bool = False, final_check: FinalCheck | None = None):
        self.directory = directory
        self.final_check = final_check
        #: User and manager refs that matched no active user (as written): set-up looks them
        #: up among inactive and deleted users to say why.
        self.unknown_users: set[str] = set()
        self.problems = problems
        self.allow_missing_skills = allow_missing_skills
        self.missing_skills: dict[str, str] = {}  # folded -> as written
        self._idx = {
            "skill": _Names(directory.skills),
            "language": _Names(directory.languages),
            "join": _Names(directory.queues),
            "leave": _Names(directory.queues),
            "division": _Names(directory.divisions),
        }
        self._unknown: dict[tuple[str, str], tuple[At, str, int]] = {}  # (what, folded) -> (At, ref, count)
        self._user_suggestions = 0
        self._ledger = UserLedger()

    def _unknown_ref(self, kind: str, ref: str, at: At) -> None:
        what = _WHAT[kind][0]
        key = (what, fold(ref))
        entry = self._unknown.get(key)
        if entry is None:
            self._unknown[key] = (at, ref, 1)
        else:
            first_at, first_ref, count = entry
            self._unknown[key] = (first_at, first_ref, count + 1)  # where it was first used stays

    def _user(self, ref: str, at: At, role: str) -> str | None:
        users = self.directory.users
        uid = users.lookup(ref)
        if uid is not None:
            return uid
        if users.is_ambiguous(ref):
            self.problems.add(at, f"{role} {ref!r} matches more than one user in the org; use the user id")
            return None
        self.unknown_users.add(ref)
        if (state := users.gone(ref)) is not None:
            self.problems.add(at, f"{role} {ref!r} is {state} in the org; only active users can be changed (reactivate them first, or drop the line)")
            return None
        hint = ""
        if self._user_suggestions < USER_SUGGESTION_LIMIT:
            self._user_suggestions += 1
            hint = users.suggest(ref)
        self.problems.add(at, f"{role} {ref!r} is not in the org{hint}")
        return None

    def resolve(self, intent: UserIntent, locate: Locate | None = None) -> ResolvedIntent | None:
        """The intent with ids in place of refs, or None if anything failed to resolve."""
        loc: Locate = locate or (lambda kind, ref: At(intent.line, 1))
        user = self._user(intent.user, loc("user", None), "user")
        skills, ok_skills = self._levels("skill", intent.skills, loc)
        rm_skills, ok_rm_skills = self._ids("skill", intent.remove_skills, loc)
        langs, ok_langs = self._levels("language", intent.languages, loc)
        rm_langs, ok_rm_langs = self._ids("language", intent.remove_languages, loc)
        join, ok_join = self._ids("join", intent.join_queues, loc)
        leave, ok_leave = self._ids("leave", intent.leave_queues, loc)
        division, ok_division = self._division(intent.division, loc)
        fields, ok_fields = self._fields(intent, user, loc)
        # Nothing removed or left (the usual case): nothing can be both added and removed.
        uncrossed = not (rm_skills or rm_langs or leave) or self._uncrossed(
            intent.user, loc, (skills.keys(), rm_skills, "skill"), (langs.keys(), rm_langs, "language"), (join, leave, "queue")
        )
        if user is None or not all((ok_skills, ok_rm_skills, ok_langs, ok_rm_langs, ok_join, ok_leave, ok_division, ok_fields, uncrossed)):
            return None
        resolved = ResolvedIntent(
            new_intent(  # the fast constructor: one an intent
                user=user,
                skills=skills,
                remove_skills=rm_skills,
                languages=langs,
                remove_languages=rm_langs,
                fields=fields,
                division=division,
                join_queues=join,
                leave_queues=leave,
                replace_skills=intent.replace_skills,
                line=intent.line,
            )
        )
        if self.final_check is not None and (why := self.final_check(resolved)) is not None:
            self.problems.add(loc("user", None), f"user {intent.user!r}: {why}")
            return None
        return resolved if self._admit(resolved, intent, loc) else None

    def _levels(self, kind: str, refs: Mapping[str, float], loc: Locate) -> tuple[dict[str, float], bool]:
        """Ref -> proficiency as id -> proficiency; a skill the org lacks is also noted in
        ``missing_skills`` (and not reported when missing skills are allowed)."""
        out: dict[str, float] = {}
        ok = True
        names = self._idx[kind]
        for ref, v in refs.items():
            id_ = names.lookup(ref)
            if id_ is None:
                ok = False
                if kind == "skill":
                    self.missing_skills.setdefault(fold(ref), ref.strip())
                    if self.allow_missing_skills:
                        continue
                self._unknown_ref(kind, ref, loc(kind, ref))
            elif id_ in out and out[id_] != v:
                ok = False
                self.problems.add(loc(kind, ref), f"{kind} {ref!r} names the same {kind} as another entry with a different proficiency")
            else:
                out[id_] = v
        return out, ok

    def _ids(self, kind: str, refs: Collection[str], loc: Locate) -> tuple[frozenset[str], bool]:
        if not refs:  # the usual case (nothing removed, no queue named): no sets built per user
            return _NO_IDS, True
        out: set[str] = set()
        ok = True
        names = self._idx[kind]
        for ref in refs:
            id_ = names.lookup(ref)
            if id_ is None:
                ok = False
                self._unknown_ref(kind, ref, loc(kind, ref))
            else:
                out.add(id_)
        return frozenset(out), ok

    def _division(self, ref: str | None, loc: Locate) -> tuple[str | None, bool]:
        if ref is None:
            return None, True
        division = self._idx["division"].lookup(ref)
        if division is None:
            self._unknown_ref("division", ref, loc("division", None))
        return division, division is not None

    def _fields(self, intent: UserIntent, user: str | None, loc: Locate) -> tuple[dict[str, str], bool]:
        """The fields with the manager as a user id; being one's own manager is refused."""
        fields = dict(intent.fields)
        if "manager" not in fields:
            return fields, True
        mid = self._user(fields["manager"], loc("manager", None), "manager")
        if mid is not None and mid == user:  # also written alike: check_intent said the same, shown once
            self.problems.add(loc("manager", None), own_manager(fields["manager"], intent.user))
            mid = None
        if mid is None:
            return fields, False
        fields["manager"] = mid
        return fields, True

    def _uncrossed(self, user: str, loc: Locate, *pairs: tuple[Iterable[str], Iterable[str], str]) -> bool:
        """False (reported) when an id is both added and removed: two names written
        differently that the org resolves to the same thing."""
        ok = True
        for added, removed, what in pairs:
            if not removed:  # the usual case: nothing removed, nothing to cross (no sets built per user)
                continue
            if both := set(added) & set(removed):
                ok = False
                self.problems.add(loc("user", None), f"user {user!r}: the same {what} is both added and removed ({len(both)} case(s), named differently)")
        return ok

    def _admit(self, resolved: ResolvedIntent, intent: UserIntent, loc: Locate) -> bool:
        """True the first time a resolved user is seen; a repeat asking for different
        values is a problem (one asking for the same values is dropped quietly)."""
        first, prev = self._ledger.admit(resolved.user, intent.line, intent_digest(resolved))
        if not first and prev < 0:
            self.problems.add(loc("user", None), f"user {intent.user!r} is the same user as on line {-prev} but asks for different values")
        return first

    def finish(self) -> None:
        """Report each unknown skill/language/queue/division once, where first used."""
        pools = {
            "skill": self.directory.skills,
            "language": self.directory.languages,
            "queue": self.directory.queues,
            "division": self.directory.divisions,
        }
        for (what, _), (at, ref, count) in self._unknown.items():
            times = f"; used {count} times" if count > 1 else ""
            self.problems.add(at, f"{what} {ref!r} is not in the org{did_you_mean(ref, pools[what])}{times}")
        self._unknown.clear()


def resolve(intents: Iterable[UserIntent], directory: OrgDirectory, path: str) -> Iterator[ResolvedIntent]:
    """Resolve a stream of intents (no column information); raises ``SpecError`` once
    every intent has been seen if any failed. Resolved intents are yielded as they come."""
    problems = Problems(path)
    resolver = Resolver(directory, problems)
    for intent in intents:
        got = resolver.resolve(intent)
        if got is not None:
            yield got
    resolver.finish()
    if problems:
        raise SpecError(problems.finish())
