"""Merge/diff properties: never drop what the spec does not name; idempotent; replace is exact."""

from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.merge import apply, diff
from bulkops.domain.model import UserIntent, UserState

skill_ids = st.sampled_from([f"s{i}" for i in range(12)])
profs = st.sampled_from([0.0, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0])
skill_maps = st.dictionaries(skill_ids, profs, max_size=10)


@st.composite
def states(draw):
    return UserState(
        id="u1",
        version=draw(st.integers(1, 50)),
        department=draw(st.sampled_from([None, "Sales", "Support"])),
        title=draw(st.sampled_from([None, "Agent", "Lead"])),
        skills=draw(skill_maps),
        languages=draw(st.dictionaries(st.sampled_from(["l1", "l2", "l3"]), profs)),
        queues=draw(st.frozensets(st.sampled_from(["q1", "q2", "q3"]))),
    )


@st.composite
def intents(draw, replace=False):
    skills = draw(skill_maps)
    removes = draw(st.frozensets(skill_ids)) - set(skills)
    fields = draw(st.dictionaries(st.sampled_from(["department", "title"]), st.sampled_from(["Sales", "Ops", "Agent"])))
    joins = draw(st.frozensets(st.sampled_from(["q1", "q2", "q3"])))
    return UserIntent(
        user="u1",
        join_queues=joins,
        leave_queues=draw(st.frozensets(st.sampled_from(["q1", "q2", "q3"]))) - joins,
        skills=skills,
        remove_skills=frozenset() if replace else removes,
        languages=draw(st.dictionaries(st.sampled_from(["l1", "l2"]), profs)),
        fields=fields,
        replace_skills=replace,
    )


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
