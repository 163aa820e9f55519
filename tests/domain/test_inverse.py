"""Undo's pure parts: a job's audit line inverted and applied gives back the state before the job,
and an element someone changed since is held back, never overwritten (hypothesis)."""

import dataclasses

import pytest
from helpers.auditlines import user_record
from helpers.strategies import intents, profs, states
from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain import inverse
from bulkops.domain.guard import hold_back
from bulkops.domain.inverse import invert
from bulkops.domain.merge import apply, diff
from bulkops.domain.model import ResolvedIntent
from bulkops.state.codec import changes_to_dict, state_to_dict


def audit_line(state, intent):
    """What the worker records for a clean pass: before (with the named queues' membership), what
    was written, and one ok op per write."""
    changes = diff(state, ResolvedIntent(intent))
    before = state_to_dict(state)
    named = intent.join_queues | intent.leave_queues
    if named:
        before["queues"] = {q: q in state.queues for q in sorted(named)}
    ops = []
    if changes.fields:
        ops.append({"op": "patch_user", "ok": True})
    if changes.replace_skills is not None:
        ops.append({"op": "replace_skills", "ok": True})
    if changes.upsert_skills:
        ops.append({"op": "upsert_skills", "ok": True})
    ops += [{"op": "delete_skill", "ok": True, "skill": s} for s in sorted(changes.delete_skills)]
    if changes.upsert_languages:
        ops.append({"op": "upsert_languages", "ok": True})
    ops += [{"op": "delete_language", "ok": True, "language": x} for x in sorted(changes.delete_languages)]
    ops += [{"op": "join_queue", "ok": True, "queue": q} for q in sorted(changes.join_queues)]
    ops += [{"op": "leave_queue", "ok": True, "queue": q} for q in sorted(changes.leave_queues)]
    line = {"user_id": state.id, "outcome": "applied", "before": before, "changes": changes_to_dict(changes), "ops": ops}
    return line, apply(state, changes)


def undo(now, line):
    inverse = invert([user_record(line)])
    if not inverse.intents:
        return now, ()
    (intent,) = inverse.intents
    narrowed, held = hold_back(now, intent)
    return apply(now, diff(now, narrowed)), held


def same(a, b):
    return (dict(a.skills), dict(a.languages), a.department, a.title, a.queues) == (dict(b.skills), dict(b.languages), b.department, b.title, b.queues)


@given(states(), st.one_of(intents(), intents(replace=True)))
def test_undo_of_a_job_gives_back_the_state_before_it(state, intent):
    line, after = audit_line(state, intent)
    restored, held = undo(after, line)
    assert held == ()
    assert same(restored, state)


@given(states(), intents(), st.sampled_from(["s0", "s1", "s2", "s3"]), profs)
def test_a_skill_changed_since_is_held_back_and_the_rest_restored(state, intent, skill, level):
    line, after = audit_line(state, intent)
    written, before = after.skills.get(skill), state.skills.get(skill)
    meddled = dataclasses.replace(after, skills={**after.skills, skill: level})
    restored, held = undo(meddled, line)
    if written != before and level not in (written, before):
        assert [(h.key, h.before, h.written, h.now) for h in held] == [(skill, before, written, level)]
        assert restored.skills[skill] == level  # the other administrator's value stays
    else:
        assert held == ()
    others = {k: v for k, v in restored.skills.items() if k != skill}
    assert others == {k: v for k, v in state.skills.items() if k != skill}
    assert (restored.department, restored.title, dict(restored.languages)) == (state.department, state.title, dict(state.languages))


def test_elements_written_over_several_passes_restore_the_first_before():
    first = {
        "user_id": "u",
        "before": {"skills": {"a": 1.0}, "languages": {}},
        "changes": {"upsert_skills": {"a": 3.0}},
        "ops": [{"op": "upsert_skills", "ok": True}],
    }
    second = {
        "user_id": "u",
        "before": {"skills": {"a": 3.0}, "languages": {}},
        "changes": {"upsert_skills": {"a": 4.0}},
        "ops": [{"op": "upsert_skills", "ok": True}],
    }
    failed = {"user_id": "u", "before": {"skills": {"a": 4.0}}, "changes": {"upsert_skills": {"a": 5.0}}, "ops": [{"op": "upsert_skills", "ok": False}]}
    (intent,) = invert([user_record(x) for x in (first, second, failed)]).intents
    assert dict(intent.skills) == {"a": 1.0} and dict(intent.expect.skills) == {"a": 4.0}


BEFORE = {"title": "Agent", "division": "d1", "skills": {"s1": 2.0}, "languages": {"l1": 3.0}, "queues": {"q1": True}}


@pytest.mark.parametrize(
    "op,changes,elements",
    [
        ({"op": "patch_user"}, {"fields": {"title": "Lead", "department": ""}}, [(("field", "title"), "Agent", "Lead"), (("field", "department"), None, None)]),
        ({"op": "move_division"}, {"division": "d2"}, [(("division", ""), "d1", "d2")]),
        ({"op": "move_division"}, {}, []),
        ({"op": "replace_skills"}, {"replace_skills": {"s2": 4.0}}, [(("skill", "s1"), 2.0, None), (("skill", "s2"), None, 4.0)]),
        ({"op": "upsert_skills"}, {"upsert_skills": {"s1": 5, "s3": 1}}, [(("skill", "s1"), 2.0, 5.0), (("skill", "s3"), None, 1.0)]),
        ({"op": "delete_skill", "skill": "s1"}, {}, [(("skill", "s1"), 2.0, None)]),
        ({"op": "delete_skill"}, {}, []),
        ({"op": "upsert_languages"}, {"upsert_languages": {"l1": 1}}, [(("language", "l1"), 3.0, 1.0)]),
        ({"op": "delete_language", "language": "l1"}, {}, [(("language", "l1"), 3.0, None)]),
        ({"op": "join_queue", "queue": "q2"}, {}, [(("queue", "q2"), "MISSING", True)]),
        ({"op": "leave_queue", "queue": "q1"}, {}, [(("queue", "q1"), True, False)]),
        ({"op": "something_else"}, {"fields": {"title": "x"}}, []),
    ],
)
def test_written_elements_per_operation(op, changes, elements):
    line = {"before": BEFORE, "changes": changes, "ops": [{**op, "ok": True}]}
    got = [(e, "MISSING" if b is inverse._MISSING else b, w) for e, b, w in inverse.written_elements(user_record(line))]
    assert got == elements
    assert inverse.written_elements(user_record({**line, "ops": [{**op, "ok": False}]})) == []  # a failed operation wrote nothing


def test_the_last_attempts_changes_go_over_the_first_diffs():
    line = {"first_changes": {"upsert_skills": {"s1": 3, "s2": 1}, "division": "d2"}, "changes": {"upsert_skills": {"s1": 4}}}
    assert inverse.merged_changes(user_record(line)) == {"upsert_skills": {"s1": 4, "s2": 1}, "division": "d2"}
