"""The records an export passes between its reader, its spool and its writers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Selection:
    """Which users an export holds: every option a set of names (several values of one option: any
    of them; several options: all of them). Empty: the whole org."""

    divisions: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()

    @property
    def everyone(self) -> bool:
        return not (self.divisions or self.queues or self.skills or self.departments)


@dataclass(frozen=True, slots=True)
class ExportedUser:
    """One user as the spec forms state it: skills, languages and division by name."""

    id: str
    email: str
    department: str | None = None
    title: str | None = None
    manager: str | None = None  # an id as listed; the manager's email once the spool has seen every user
    division: str | None = None
    skills: dict[str, float] = field(default_factory=dict)
    languages: dict[str, float] = field(default_factory=dict)
    #: Queues the user is a direct member of, by name (read only for the JSON form's sections).
    queues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExportCounts:
    """What an export read and wrote, for its closing line and its tests."""

    listed: int
    exported: int
    #: Assignments left out because their skill or language is not in the org's active catalogue
    #: (a deleted skill a user still holds): a spec could not name it.
    unnamed: int
