"""Waves (#31 §3): the shares parsed, a user's wave stable and spread as the shares say, durations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.rollout.waves import WavesError, parse_duration, parse_waves, share_of, users_through, wave_of


@pytest.mark.parametrize(
    ("text", "shares"),
    [("100%", (1.0,)), ("50%,100%", (0.5, 1.0)), ("5%, 25% ,100%", (0.05, 0.25, 1.0)), ("0.5%,100%", (0.005, 1.0))],
)
def test_good_waves(text, shares):
    assert parse_waves(text) == shares


@pytest.mark.parametrize("text", ["", "50", "50%,", "50%,40%,100%", "50%,50%,100%", "0%,100%", "50%", "50%,120%", "a%,100%", "-5%,100%"])
def test_bad_waves_are_refused(text):
    with pytest.raises(WavesError):
        parse_waves(text)


@pytest.mark.parametrize(("text", "seconds"), [("20s", 20.0), ("10m", 600.0), ("1h", 3600.0), ("500ms", 0.5), (" 2s ", 2.0), ("1.5m", 90.0)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "20", "s", "-1s", "10 minutes", "1d"])
def test_bad_durations(text):
    with pytest.raises(WavesError):
        parse_duration(text)


def test_the_split_is_stable_and_near_the_shares():
    ids = [f"user-{i:05d}" for i in range(4000)]
    shares = (0.05, 0.25, 1.0)
    first = [wave_of(u, shares) for u in ids]
    assert first == [wave_of(u, shares) for u in ids]  # the same in every call (and process: sha256)
    counts = [first.count(w) for w in range(3)]
    assert abs(counts[0] - 200) < 60 and abs(counts[0] + counts[1] - 1000) < 120 and sum(counts) == 4000
    assert users_through(ids, shares, 2) == ids
    assert set(users_through(ids, shares, 0)) < set(users_through(ids, shares, 1))


@given(st.text(min_size=1, max_size=40), st.lists(st.integers(1, 99), min_size=0, max_size=4, unique=True))
def test_every_user_has_a_wave_and_later_shares_never_move_them_earlier(user_id, cuts):
    shares = tuple(sorted(c / 100 for c in cuts)) + (1.0,)
    w = wave_of(user_id, shares)
    assert 0 <= w < len(shares)
    assert share_of(user_id) < shares[w] and (w == 0 or share_of(user_id) >= shares[w - 1])
