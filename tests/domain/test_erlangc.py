"""Erlang C against a published worked example, the textbook formula, and its properties."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.rollout.erlangc import (
    OfferedLoad,
    average_speed_of_answer,
    erlang_b,
    predict,
    probability_of_waiting,
    service_level,
)

CLASSIC = OfferedLoad(arrivals=100, interval_seconds=1800, handle_seconds=180)


@pytest.mark.parametrize(
    ("agents", "waiting", "level", "asa"),
    [
        (11, 0.6821, 0.3896, 122.78),
        (12, 0.4494, 0.6402, 40.44),
        (13, 0.2853, 0.7956, 17.12),
        (14, 0.1741, 0.8884, 7.84),
    ],
)
def test_the_classic_worked_example(agents: int, waiting: float, level: float, asa: float) -> None:
    """100 calls per 30 minutes, 180 s average handle time (10 Erlangs), 20 s target.

    The worked example of Call Centre Helper's "Erlang C Formula - Made Simple With an Easy Worked
    Example" (callcentrehelper.com), which finds 11 agents give a 68.21 % probability of waiting, a
    39 % service level and a 122.8 s average speed of answer, and that 14 are the first to reach 80 % in
    20 s (13 give 79.6 %). The four-place figures in this table were computed apart from this module, from the
    textbook factorial form (``textbook_waiting`` below), then SL = 1 - Pw·exp(-(N-A)·t/AHT) and
    ASA = Pw·AHT/(N-A); the page's rounded figures agree with them."""
    p = predict(CLASSIC, agents, 20)
    assert p.erlangs == pytest.approx(10.0)
    assert p.probability_of_waiting == pytest.approx(waiting, abs=5e-5)
    assert p.service_level == pytest.approx(level, abs=5e-5)
    assert p.average_speed_of_answer == pytest.approx(asa, abs=5e-3)


def textbook_waiting(a: float, n: int) -> float:
    """Erlang C as textbooks print it: ``(A^N/N! · N/(N-A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N-A))``."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


@given(st.floats(0.0, 40.0), st.integers(1, 60))
def test_the_recursion_agrees_with_the_textbook_formula(a: float, n: int) -> None:
    if a >= n:
        assert probability_of_waiting(a, n) == 1.0
    else:
        assert probability_of_waiting(a, n) == pytest.approx(textbook_waiting(a, n), rel=1e-9, abs=1e-12)


def test_large_centres_stay_finite() -> None:
    """Thousands of agents: no A**N overflow (the factorial form fails long before)."""
    p = probability_of_waiting(1900.0, 2000)
    assert 0.0 <= p <= 1.0
    assert 0.0 <= erlang_b(1900.0, 2000) <= 1.0


loads = st.builds(OfferedLoad, st.floats(0.0, 2000.0), st.floats(60.0, 3600.0), st.floats(1.0, 900.0))


@given(loads, st.integers(0, 80), st.floats(0.0, 120.0))
def test_service_level_lies_in_zero_to_one_and_rises_with_agents(load: OfferedLoad, agents: int, target: float) -> None:
    now = service_level(load, agents, target)
    more = service_level(load, agents + 1, target)
    assert 0.0 <= now <= 1.0
    assert more >= now - 1e-12


@given(loads, st.integers(1, 80), st.floats(0.0, 120.0), st.floats(0.0, 120.0))
def test_service_level_rises_with_the_target(load: OfferedLoad, agents: int, t1: float, t2: float) -> None:
    lo, hi = sorted((t1, t2))
    assert service_level(load, agents, hi) >= service_level(load, agents, lo) - 1e-12


@given(loads, st.integers(0, 80))
def test_agents_who_cannot_keep_up_answer_nothing_in_time(load: OfferedLoad, agents: int) -> None:
    if agents > load.erlangs and agents > 0:
        assert average_speed_of_answer(load, agents) < math.inf
        return
    assert service_level(load, agents, 20) == 0.0
    assert probability_of_waiting(load.erlangs, agents) == 1.0
    assert average_speed_of_answer(load, agents) == math.inf


def test_zero_agents_means_certain_wait_and_no_load_means_no_wait() -> None:
    assert service_level(CLASSIC, 0, 20) == 0.0
    assert probability_of_waiting(CLASSIC.erlangs, 0) == 1.0
    idle = OfferedLoad(arrivals=0, interval_seconds=1800, handle_seconds=180)
    assert probability_of_waiting(idle.erlangs, 3) == 0.0
    assert service_level(idle, 3, 20) == 1.0
    assert average_speed_of_answer(idle, 3) == 0.0


def test_a_load_refuses_impossible_figures() -> None:
    with pytest.raises(ValueError):
        OfferedLoad(arrivals=-1, interval_seconds=1800, handle_seconds=180)
    with pytest.raises(ValueError):
        OfferedLoad(arrivals=1, interval_seconds=0, handle_seconds=180)
    with pytest.raises(ValueError):
        service_level(CLASSIC, 12, -1)
