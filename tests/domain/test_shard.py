from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.shard import Dealer, dealt_to


@given(st.integers(0, 10**9), st.integers(1, 64))
def test_a_position_goes_to_a_worker_in_range(position, shards):
    assert 0 <= dealt_to(position, shards) < shards


@given(st.integers(1, 5000), st.integers(1, 64))
def test_dealing_splits_users_evenly(users, shards):
    """Any two workers' shares differ by at most one user (a hash left +-5% over 3 clients)."""
    dealer = Dealer(shards)
    counts = Counter(dealer.next() for _ in range(users))
    assert max(counts.values()) - (min(counts.values()) if len(counts) == shards else 0) <= 1
    assert dealer.dealt == users


def test_dealing_goes_in_turn():
    dealer = Dealer(3)
    assert [dealer.next() for _ in range(7)] == [0, 1, 2, 0, 1, 2, 0]


@pytest.mark.parametrize(("position", "shards"), [(0, 0), (-1, 3)])
def test_impossible_positions_and_worker_counts_are_refused(position, shards):
    with pytest.raises(ValueError):
        dealt_to(position, shards)
