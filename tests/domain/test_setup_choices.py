"""The pure choices set-up makes: how to read the named users, and the per-user caps."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.limits import MAX_SKILLS_PER_USER, held_after, over_cap
from bulkops.domain.model import UserIntent, UserState
from bulkops.domain.readplan import choose_user_read


def test_few_named_users_are_fetched_many_are_listed():
    sparse = choose_user_read(org_users=20_000, by_id=200, by_search=0, subjects_by_search=0, named_users=200)
    assert sparse.strategy == "named" and sparse.requests == 2 and sparse.listing_requests == 40
    emails = choose_user_read(org_users=20_000, by_id=0, by_search=200, subjects_by_search=200, named_users=200)
    assert emails.strategy == "named" and emails.requests == 4
    dense = choose_user_read(org_users=2_000, by_id=0, by_search=2_000, subjects_by_search=2_000, named_users=2_000)
    assert dense.strategy == "listing" and dense.requests == 4 and "one listing" in dense.why


@given(st.integers(0, 200_000), st.integers(0, 5_000), st.integers(0, 5_000))
def test_the_choice_is_never_dearer_than_the_other_way(org, ids, emails):
    plan = choose_user_read(org_users=org, by_id=ids, by_search=emails, subjects_by_search=emails, named_users=ids + emails)
    assert plan.requests == min(plan.listing_requests, plan.named_requests)


def state(skills: int) -> UserState:
    return UserState("u", 1, skills={f"s{i}": 1.0 for i in range(skills)})


def test_the_cap_counts_what_is_held_set_and_removed():
    adding = UserIntent("u", skills={f"n{i}": 2.0 for i in range(5)})
    assert over_cap(adding, state(45)) is None  # exactly 50
    assert "would hold 51 routing skills" in (over_cap(adding, state(46)) or "")
    swapping = UserIntent("u", skills={f"n{i}": 2.0 for i in range(5)}, remove_skills=frozenset(f"s{i}" for i in range(5)))
    assert over_cap(swapping, state(50)) is None
    assert over_cap(adding, None) is None  # unknown holdings are not guessed
    assert over_cap(UserIntent("u", skills={"s1": 3.0}), state(60)) is None  # already over, not made worse


@given(st.integers(0, 80), st.integers(0, 80), st.booleans())
def test_replace_counts_only_what_it_names(held, named, replace):
    intent = UserIntent("u", skills={f"n{i}": 1.0 for i in range(named)}, replace_skills=replace)
    after = held_after(state(held).skills, intent.skills, (), replace=replace)
    assert after == (named if replace else held + named)
    refused = over_cap(intent, state(held)) is not None
    assert refused == (after is not None and after > MAX_SKILLS_PER_USER and (replace or after > held))
