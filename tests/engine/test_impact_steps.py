"""The named steps of the impact assessment, on their own (table tests)."""

from __future__ import annotations

import pytest

from bulkops.client.endpoints.activity import QueueCounts
from bulkops.client.endpoints.routing_records import MemberGroupRef, SkillGroup
from bulkops.engine.plan.impact import GroupImpact, Joins, Move, QueueImpact, changes_members, group_impacts_of, queue_joins, through_groups, unread_groups


def move(uid: str, before: set[str] = frozenset(), after: set[str] = frozenset()) -> Move:
    return Move(uid, f"{uid}@x.com", True, b"", b"", b"", b"", frozenset(before), frozenset(after))


MEMBER = {"g1": ({"a", "b"}, {"b", "c"}), "g2": ({"d"}, {"d"})}


@pytest.mark.parametrize(
    "groups, through_b, through_a, movers",
    [
        (["g1"], {"a", "b"}, {"b", "c"}, {"a", "c"}),
        (["g2"], {"d"}, {"d"}, set()),
        (["g1", "g2"], {"a", "b", "d"}, {"b", "c", "d"}, {"a", "c"}),
        ([], set(), set(), set()),
    ],
)
def test_through_groups(groups, through_b, through_a, movers):
    assert through_groups(groups, MEMBER) == (through_b, through_a, movers)


def queue(*groups: MemberGroupRef) -> QueueCounts:
    return QueueCounts("q1", "Sales", 10, 4, tuple(groups), ())


@pytest.mark.parametrize(
    "q, movers, text",
    [
        (queue(MemberGroupRef("t1", "TEAM", "Blue")), {"a"}, "members through team 'Blue' were not read"),
        (queue(MemberGroupRef("t1", "TEAM", "Blue"), MemberGroupRef("g9", "GROUP")), {"a"}, "members through team 'Blue', group 'g9' were not read"),
        (queue(MemberGroupRef("t1", "TEAM", "Blue")), set(), ""),
        (queue(MemberGroupRef("g1", "SKILLGROUP", "Skilled")), {"a"}, ""),
    ],
)
def test_unread_groups(q, movers, text):
    assert unread_groups(q, movers) == text


@pytest.mark.parametrize(
    "moves, job_queues, direct, through_b, through_a, joins",
    [
        # the job's own queue: direct membership from the plan
        ([move("a", after={"q1"}), move("b", before={"q1"})], {"q1"}, None, set(), set(), Joins(("a",), ("b",), 1, 1)),
        # held through a group as well: leaving directly is not leaving the queue
        ([move("b", before={"q1"})], {"q1"}, None, set(), {"b"}, Joins((), (), 0, 1)),
        # another queue: direct members as read, only groups move people
        ([move("a"), move("c")], set(), {"a"}, {"a"}, set(), Joins((), (), 0, 0)),
        ([move("a"), move("c")], set(), None, {"a"}, {"c"}, Joins(("c",), ("a",), 0, 0)),
    ],
)
def test_queue_joins(moves, job_queues, direct, through_b, through_a, joins):
    assert queue_joins("q1", moves, job_queues, direct, through_b, through_a) == joins


@pytest.mark.parametrize(
    "impact, changed",
    [
        (QueueImpact("Q", 1, 1, (), (), 0, 0, ()), False),
        (QueueImpact("Q", 1, 1, ("a",), (), 0, 0, ()), True),
        (QueueImpact("Q", 1, 1, (), (), 0, 1, ()), True),
    ],
)
def test_changes_members(impact, changed):
    assert changes_members(impact) is changed


def test_group_impacts_name_who_enters_and_leaves_and_the_queues_fed():
    groups = [SkillGroup("g1", "Skilled", None, "", 5, None, ()), SkillGroup("g2", "Still", None, "", 2, None, ())]
    queues = [
        QueueCounts("q2", "Zeta", 0, 0, (MemberGroupRef("g1", "SKILLGROUP"),), ()),
        QueueCounts("q1", "Alpha", 0, 0, (MemberGroupRef("g1", "SKILLGROUP"), MemberGroupRef("g2", "SKILLGROUP")), ()),
    ]
    labels = {u: f"{u}@x.com" for u in "abcd"}
    assert group_impacts_of(groups, queues, MEMBER, {"g1"}, labels) == (GroupImpact("Skilled", 5, ("c@x.com",), ("a@x.com",), ("Alpha", "Zeta")),)
