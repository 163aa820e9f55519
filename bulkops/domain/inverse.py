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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.domain.model import Expected, ResolvedIntent, UserIntent

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


def invert(lines: Iterable[Mapping[str, Any]]) -> Inverse:
    """The inverse of the user lines of a job's audit log, in the order they were written
    (lines of other kinds, those with a ``kind``, are skipped)."""
    first: dict[str, dict[Element, Any]] = {}
    last: dict[str, dict[Element, Any]] = {}
    emails: dict[str, str] = {}
    for line in lines:
        if "kind" in line or not isinstance(line.get("before"), Mapping):
            continue
        uid = str(line["user_id"])
        if line.get("email"):
            emails[uid] = str(line["email"])
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


def written_elements(line: Mapping[str, Any]) -> list[tuple[Element, Any, Any]]:
    """(element, value before, value written) for every operation of the line that went through.

    What was written is the last attempt's ``changes`` over the first diff (a 409 re-diff leaves
    out what the first attempt had already written). Queue membership before is True, False, or
    ``_MISSING`` where the job did not read it."""
    written = _Written(line["before"], merged_changes(line))
    out: list[tuple[Element, Any, Any]] = []
    for op in line.get("ops") or ():
        step = _OP_ELEMENTS.get(op.get("op")) if op.get("ok") else None
        if step is not None:
            out += step(written, op)
    return out


def merged_changes(line: Mapping[str, Any]) -> dict[str, Any]:
    """The first diff's ``changes`` with the last attempt's over them, one level deep."""
    changes: dict[str, Any] = {}
    for part in (line.get("first_changes") or {}, line.get("changes") or {}):
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


def _patch_user(w: _Written, op: Mapping[str, Any]) -> Elements:
    return [(("field", f), w.before.get(f), v or None) for f, v in (w.changes.get("fields") or {}).items()]


def _move_division(w: _Written, op: Mapping[str, Any]) -> Elements:
    return [(("division", ""), w.before.get("division"), w.changes["division"])] if w.changes.get("division") else []


def _replace_skills(w: _Written, op: Mapping[str, Any]) -> Elements:
    held, target = w.held("skills"), w.changes.get("replace_skills") or {}
    return [(("skill", k), held.get(k), target.get(k)) for k in sorted(set(held) | set(target))]


def _upserts(kind: str, held_key: str, change_key: str) -> Callable[[_Written, Mapping[str, Any]], Elements]:
    def elements(w: _Written, op: Mapping[str, Any]) -> Elements:
        held = w.held(held_key)
        return [((kind, k), held.get(k), float(v)) for k, v in (w.changes.get(change_key) or {}).items()]

    return elements


def _delete(kind: str, held_key: str) -> Callable[[_Written, Mapping[str, Any]], Elements]:
    def elements(w: _Written, op: Mapping[str, Any]) -> Elements:
        return [((kind, str(op[kind])), w.held(held_key).get(str(op[kind])), None)] if op.get(kind) else []

    return elements


def _membership(w: _Written, op: Mapping[str, Any]) -> Elements:
    if not op.get("queue"):
        return []
    queue = str(op["queue"])
    return [(("queue", queue), w.held("queues").get(queue, _MISSING), op.get("op") == "join_queue")]


#: Operation name -> the elements it wrote.
_OP_ELEMENTS: dict[str, Callable[[_Written, Mapping[str, Any]], Elements]] = {
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
