"""Hypothesis strategies for users and their intents, shared by the merge and undo tests."""

from hypothesis import strategies as st

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
