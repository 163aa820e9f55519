"""Problem collection and the per-user checks every format shares.

Readers never raise on the first bad cell: they add to a ``Problems`` collector and
keep going, so one pass reports everything. CSV readers record a *field index* rather
than a character column (computing columns costs time on the happy path); the
collector turns those into real columns once, at the end, and only if needed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bulkops.domain.model import UserIntent
from bulkops.errors import SpecProblem
from bulkops.spec.cells import fold
from bulkops.spec.textrules import fits_shortest_limit, too_long, user_values

#: Skills (and, separately, languages) one spec line may set for one user: Genesys Cloud's
#: per-user limit (50, see ``domain/limits.py``), so a line past it is refused on the local
#: pass; set-up then checks what each user would hold with what they hold now.
MAX_SKILLS_PER_USER = 50

#: Problems kept in one pass; a file that is wrong on every line would otherwise hold
#: millions of them in memory. The rest are counted in a final summary problem.
MAX_PROBLEMS = 10_000


@dataclass(frozen=True, slots=True)
class At:
    """Where a problem is: a line plus a character column, or a CSV field index to map later."""

    line: int
    column: int = 1
    field: int = -1  # >= 0: CSV field index on the record starting at ``line``


#: Readers give each intent a locator: (kind, ref) -> At. Kinds: user, skill, language,
#: department, title, manager, division, join, leave.
Locate = Callable[[str, "str | None"], At]

#: Maps (record line, field index) pairs to (line, column); supplied by CSV readers.
ColumnFixer = Callable[[set[tuple[int, int]]], Mapping[tuple[int, int], tuple[int, int]]]


class Problems:
    """Collects problems for one file; ``finish`` returns them sorted by position.

    The same message at the same place is kept once: two checks may find one problem
    (a user as their own manager: as written, and again by resolved id)."""

    def __init__(self, path: str, limit: int = MAX_PROBLEMS):
        self.path = path
        self.limit = limit
        self._items: list[tuple[At, str]] = []
        self._seen: set[tuple[At, str]] = set()
        self.dropped = 0

    def add(self, at: At, message: str) -> None:
        if (at, message) in self._seen:
            return
        if len(self._items) >= self.limit:
            self.dropped += 1
            return
        self._seen.add((at, message))
        self._items.append((at, message))

    def __len__(self) -> int:
        return len(self._items) + self.dropped

    def __bool__(self) -> bool:
        return len(self) > 0

    def finish(self, fixer: ColumnFixer | None = None) -> list[SpecProblem]:
        wanted = {(a.line, a.field) for a, _ in self._items if a.field >= 0}
        fixed = fixer(wanted) if (fixer and wanted) else {}
        out: list[SpecProblem] = []
        for at, message in self._items:
            line, column = at.line, at.column
            if at.field >= 0:
                line, column = fixed.get((at.line, at.field), (at.line, 1))
            out.append(SpecProblem(self.path, line, column, message))
        out.sort(key=lambda p: (p.line, p.column))
        if self.dropped:
            last = out[-1].line if out else 1
            out.append(SpecProblem(self.path, last, 1, f"... and {self.dropped} more problem(s) not shown"))
        return out


def intent_digest(intent: UserIntent) -> int:
    """A small fingerprint of what an intent asks for (line and user ref excluded).

    Kept per user instead of the values themselves, so detecting "same user twice with
    different values" costs a few dozen bytes per user. Names are compared as written:
    each reader already spells one name one way within a file. Computed twice per user at
    set-up (the local check's ledger, the resolver's), so an empty mapping costs no set.
    """
    return hash(
        (
            frozenset(intent.skills.items()) if intent.skills else _NONE,
            intent.remove_skills,
            frozenset(intent.languages.items()) if intent.languages else _NONE,
            intent.remove_languages,
            frozenset(intent.fields.items()) if intent.fields else _NONE,
            intent.division,
            intent.join_queues,
            intent.leave_queues,
            intent.replace_skills,
        )
    )


#: What ``intent_digest`` hashes for an empty mapping: the same for every empty one.
_NONE: frozenset[tuple[object, object]] = frozenset()


class UserLedger:
    """Remembers each user once (folded ref -> first line, digest) to catch conflicting repeats."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[int, int]] = {}

    def admit(self, key: str, line: int, digest: int) -> tuple[bool, int]:
        """(first time?, line of first time). A repeat with equal digest is harmless."""
        prev = self._seen.get(key)
        if prev is None:
            self._seen[key] = (line, digest)
            return True, line
        return False, prev[0] if prev[1] == digest else -prev[0]


def admit_user(ledger: UserLedger, intent: UserIntent, locate: Locate, problems: Problems) -> bool:
    """True if this intent should be emitted; reports a conflicting repeat of a user."""
    first, prev_line = ledger.admit(fold(intent.user), intent.line, intent_digest(intent))
    if first:
        return True
    if prev_line < 0:
        problems.add(
            locate("user", None),
            f"user {intent.user!r} appears again with different values (first on line {-prev_line})",
        )
    return False


def own_manager(manager: str, user: str) -> str:
    """The message for a user named as their own manager (the API would refuse it mid-run)."""
    return f"manager {manager!r} is user {user!r} themselves; a user cannot be their own manager"


def check_intent(intent: UserIntent, locate: Locate, problems: Problems, max_per_user: int) -> None:
    """Checks that need the whole intent: set-and-removed, join-and-leave, a user as their
    own manager (as written; ``Resolver`` also compares ids), per-user caps.

    Names are compared exactly: readers canonicalise spelling within a file (CSV headers
    are de-duplicated case-insensitively, JSON objects checked by ``read_user``).
    """
    pairs = (
        ("skill", intent.skills.keys(), intent.remove_skills, "set and removed"),
        ("language", intent.languages.keys(), intent.remove_languages, "set and removed"),
        ("join", intent.join_queues, intent.leave_queues, "joined and left"),
    )
    for kind, a, b, verb in pairs:
        if a and b:
            for ref in sorted(a & b):
                what = "queue" if kind == "join" else kind
                problems.add(locate(kind, ref), f"{what} {ref!r} is both {verb} for user {intent.user!r}")
    manager = intent.fields.get("manager")
    if manager is not None and fold(manager) == fold(intent.user):
        problems.add(locate("manager", None), own_manager(manager, intent.user))
    for kind, d in (("skills", intent.skills), ("languages", intent.languages)):
        if len(d) > max_per_user:
            problems.add(
                locate("user", None),
                f"user {intent.user!r} would hold {len(d)} {kind}; at most {max_per_user} per user",
            )
    check_lengths(intent, locate, problems)


def check_lengths(intent: UserIntent, locate: Locate, problems: Problems) -> None:
    """Every value the intent writes or names within the platform's field limits (``textrules``).

    Nearly every intent is well within them: one length comparison per value says so before
    any value is looked at one by one."""
    if fits_shortest_limit(intent):
        return
    for kind, ref, value in user_values(intent):
        problem = too_long(kind, value)
        if problem is not None:
            problems.add(locate(kind, ref), problem)
