"""The Erlang C queueing model: how a queue's service level follows from its load and its agents.

Used to predict what a routing change does to a queue (#31 §2): given the conversations a queue is
offered in an interval, their average handle time and the agents on queue, Erlang C gives the
probability that a conversation waits, the share answered within a target time (service level) and
the average speed of answer. It is a model (Poisson arrivals, exponential handle times, no
abandonment, every agent able to take every conversation), not a forecast.

Written here rather than taken from pyworkforce: its ErlangC pulls in pandas, numpy and ortools for
three lines of arithmetic. The probability of waiting is computed from the Erlang B recursion, which
never forms ``A**N / N!`` and so stays finite for any number of agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OfferedLoad:
    """What a queue is offered: ``arrivals`` conversations per ``interval_seconds``, each handled in
    ``handle_seconds`` on average (talk, hold and wrap-up)."""

    arrivals: float
    interval_seconds: float
    handle_seconds: float

    def __post_init__(self) -> None:
        if self.arrivals < 0 or self.handle_seconds < 0:
            raise ValueError("arrivals and handle_seconds must be >= 0")
        if self.interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")

    @property
    def erlangs(self) -> float:
        """The traffic intensity: agents' worth of work arriving (arrival rate x handle time)."""
        return self.arrivals * self.handle_seconds / self.interval_seconds


@dataclass(frozen=True, slots=True)
class Prediction:
    """Erlang C's figures for one queue with a number of agents."""

    agents: int
    erlangs: float
    probability_of_waiting: float
    service_level: float
    average_speed_of_answer: float  # seconds; math.inf when the agents cannot keep up


def erlang_b(erlangs: float, agents: int) -> float:
    """The probability that all ``agents`` are busy in a loss system (Erlang B), by the recursion
    ``B(0) = 1``, ``B(n) = A·B(n-1) / (n + A·B(n-1))``."""
    if erlangs < 0 or agents < 0:
        raise ValueError("erlangs and agents must be >= 0")
    b = 1.0
    for n in range(1, agents + 1):
        b = erlangs * b / (n + erlangs * b)
    return b


def keeps_up(erlangs: float, agents: int) -> bool:
    """Can ``agents`` carry the load at all? With ``agents <= erlangs`` the queue grows without end."""
    return agents > 0 and erlangs < agents


def probability_of_waiting(erlangs: float, agents: int) -> float:
    """Erlang C: the probability that an arriving conversation waits (1 when the agents cannot keep up)."""
    if not keeps_up(erlangs, agents):
        return 1.0
    b = erlang_b(erlangs, agents)
    return agents * b / (agents - erlangs * (1.0 - b))


def service_level(load: OfferedLoad, agents: int, target_seconds: float) -> float:
    """The share of conversations answered within ``target_seconds``:
    ``1 - Pw · exp(-(N - A) · t / AHT)``; 0 when the agents cannot keep up."""
    if target_seconds < 0:
        raise ValueError("target_seconds must be >= 0")
    erlangs = load.erlangs
    if not keeps_up(erlangs, agents):
        return 0.0
    if load.handle_seconds == 0:
        return 1.0
    waiting = probability_of_waiting(erlangs, agents)
    return clamp(1.0 - waiting * math.exp(-(agents - erlangs) * target_seconds / load.handle_seconds))


def average_speed_of_answer(load: OfferedLoad, agents: int) -> float:
    """The mean wait in seconds, ``Pw · AHT / (N - A)``; infinite when the agents cannot keep up."""
    erlangs = load.erlangs
    if not keeps_up(erlangs, agents):
        return math.inf
    return probability_of_waiting(erlangs, agents) * load.handle_seconds / (agents - erlangs)


def predict(load: OfferedLoad, agents: int, target_seconds: float) -> Prediction:
    """Every Erlang C figure for ``load`` with ``agents`` and a service-level target."""
    return Prediction(
        agents=agents,
        erlangs=load.erlangs,
        probability_of_waiting=probability_of_waiting(load.erlangs, agents),
        service_level=service_level(load, agents, target_seconds),
        average_speed_of_answer=average_speed_of_answer(load, agents),
    )


def clamp(x: float) -> float:
    """``x`` kept in [0, 1] (rounding can step a hair outside)."""
    return min(1.0, max(0.0, x))
