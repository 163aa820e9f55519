"""Which jobs may take a member from a queue (``engine.reduction``): table tests of the pure decision
``run`` uses to read the impact on routing only when a queue could be emptied."""

from __future__ import annotations

import pytest

from bulkops.domain.model import ResolvedIntent, UserIntent, UserState
from bulkops.engine.plan.reduction import first_reduction, store_pairs, user_reduction
from bulkops.kinds.members.intent import MembersItem
from bulkops.kinds.members.setup import MembersSetup
from bulkops.kinds.skills.intent import SkillDefinitionIntent, SkillItem
from bulkops.kinds.skills.setup import Migration, SkillSetup


def intent(**kw) -> ResolvedIntent:
    return ResolvedIntent(UserIntent("u1", **kw))


def skills(*items: SkillItem) -> dict[str, SkillSetup]:
    """The skill definitions as set-up resolved them, where ``first_reduction`` finds them (by kind name)."""
    return {"skill": SkillSetup(items=list(items))}


def members(*items: MembersItem) -> dict[str, MembersSetup]:
    return {"queue_members": MembersSetup(items=list(items))}


MIGRATION = Migration("s-old", "Old", "s-new", "New", SkillDefinitionIntent("migrate", "Old", into="New"))
HOLDS = UserState("u1", 1, skills={"s-sales": 4.0, "s-billing": 2.0}, languages={"l-es": 5.0}, queues=frozenset({"q1"}), division="d1")


@pytest.mark.parametrize(
    ("wanted", "state", "reason"),
    [
        (intent(skills={"s-new": 3.0}), HOLDS, None),  # adds a skill
        (intent(skills={"s-sales": 5.0}), HOLDS, None),  # raises a proficiency
        (intent(skills={"s-sales": 4.0}), HOLDS, None),  # already so
        (intent(languages={"l-pt": 4.0}), HOLDS, None),
        (intent(join_queues=frozenset({"q2"})), HOLDS, None),
        (intent(fields={"title": "Lead"}), HOLDS, None),
        (intent(division="d1"), HOLDS, None),  # the division it is in already
        (intent(skills={"s-sales": 4.0, "s-billing": 2.0, "s-new": 1.0}, replace_skills=True), HOLDS, None),  # replace keeping all
        (intent(fields={"title": "Lead"}), None, None),  # not found, and sets no skill
        (intent(leave_queues=frozenset({"q1"})), HOLDS, "a user leaves a queue"),
        (intent(remove_skills=frozenset({"s-sales"})), HOLDS, "a skill or language is removed"),
        (intent(remove_languages=frozenset({"l-es"})), HOLDS, "a skill or language is removed"),
        (intent(skills={"s-sales": 2.0}), HOLDS, "a proficiency is lowered"),
        (intent(languages={"l-es": 1.0}), HOLDS, "a proficiency is lowered"),
        (intent(skills={"s-sales": 4.0}, replace_skills=True), HOLDS, "replace mode drops a skill a user holds"),
        (intent(division="d2"), HOLDS, "a user moves to another division"),
        (intent(skills={"s-sales": 5.0}), UserState("u1", 1, unknown=frozenset({"skills"})), "a user's skills were not read"),
        (intent(skills={"s-sales": 5.0}), None, "a user's holdings were not read"),
    ],
)
def test_what_a_user_s_change_may_take_away(wanted, state, reason):
    assert user_reduction(wanted, state) == reason


def test_skill_definitions_and_member_deactivation_count_and_the_first_reason_is_kept():
    adds = [(intent(skills={"s-new": 3.0}), HOLDS)] * 3
    assert first_reduction(adds) is None
    assert first_reduction(adds, skills(SkillItem("create", "New"), SkillItem("move", "Old", "s-old", "d2"))) is None
    reduced = first_reduction(adds, skills(SkillItem("delete", "Old", "s-old")))
    assert reduced is not None and reduced.reason == "a skill definition is deleted"
    migrated = first_reduction(adds, {"skill": SkillSetup(migrations=[MIGRATION])})
    assert migrated is not None and migrated.reason == "a skill definition is migrated"
    assert first_reduction(adds, members(MembersItem("q1", "Sales", {"u1": True}))) is None
    off = first_reduction(adds, members(MembersItem("q1", "Sales", {"u1": True, "u2": False})))
    assert off is not None and off.reason == "a queue member is deactivated"
    rest = first_reduction(adds, members(MembersItem("q1", "Sales", {}, rest=False)))
    assert rest is not None and rest.reason == "a queue member is deactivated"
    later = first_reduction([*adds, (intent(leave_queues=frozenset({"q1"})), HOLDS)])
    assert later is not None and later.reason == "a user leaves a queue"


def test_the_store_is_read_a_chunk_at_a_time_with_each_intent_beside_its_state():
    ids = [f"u{i}" for i in range(7)]
    calls: list[list[str]] = []

    def intents(chunk: list[str]) -> dict[str, tuple[ResolvedIntent, str]]:
        calls.append(chunk)
        return {u: (ResolvedIntent(UserIntent(u)), "pending") for u in chunk}

    def states(chunk: list[str]) -> dict[str, tuple[UserState, float]]:
        return {u: (UserState(u, 1), 0.0) for u in chunk if u != "u3"}

    pairs = list(store_pairs(ids, intents, states, size=3))
    assert calls == [ids[:3], ids[3:6], ids[6:]]
    assert [i.user for i, _ in pairs] == ids
    assert [s.id if s else None for _, s in pairs] == ["u0", "u1", "u2", None, "u4", "u5", "u6"]
