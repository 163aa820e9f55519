"""The impact's packed holdings (``engine/plan/packed.py``): a round trip, canonical bytes, sharing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.engine.plan.packed import LevelTable

levels = st.dictionaries(st.text(min_size=1, max_size=40), st.floats(min_value=0, max_value=5, allow_nan=False), max_size=60)


@given(st.lists(levels, max_size=8))
def test_unpack_gives_back_what_was_packed(holdings):
    table = LevelTable()
    packed = [table.pack(h) for h in holdings]
    assert [table.unpack(p) for p in packed] == holdings


@given(levels)
def test_equal_holdings_pack_as_equal_bytes_in_a_pair_whatever_their_order(h):
    table = LevelTable()
    before, after = table.pack_pair(h, dict(reversed(list(h.items()))))
    assert before == after and table.unpack(after) == h


@given(levels, levels)
def test_a_pair_s_bytes_differ_exactly_when_the_holdings_do(a, b):
    table = LevelTable()
    before, after = table.pack_pair(a, b)
    assert (before == after) is (a == b)
    assert (table.unpack(before), table.unpack(after)) == (a, b)


@pytest.mark.parametrize(
    "a, b, equal",
    [
        ({}, {}, True),
        ({"s1": 3.0}, {"s1": 3.0}, True),
        ({"s1": 3.0}, {"s1": 4.0}, False),
        ({"s1": 3.0}, {"s2": 3.0}, False),
        ({"s1": 3.0, "s2": 1.5}, {"s2": 1.5, "s1": 3.0}, True),
        ({"s1": 3.0}, {"s1": 3.0, "s2": 3.0}, False),
    ],
)
def test_a_pair_is_equal_bytes_exactly_when_the_holdings_are_equal(a, b, equal):
    before, after = LevelTable().pack_pair(a, b)
    assert (before == after) is equal


def test_a_repeated_holding_is_kept_once_and_is_small():
    table = LevelTable()
    skills = {f"skill-{i:04d}-0000-0000-0000-000000000000": float(i % 5) for i in range(50)}
    first, second = table.pack(skills), table.pack(dict(skills))
    assert first is second
    assert len(first) == 50 * 6  # 4 bytes an id's number, 2 a level's
    assert table.pack({}) == b""
