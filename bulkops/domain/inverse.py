"""The inverse of a job, from its audit log: what ``bulkops undo`` restores.

The audit line of each user records the state before the pass, what was written and each
operation's result. Only operations that went through count (a failed bulk write changed
nothing). Across passes (a failure retried by ``reconcile retry``, an earlier undo), each element
keeps the value found before the *first* write that touched it and the value of the *last*
write: restoring means writing the first back, and only where the org still holds the last
(``Expected``; see ``domain.guard``). An element the job wrote back to what it found needs nothing.

Queue membership before the job is known only where the job read the queue's members; where it
wrote blind (cheaper for a large queue, see ``engine.queues``) a join may have met a user who was
a member already, so taking it back could remove a membership that predates the job: those are
listed as ``unknown``, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bulkops.domain.model import Expected, ResolvedIntent, UserIntent


class WrittenOp(Protocol):
    """One operation of an audit line (``state.records.OpResult``): its name, whether it went
    through, and what it touched (a skill, a queue ...)."""

    @property
    def op(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def detail(self) -> Mapping[str, Any]: ...


class WrittenLine(Protocol):
    """What the inverse reads of a user's audit line (``state.records.UserOutcome``, decoded by
    ``state.auditline``: the domain reads it without depending on the state layer)."""

    @property
    def user_id(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def before(self) -> Mapping[str, Any] | None: ...
    @property
    def changes(self) -> Mapping[str, Any]: ...
    @property
    def first_changes(self) -> Mapping[str, Any] | None: ...
    @property
    def ops(self) -> Sequence[WrittenOp]: ...


#: An element of a user: ("skill", id), ("language", id), ("field", name), ("division", ""), ("queue", id).
Element = tuple[str, str]
_MISSING = object()


@dataclass(frozen=True, slots=True)
class Inverse:
    """What undoing a job writes: one guarded intent per user with anything to restore, and per
    user the queues whose membership before the job is not known (not restored)."""

    intents: tuple[ResolvedIntent, ...] = ()
    unknown_queues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    emails: Mapping[str, str] = field(default_factory=dict)


def invert(lines: Iterable[WrittenLine]) -> Inverse:
    """The inverse of the users' audit lines of a job (``state.auditline``), in the order they were
    written; a line without ``before`` (a user never read) wrote nothing and is skipped."""
    first: dict[str, dict[Element, Any]] = {}
    last: dict[str, dict[Element, Any]] = {}
    emails: dict[str, str] = {}
    for line in lines:
        if line.before is None:
            continue
        uid = line.user_id
        if line.email:
            emails[uid] = line.email
        for element, before, written in written_elements(line):
            first.setdefault(uid, {}).setdefault(element, before)
            last.setdefault(uid, {})[element] = written
    intents: list[ResolvedIntent] = []
    unknown: dict[str, tuple[str, ...]] = {}
    for uid in first:
        intent, blind = _restore(uid, first[uid], last[uid])
        if intent is not None:
            intents.append(intent)
        if blind:
            unknown[uid] = blind
    return Inverse(tuple(intents), unknown, emails)


def written_elements(line: WrittenLine) -> list[tuple[Element, Any, Any]]:
    """(element, value before, value written) for every operation of the line that went through.

    What was written is the last attempt's ``changes`` over the first diff (a 409 re-diff leaves
    out what the first attempt had already written). Queue membership before is True, False, or
    ``_MISSING`` where the job did not read it."""
    written = _Written(line.before or {}, merged_changes(line))
    out: list[tuple[Element, Any, Any]] = []
    for op in line.ops:
        step = _OP_ELEMENTS.get(op.op) if op.ok else None
        if step is not None:
            out += step(written, op)
    return out


def merged_changes(line: WrittenLine) -> dict[str, Any]:
    """The first diff's ``changes`` with the last attempt's over them, one level deep."""
    changes: dict[str, Any] = {}
    for part in (line.first_changes or {}, line.changes):
        for key, value in part.items():
            changes[key] = {**changes.get(key, {}), **value} if isinstance(value, Mapping) else value
    return changes


@dataclass(frozen=True)
class _Written:
    """A line's state before and the changes it wrote: what each operation's elements are read from."""

    before: Mapping[str, Any]
    changes: Mapping[str, Any]

    def held(self, what: str) -> Mapping[str, Any]:
        """``skills``, ``languages`` or ``queues`` as the line's before held them."""
        held: Mapping[str, Any] = self.before.get(what) or {}
        return held


Elements = list[tuple[Element, Any, Any]]


def _patch_user(w: _Written, op: WrittenOp) -> Elements:
    return [(("field", f), w.before.get(f), v or None) for f, v in (w.changes.get("fields") or {}).items()]


def _move_division(w: _Written, op: WrittenOp) -> Elements:
    return [(("division", ""), w.before.get("division"), w.changes["division"])] if w.changes.get("division") else []


def _replace_skills(w: _Written, op: WrittenOp) -> Elements:
    held, target = w.held("skills"), w.changes.get("replace_skills") or {}
    return [(("skill", k), held.get(k), target.get(k)) for k in sorted(set(held) | set(target))]


def _upserts(kind: str, held_key: str, change_key: str) -> Callable[[_Written, WrittenOp], Elements]:
    def elements(w: _Written, op: WrittenOp) -> Elements:
        held = w.held(held_key)
        return [((kind, k), held.get(k), float(v)) for k, v in (w.changes.get(change_key) or {}).items()]

    return elements


def _delete(kind: str, held_key: str) -> Callable[[_Written, WrittenOp], Elements]:
    def elements(w: _Written, op: WrittenOp) -> Elements:
        name = op.detail.get(kind)
        return [((kind, str(name)), w.held(held_key).get(str(name)), None)] if name else []

    return elements


def _membership(w: _Written, op: WrittenOp) -> Elements:
    if not op.detail.get("queue"):
        return []
    queue = str(op.detail["queue"])
    return [(("queue", queue), w.held("queues").get(queue, _MISSING), op.op == "join_queue")]


#: Operation name -> the elements it wrote.
_OP_ELEMENTS: dict[str, Callable[[_Written, WrittenOp], Elements]] = {
    "patch_user": _patch_user,
    "move_division": _move_division,
    "replace_skills": _replace_skills,
    "upsert_skills": _upserts("skill", "skills", "upsert_skills"),
    "delete_skill": _delete("skill", "skills"),
    "upsert_languages": _upserts("language", "languages", "upsert_languages"),
    "delete_language": _delete("language", "languages"),
    "join_queue": _membership,
    "leave_queue": _membership,
}


def _restore(uid: str, first: Mapping[Element, Any], last: Mapping[Element, Any]) -> tuple[ResolvedIntent | None, tuple[str, ...]]:
    skills: dict[str, float] = {}
    remove_skills: set[str] = set()
    languages: dict[str, float] = {}
    remove_languages: set[str] = set()
    fields: dict[str, str] = {}
    join: set[str] = set()
    leave: set[str] = set()
    blind: list[str] = []
    expect_skills: dict[str, float | None] = {}
    expect_languages: dict[str, float | None] = {}
    expect_fields: dict[str, str | None] = {}
    division: str | None = None
    expect_division: str | None = None
    for (kind, key), before in first.items():
        written = last[(kind, key)]
        if kind == "queue":
            if before is _MISSING:
                blind.append(key)
            elif bool(before) != written:
                (join if before else leave).add(key)
            continue
        if before == written:
            continue
        if kind == "skill":
            expect_skills[key] = written
            if before is None:
                remove_skills.add(key)
            else:
                skills[key] = float(before)
        elif kind == "language":
            expect_languages[key] = written
            if before is None:
                remove_languages.add(key)
            else:
                languages[key] = float(before)
        elif kind == "field":
            fields[key] = before or ""
            expect_fields[key] = written
        elif kind == "division" and before:  # a user is always in some division
            division, expect_division = before, written
    intent = UserIntent(
        user=uid,
        skills=skills,
        remove_skills=frozenset(remove_skills),
        languages=languages,
        remove_languages=frozenset(remove_languages),
        fields=fields,
        division=division,
        join_queues=frozenset(join),
        leave_queues=frozenset(leave),
        expect=Expected(skills=expect_skills, languages=expect_languages, fields=expect_fields, division=expect_division),
    )
    return (None if intent.is_empty() else ResolvedIntent(intent)), tuple(sorted(blind))
