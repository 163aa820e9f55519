"""Domain objects shared by the spec readers, the engine and the run state.

A *ref* is how a person names a thing in a spec (a skill name or id; a user's email,
username or id). Resolution against the org turns every ref into an id: a
``ResolvedIntent``, the same shape under its own type, so one shape flows end to end and
the type checker still tells names from ids.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NewType, ParamSpec, TypeVar, cast

Mode = Literal["merge", "replace"]

_P = ParamSpec("_P")
_T = TypeVar("_T")

#: Reorganization fields that go through ``PATCH /api/v2/users/{id}`` (``merge.apply`` names each).
USER_FIELDS: tuple[str, ...] = ("department", "title", "manager")


@dataclass(frozen=True, slots=True)
class Expected:
    """What an undo expects to find before it restores: the values the undone job wrote
    (``None``: absent, or an empty field). An element found at neither that value nor the one
    to restore was changed since by someone else, so it is held back for a person
    (``domain.guard``), never overwritten blindly. Keys are ids, as in a ``ResolvedIntent``."""

    skills: Mapping[str, float | None] = field(default_factory=dict)
    languages: Mapping[str, float | None] = field(default_factory=dict)
    fields: Mapping[str, str | None] = field(default_factory=dict)
    #: The division the job moved the user to; meaningful when the intent names a division.
    division: str | None = None


@dataclass(frozen=True, slots=True)
class UserIntent:
    """What the spec wants for one user. Only what is named changes (in merge mode).

    ``skills``/``languages`` map a ref to the proficiency to set (0-5);
    ``remove_skills``/``remove_languages`` are refs to take away. ``fields`` holds
    department/title/manager values to set (manager as a user ref; an empty string clears the
    field, which only ``undo`` asks for). ``replace_skills``
    means the user must end with exactly ``skills`` (spec mode ``replace``).
    """

    user: str
    skills: Mapping[str, float] = field(default_factory=dict)
    remove_skills: frozenset[str] = frozenset()
    languages: Mapping[str, float] = field(default_factory=dict)
    remove_languages: frozenset[str] = frozenset()
    fields: Mapping[str, str] = field(default_factory=dict)
    division: str | None = None
    join_queues: frozenset[str] = frozenset()
    leave_queues: frozenset[str] = frozenset()
    replace_skills: bool = False
    line: int = 0
    #: Set by ``bulkops undo`` only: restore an element only where the org still holds this.
    expect: Expected | None = None

    def is_empty(self) -> bool:
        return not (
            self.skills
            or self.remove_skills
            or self.languages
            or self.remove_languages
            or self.fields
            or self.division
            or self.join_queues
            or self.leave_queues
            or self.replace_skills
        )


#: A ``UserIntent`` after resolution: the user, skills, languages, queues, division and manager
#: are org ids. Only ``Resolver.resolve`` makes one (and the run store, which holds only those),
#: so the type checker keeps an intent still naming things by name out of ``diff`` and the engine.
ResolvedIntent = NewType("ResolvedIntent", UserIntent)


@dataclass(frozen=True, slots=True)
class UserState:
    """A user as the API last showed it: the part bulkops reads and writes."""

    id: str
    version: int
    name: str = ""
    email: str = ""
    username: str = ""
    state: str = "active"
    department: str | None = None
    title: str | None = None
    manager: str | None = None  # manager's user id
    division: str | None = None  # division id
    skills: Mapping[str, float] = field(default_factory=dict)  # skill id -> proficiency
    languages: Mapping[str, float] = field(default_factory=dict)  # language id -> proficiency
    #: Queue ids the user is a member of, among the queues the job names (the users
    #: listing does not show membership; the engine reads the named queues' members).
    queues: frozenset[str] = frozenset()
    #: Expansions the API left out ("skills", "languages"): unknown, never "none held".
    #: ``expand`` is best effort; the engine reads these before it diffs.
    unknown: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Changes:
    """The minimal operations that take a user from its current state to the intent.

    Computed by ``bulkops.domain.merge.diff``; empty means the user is already right,
    which is what makes a re-check after a crash write nothing.
    """

    upsert_skills: Mapping[str, float] = field(default_factory=dict)
    delete_skills: frozenset[str] = frozenset()
    replace_skills: Mapping[str, float] | None = None  # full set for PUT .../routingskills/bulk
    upsert_languages: Mapping[str, float] = field(default_factory=dict)
    delete_languages: frozenset[str] = frozenset()
    fields: Mapping[str, str] = field(default_factory=dict)
    division: str | None = None
    join_queues: frozenset[str] = frozenset()
    leave_queues: frozenset[str] = frozenset()

    def writes_user(self) -> bool:
        """Anything besides queue membership and the division move (both batched across users)."""
        return not self.own().is_empty()

    def own(self) -> Changes:
        """The user's own writes: what is not batched across users."""
        return dataclasses.replace(self, join_queues=frozenset(), leave_queues=frozenset(), division=None)

    def batched(self) -> Changes:
        """What is batched across users: queue membership and the division move."""
        return Changes(join_queues=self.join_queues, leave_queues=self.leave_queues, division=self.division)

    def is_empty(self) -> bool:
        return not (
            self.upsert_skills
            or self.delete_skills
            or self.replace_skills is not None
            or self.upsert_languages
            or self.delete_languages
            or self.fields
            or self.division
            or self.join_queues
            or self.leave_queues
        )


def fast_constructor(cls: Callable[_P, _T]) -> Callable[_P, _T]:
    """A constructor of the frozen slots dataclass ``cls`` that is some three times cheaper.

    A frozen dataclass's ``__init__`` stores each field through ``object.__setattr__`` (its own
    ``__setattr__`` refuses); at 100k users set-up builds half a million records that way. This
    is a plain twin (the same slots in the same order, so the same layout, and the same
    ``__init__``: defaults and factories) whose ``__init__`` stores each field plainly and then
    makes the object a ``cls``: the result is a ``cls`` like any other (equal, hashed, frozen),
    and the type checker holds its arguments to ``cls``'s own."""
    fields = dataclasses.fields(cls) if isinstance(cls, type) and dataclasses.is_dataclass(cls) else ()
    if not fields or getattr(cls, "__slots__", None) != tuple(f.name for f in fields):
        raise TypeError(f"{cls!r} is not a slots dataclass")
    if hasattr(cls, "__post_init__"):  # the twin's __init__ would not run it
        raise TypeError(f"{cls!r} has a __post_init__")

    def become_cls(self: Any) -> None:  # the twin's __post_init__: its __init__'s last step
        self.__class__ = cls

    twin = dataclasses.make_dataclass(
        f"_{cls.__name__}Twin",
        [(f.name, f.type, field(default=f.default, default_factory=f.default_factory, init=f.init, kw_only=f.kw_only)) for f in fields],
        namespace={"__post_init__": become_cls},
        slots=True,
        eq=False,
    )
    return cast(Callable[_P, _T], twin)


#: The hot records' fast constructors (the listing, the run store and the staged intents build
#: one or more of each per user): the same records as ``UserIntent(...)`` and ``UserState(...)``.
new_intent = fast_constructor(UserIntent)
new_state = fast_constructor(UserState)
new_expected = fast_constructor(Expected)
