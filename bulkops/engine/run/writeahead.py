"""A resumed user's write-ahead record against what the org holds now (pure).

A run killed between a user's write and its audit line leaves the user ``inflight`` with its
write-ahead record (``state/writeahead.py``): the state it read and the change it was sending.
The resumed run reads the user again; the parts of that change the org now holds (``landed``)
went through before the kill. The audit line then records them as operations of their own
(``confirmed_ops``: ``ok``, no request, ``confirmed: true``) with the record's ``before``, so
``bulkops undo`` restores them like any other write; what had not landed is written as usual.
"""

from __future__ import annotations

from typing import Any

from bulkops.domain.model import Changes, UserState
from bulkops.state.records import OpResult


def landed(changes: Changes, state: UserState) -> Changes:
    """The parts of ``changes`` that ``state`` holds: each field, skill, language, division and
    queue at the value the change was to write."""
    return Changes(
        **_landed_holdings(changes, state),
        fields={k: v for k, v in changes.fields.items() if (getattr(state, k, None) or "") == (v or "")},
        division=changes.division if changes.division and state.division == changes.division else None,
        join_queues=frozenset(q for q in changes.join_queues if q in state.queues),
        leave_queues=frozenset(q for q in changes.leave_queues if q not in state.queues),
    )


def _landed_holdings(changes: Changes, state: UserState) -> dict[str, Any]:
    skills, languages = dict(state.skills), dict(state.languages)
    return {
        "upsert_skills": {k: v for k, v in changes.upsert_skills.items() if skills.get(k) == v},
        "delete_skills": frozenset(k for k in changes.delete_skills if k not in skills),
        "replace_skills": changes.replace_skills if changes.replace_skills is not None and skills == dict(changes.replace_skills) else None,
        "upsert_languages": {k: v for k, v in changes.upsert_languages.items() if languages.get(k) == v},
        "delete_languages": frozenset(k for k in changes.delete_languages if k not in languages),
    }


def merge_changes(first: Changes, then: Changes) -> Changes:
    """Everything either sent, ``then`` winning where both name an element."""
    upsert_skills = {k: v for k, v in first.upsert_skills.items() if k not in then.delete_skills} | dict(then.upsert_skills)
    upsert_languages = {k: v for k, v in first.upsert_languages.items() if k not in then.delete_languages} | dict(then.upsert_languages)
    return Changes(
        upsert_skills=upsert_skills,
        delete_skills=(first.delete_skills - then.upsert_skills.keys()) | then.delete_skills,
        replace_skills=then.replace_skills if then.replace_skills is not None else first.replace_skills,
        upsert_languages=upsert_languages,
        delete_languages=(first.delete_languages - then.upsert_languages.keys()) | then.delete_languages,
        fields={**first.fields, **then.fields},
        division=then.division or first.division,
        join_queues=(first.join_queues - then.leave_queues) | then.join_queues,
        leave_queues=(first.leave_queues - then.join_queues) | then.leave_queues,
    )


def confirmed_ops(changes: Changes) -> tuple[OpResult, ...]:
    """The operations ``changes`` took, as the audit names them (``engine/run/operations.py``), each
    recorded as gone through before a restart: no request of this pass, ``confirmed``."""
    ops: list[OpResult] = []

    def op(name: str, **detail: object) -> None:
        ops.append(OpResult(name, True, 0, {**detail, "confirmed": True}))

    if changes.fields:
        op("patch_user", fields=sorted(changes.fields))
    if changes.division:
        op("move_division", division=changes.division)
    if changes.replace_skills is not None:
        op("replace_skills", count=len(changes.replace_skills))
    if changes.upsert_skills:
        op("upsert_skills", count=len(changes.upsert_skills))
    for skill in sorted(changes.delete_skills):
        op("delete_skill", skill=skill)
    if changes.upsert_languages:
        op("upsert_languages", count=len(changes.upsert_languages))
    for language in sorted(changes.delete_languages):
        op("delete_language", language=language)
    for queue in sorted(changes.join_queues):
        op("join_queue", queue=queue)
    for queue in sorted(changes.leave_queues):
        op("leave_queue", queue=queue)
    return tuple(ops)
