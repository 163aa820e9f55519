"""Merge/diff properties: never drop what the spec does not name; idempotent; replace is exact."""

from helpers.strategies import intents, skill_ids, skill_maps, states  # noqa: F401
from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.merge import apply, diff
from bulkops.domain.model import UserIntent, UserState


@given(states(), intents())
def test_merge_never_drops_a_skill_the_spec_does_not_name(state, intent):
    after = apply(state, diff(state, intent))
    named = set(intent.skills) | intent.remove_skills
    for skill, prof in state.skills.items():
        if skill not in named:
            assert after.skills[skill] == prof


@given(states(), intents())
def test_merge_reaches_the_intent(state, intent):
    after = apply(state, diff(state, intent))
    for skill, prof in intent.skills.items():
        assert after.skills[skill] == prof
    assert not (intent.remove_skills & set(after.skills))
    for key, value in intent.fields.items():
        assert getattr(after, key) == value
    assert intent.join_queues <= after.queues and not (intent.leave_queues & after.queues)


@given(states(), st.one_of(intents(), intents(replace=True)))
def test_applying_a_delta_twice_equals_applying_it_once(state, intent):
    once = apply(state, diff(state, intent))
    assert diff(once, intent).is_empty()
    assert apply(once, diff(once, intent)) == once


@given(states(), intents(replace=True))
def test_replace_mode_yields_exactly_the_listed_skills(state, intent):
    after = apply(state, diff(state, intent))
    assert after.skills == {k: float(v) for k, v in intent.skills.items()}


def test_diff_only_upserts_what_differs():
    state = UserState(id="u", version=3, skills={"a": 3.0, "b": 1.0})
    changes = diff(state, UserIntent(user="u", skills={"a": 3, "b": 2, "c": 5}, remove_skills=frozenset({"z"})))
    assert changes.upsert_skills == {"b": 2.0, "c": 5.0}
    assert changes.delete_skills == frozenset()  # z is not held, nothing to delete
