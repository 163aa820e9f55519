"""The queueing process of one queue in simulated time (#31 §1), pure: its steady state is Erlang C's,
a queue left alone stays there, a queue whose agents cannot keep up grows about linearly, and more
agents never mean more waiting at the same time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkops.domain.rollout import erlangc
from bulkops.simulator.model.queuetime import process
from bulkops.simulator.model.queuetime.process import Rates


def _erlang_c_waiting(rates: Rates) -> float:
    a = rates.arrival_rate * rates.handle_seconds
    return erlangc.probability_of_waiting(a, rates.agents) * a / (rates.agents - a)


# arrivals a second, handle time, agents: from a quiet queue to one at 86 % occupancy
STABLE = [(10 / 1800, 300.0, 3), (42.3 / 1800, 387.0, 14), (47.7 / 1800, 220.0, 7), (158.5 / 1800, 189.0, 22), (0.045, 190.0, 10)]


@pytest.mark.parametrize(("rate", "handle", "agents"), STABLE)
def test_the_steady_state_is_erlang_c_and_a_queue_left_alone_stays_there(rate, handle, agents):
    rates = Rates(rate, handle, agents)
    p = process.steady_state(rates)
    assert sum(p) == pytest.approx(1.0, abs=1e-12)
    assert process.waiting(p, agents) == pytest.approx(_erlang_c_waiting(rates), rel=1e-6)
    assert process.interacting(p, agents) == pytest.approx(rate * handle, rel=1e-6)  # the carried load
    load = erlangc.OfferedLoad(rate * 1800, 1800, handle)
    assert process.answered_within(p, rates, 20.0) == pytest.approx(erlangc.service_level(load, agents, 20.0), abs=1e-6)
    later = process.advance(p, rates, 3600.0)
    assert process.waiting(later, agents) == pytest.approx(process.waiting(p, agents), rel=1e-6)
    assert process.settled(later, rates)


@pytest.mark.parametrize(
    ("agents", "seconds", "at_least", "at_most"),
    [
        (14, 24_000, 0.0, 0.5),  # as seeded: stays near Erlang C's 0.18
        (10, 24_000, 6.0, 7.5),  # still keeps up: climbs towards its new steady state (7.1)
        (9, 12_000, 14.0, 20.0),  # at the edge (9 agents, 9.09 Erlangs): grows and keeps growing
        (5, 12_000, 120.0, 140.0),  # far short: grows by (arrivals - 5/AHT) x t, about 127
    ],
)
def test_support_es_after_losing_agents_table(agents, seconds, at_least, at_most):
    """Support ES as the routing profile seeds it (42.3 an hour-half, 387 s), from its steady state with 14 agents."""
    start = process.steady_state(Rates(42.3 / 1800, 387.0, 14))
    after = process.advance(start, Rates(42.3 / 1800, 387.0, agents), seconds)
    assert at_least <= process.waiting(after, agents) <= at_most
    assert sum(after) == pytest.approx(1.0, abs=1e-9)


def test_an_overloaded_queue_grows_about_linearly_at_arrivals_less_departures():
    rates = Rates(0.05, 300.0, 5)  # 15 Erlangs offered to 5 agents
    drift = 0.05 - 5 / 300.0
    p = process.advance(process.steady_state(Rates(0.05, 300.0, 20)), rates, 1800.0, capacity=1000)
    w1 = process.waiting(p, 5)
    p = process.advance(p, rates, 3600.0, capacity=1000)
    assert process.waiting(p, 5) - w1 == pytest.approx(drift * 3600.0, rel=0.02)
    assert process.interacting(p, 5) == pytest.approx(5.0, abs=0.01)
    assert process.answered_within(p, rates, 20.0) < 0.01


def test_advancing_in_steps_is_advancing_at_once():
    start = process.steady_state(Rates(0.03, 300.0, 12))
    rates = Rates(0.03, 300.0, 8)
    once = process.advance(start, rates, 5000.0)
    stepped = start
    for _ in range(10):
        stepped = process.advance(stepped, rates, 500.0)
    assert process.waiting(stepped, 8) == pytest.approx(process.waiting(once, 8), rel=1e-6)


def test_a_queue_is_capped_and_read_long_after_it_has_settled_or_grown_by_its_drift():
    unstaffed = Rates(0.02, 300.0, 0)
    full = process.advance([1.0], unstaffed, 10_000.0, capacity=50)
    assert len(full) <= 51 and process.waiting(full, 0) <= 50
    assert process.waiting(full, 0) > 45  # 200 arrivals expected, 50 held
    stable = Rates(0.02, 300.0, 10)
    assert process.advance([1.0], stable, 1e9) == process.steady_state(stable)  # past MAX_WORK: its steady state
    short = Rates(0.05, 300.0, 5)
    drift = 0.05 - 5 / 300.0
    exact = process.advance([1.0], short, 3_000.0, capacity=2000)  # 200 steps: stepped
    assert process.waiting(exact, 5) == pytest.approx(drift * 3_000.0, rel=0.1)
    seconds = 3 * process.MAX_WORK / short.uniform_rate / 6  # too much work: moved up by the drift
    jumped = process.advance([1.0], short, seconds, capacity=2000)
    assert process.waiting(jumped, 5) == pytest.approx(min(2000 - 5, drift * seconds), rel=0.01)
    assert process.waiting(process.advance([1.0], short, seconds), 5) == process.CAPACITY - 5  # capped


def test_nobody_on_queue_answers_nothing_and_the_first_agents_answer_some():
    p = process.steady_state(Rates(0.01, 300.0, 5))
    assert process.answered_within(p, Rates(0.01, 300.0, 0), 20.0) == 0.0
    assert 0.0 < process.answered_within(p, Rates(0.01, 300.0, 1), 20.0) < 1.0


@settings(max_examples=60)
@given(
    rate=st.floats(0.001, 0.08),
    handle=st.floats(60.0, 600.0),
    seeded=st.integers(0, 30),
    fewer=st.integers(0, 30),
    more=st.integers(0, 10),
    seconds=st.floats(0.0, 20_000.0),
)
def test_more_agents_never_means_more_waiting_at_the_same_time(rate, handle, seeded, fewer, more, seconds):
    """From the same state, a queue with more agents never has more waiting (nor answers fewer in time)."""
    start = process.steady_state(Rates(rate, handle, seeded), capacity=300)
    a, b = Rates(rate, handle, fewer), Rates(rate, handle, fewer + more)
    pa = process.advance(start, a, seconds, capacity=300)
    pb = process.advance(start, b, seconds, capacity=300)
    assert process.waiting(pb, b.agents) <= process.waiting(pa, a.agents) + 1e-6
    assert process.answered_within(pb, b, 20.0) >= process.answered_within(pa, a, 20.0) - 1e-6
