"""A skill group's conditions evaluated on one user's skills and languages: is the user a member?

Skill groups (``SkillGroupCondition`` in the official SDK) name skills and languages by *name*,
with a comparator and an integer proficiency 0-5, terms combined by the condition's ``operation``
(And, Or, Not) and each term refined by child conditions. Membership is what routing uses: a
queue whose member group is a skill group reaches exactly its members, so the plan evaluates
every group on each user before and after the job to say who enters and who leaves.

The evaluation rules (the platform documents none beyond the enums; docs/engine.md, "Impact on
routing", lists them as guesses, and the simulator follows the same ones):

- a term holds when the user's proficiency compares true and every child condition holds;
  a skill the user does not hold compares true only for ``NotEqualTo``;
- ``And``: every term holds; ``Or``: at least one; ``Not``: none;
- a user is a member when active and every top-level condition holds.

Records are read through protocols, so the client's decoded ``SkillGroup`` is evaluated as read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

OPERATIONS = ("And", "Or", "Not")
COMPARATORS = ("EqualTo", "NotEqualTo", "LessThan", "GreaterThan", "GreaterThanOrEqualTo", "LessThanOrEqualTo")


class TermLike(Protocol):
    @property
    def kind(self) -> str: ...  # "skill" or "language"
    @property
    def name(self) -> str: ...
    @property
    def comparator(self) -> str: ...
    @property
    def proficiency(self) -> int: ...
    @property
    def children(self) -> Sequence[ConditionLike]: ...


class ConditionLike(Protocol):
    @property
    def operation(self) -> str: ...
    @property
    def terms(self) -> Sequence[TermLike]: ...


@dataclass(frozen=True, slots=True)
class Term:
    """One skill or language term (the shape of ``client.routing_records.SkillTerm``)."""

    kind: str
    name: str
    comparator: str
    proficiency: int
    children: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    operation: str
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Holdings:
    """What a user holds, by lower-cased name (skill groups name skills, not ids)."""

    skills: Mapping[str, float] = field(default_factory=dict)
    languages: Mapping[str, float] = field(default_factory=dict)
    active: bool = True

    @classmethod
    def of(cls, skills: Mapping[str, float], languages: Mapping[str, float], names: Mapping[str, str], *, active: bool = True) -> Holdings:
        """From id-keyed proficiencies and an id -> name table (ids the table lacks are not held:
        a skill that is deleted or inactive routes nobody)."""
        return cls(
            {names[k].lower(): v for k, v in skills.items() if k in names},
            {names[k].lower(): v for k, v in languages.items() if k in names},
            active,
        )


def compare(held: float | None, comparator: str, wanted: int) -> bool:
    if held is None:
        return comparator == "NotEqualTo"
    if comparator == "EqualTo":
        return held == wanted
    if comparator == "NotEqualTo":
        return held != wanted
    if comparator == "LessThan":
        return held < wanted
    if comparator == "GreaterThan":
        return held > wanted
    if comparator == "GreaterThanOrEqualTo":
        return held >= wanted
    if comparator == "LessThanOrEqualTo":
        return held <= wanted
    raise ValueError(f"unknown comparator {comparator!r}")


def term_holds(term: TermLike, who: Holdings) -> bool:
    table = who.skills if term.kind == "skill" else who.languages
    return compare(table.get(term.name.lower()), term.comparator, term.proficiency) and all(holds(c, who) for c in term.children)


def holds(condition: ConditionLike, who: Holdings) -> bool:
    """One condition: its terms combined by its operation."""
    results = (term_holds(t, who) for t in condition.terms)
    if condition.operation == "Or":
        return any(results)
    if condition.operation == "Not":
        return not any(results)
    return all(results)


def is_member(conditions: Sequence[ConditionLike], who: Holdings) -> bool:
    """Whether a user with ``who`` belongs to a group with these top-level conditions."""
    return who.active and all(holds(c, who) for c in conditions)


def names_in(conditions: Sequence[ConditionLike]) -> tuple[frozenset[str], frozenset[str]]:
    """(skill names, language names) the conditions mention, lower-cased, children included: a job
    that changes none of them cannot move anyone in or out of the group."""
    skills: set[str] = set()
    languages: set[str] = set()
    stack = list(conditions)
    while stack:
        c = stack.pop()
        for t in c.terms:
            (skills if t.kind == "skill" else languages).add(t.name.lower())
            stack.extend(t.children)
    return frozenset(skills), frozenset(languages)
