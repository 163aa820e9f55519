"""The named steps of member activation's set-up, on their own (table tests)."""

from __future__ import annotations

import pytest

from bulkops.kinds.members.intent import MemberActivationIntent
from bulkops.kinds.members.setup import not_direct, wanted_joined

USERS = {"a@x.com": ("u-a", "a@x.com"), "b@x.com": ("u-b", "b@x.com"), "u-c": ("u-c", "c@x.com")}


@pytest.mark.parametrize(
    "members, joined, unknown",
    [
        (MemberActivationIntent(("A@x.com",), ("u-c",)), {"u-a": True, "u-c": False}, []),
        (MemberActivationIntent(("nobody@x.com", "b@x.com"), ("ghost",)), {"u-b": True}, ["nobody@x.com", "ghost"]),
        (MemberActivationIntent((), (), True), {}, []),
        (MemberActivationIntent(("a@x.com",), ("a@x.com",)), {"u-a": False}, []),  # the later list wins, as before
    ],
)
def test_listed_users_resolve_and_unknown_ones_are_named(members, joined, unknown):
    got_joined, labels, got_unknown = wanted_joined(members, USERS)
    assert got_joined == joined and got_unknown == unknown
    assert set(labels) == set(joined)


@pytest.mark.parametrize(
    "joined, direct, count",
    [
        ({"u-a": True}, {"u-a": False}, 0),
        ({"u-a": True, "u-b": False}, {"u-a": False}, 1),
        ({}, {}, 0),
    ],
)
def test_a_listed_user_must_be_a_direct_member(joined, direct, count):
    labels = {"u-a": "a@x.com", "u-b": "b@x.com"}
    got = not_direct(joined, labels, direct, "Sales")
    assert len(got) == count
    assert all(m.startswith("user 'b@x.com' is not a direct member of queue 'Sales'") for m in got)
