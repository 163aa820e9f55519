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

from collections.abc import Iterable, Mapping
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
    before: Mapping[str, Any] = line["before"]
    changes: dict[str, Any] = {}
    for part in (line.get("first_changes") or {}, line.get("changes") or {}):
        for key, value in part.items():
            if isinstance(value, Mapping):
                changes[key] = {**changes.get(key, {}), **value}
            else:
                changes[key] = value
    skills_before: Mapping[str, Any] = before.get("skills") or {}
    languages_before: Mapping[str, Any] = before.get("languages") or {}
    queues_before: Mapping[str, Any] = before.get("queues") or {}
    out: list[tuple[Element, Any, Any]] = []
    for op in line.get("ops") or ():
        if not op.get("ok"):
            continue
        name = op.get("op")
        if name == "patch_user":
            out += [(("field", f), before.get(f), v or None) for f, v in (changes.get("fields") or {}).items()]
        elif name == "move_division" and changes.get("division"):
            out.append((("division", ""), before.get("division"), changes["division"]))
        elif name == "replace_skills":
            target: Mapping[str, Any] = changes.get("replace_skills") or {}
            out += [(("skill", k), skills_before.get(k), target.get(k)) for k in sorted(set(skills_before) | set(target))]
        elif name == "upsert_skills":
            out += [(("skill", k), skills_before.get(k), float(v)) for k, v in (changes.get("upsert_skills") or {}).items()]
        elif name == "delete_skill" and op.get("skill"):
            out.append((("skill", str(op["skill"])), skills_before.get(str(op["skill"])), None))
        elif name == "upsert_languages":
            out += [(("language", k), languages_before.get(k), float(v)) for k, v in (changes.get("upsert_languages") or {}).items()]
        elif name == "delete_language" and op.get("language"):
            out.append((("language", str(op["language"])), languages_before.get(str(op["language"])), None))
        elif name in ("join_queue", "leave_queue") and op.get("queue"):
            queue = str(op["queue"])
            out.append((("queue", queue), queues_before.get(queue, _MISSING), name == "join_queue"))
    return out


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
