"""One queue's traffic as a process in simulated time (#31 §1): an M/M/N queue whose expected state
is carried forward exactly, so taking agents away makes waiting grow over a watch. Pure.

The state is the probability of each number of conversations in the queue's system (waiting or
with an agent), ``0 .. len(p) - 1``. Conversations arrive at ``arrival_rate`` a second (Poisson),
each held ``handle_seconds`` on average (exponential) by one of ``agents`` agents, first come first
served, nobody abandons (Erlang C's assumptions, as ``bulkops.domain.rollout.erlangc``). Time moves by
uniformisation (the Kolmogorov forward equations solved as a Poisson mixture of steps of the
embedded chain), which is exact but for the Poisson tail cut at ``TAIL``. Every figure read from
the state is an expectation: deterministic, no seeded noise, so a queue left alone sits at Erlang C's
steady state and a gate reading it never trips by chance. Which of that is a guess: docs/simulator.md.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from itertools import zip_longest

from bulkops.domain.rollout import erlangc

#: At most this many conversations in a queue's system: arrivals beyond are turned away (a trunk's
#: capacity, a guess), so an unstaffed queue's state, and the work of advancing it, stay bounded.
CAPACITY = 150
#: Probability below which the state's tail is dropped (and the Poisson mixture cut).
TAIL = 1e-12
#: More work than this in one advance (steps of the embedded chain x states, about a tenth of a second)
#: and the queue is taken to have settled (a simulator read long after): one that keeps up jumps to
#: its steady state, one that cannot moves up by the fluid drift (arrivals less departures) x the time.
MAX_WORK = 150_000
#: Steps of the embedded chain per chunk of an advance (a Poisson mixture over more underflows).
CHUNK_STEPS = 200.0


@dataclass(frozen=True, slots=True)
class Rates:
    """What drives a queue: arrivals a second, the mean handle time, the agents who take them."""

    arrival_rate: float
    handle_seconds: float
    agents: int

    def departure_rate(self, in_system: int) -> float:
        return min(in_system, self.agents) / self.handle_seconds if self.handle_seconds > 0 else 0.0

    @property
    def uniform_rate(self) -> float:
        """A rate no state leaves faster than (the uniformisation constant)."""
        return self.arrival_rate + self.departure_rate(self.agents) or 1.0


def steady_state(rates: Rates, capacity: int = CAPACITY) -> list[float]:
    """The capped chain's stationary distribution (birth-death product form), its tail dropped."""
    weights = [1.0]
    for n in range(1, capacity + 1):
        down = rates.departure_rate(n)
        w = weights[-1] * rates.arrival_rate / down if down > 0 else math.inf
        if math.isinf(w) or w > 1e250:
            return _all_at(capacity if rates.arrival_rate > 0 else 0)
        weights.append(w)
        if n > rates.agents and w < TAIL * sum(weights):
            break
    total = sum(weights)
    return _trimmed([w / total for w in weights])


def _all_at(n: int) -> list[float]:
    return [0.0] * n + [1.0]


def _trimmed(p: list[float]) -> list[float]:
    while len(p) > 1 and p[-1] < TAIL:
        p.pop()
    return p


class _Chain:
    """The embedded chain's step probabilities for one set of rates, computed once per advance."""

    def __init__(self, rates: Rates, capacity: int) -> None:
        u = rates.uniform_rate
        self.capacity = capacity
        self.up = rates.arrival_rate / u
        self.down = [rates.departure_rate(n) / u for n in range(capacity + 2)]
        self.stay = [1.0 - self.up - d for d in self.down[: capacity + 1]]
        self.stay[capacity] = 1.0 - self.down[capacity]  # nothing arrives into a full system

    def step(self, p: list[float]) -> list[float]:
        """``p · (I + Q/Λ)``, the support grown by one where mass can reach."""
        if len(p) <= self.capacity:
            p = [*p, 0.0]
        k, up = len(p), self.up
        before = [0.0, *p[:-1]]
        after = [*p[1:], 0.0]
        return [x * s + b * up + c * d for x, s, b, c, d in zip(p, self.stay[:k], before, after, self.down[1 : k + 1], strict=True)]


@functools.lru_cache(maxsize=64)
def _chain(rates: Rates, capacity: int) -> _Chain:
    return _Chain(rates, capacity)


def _advance_chunk(p: list[float], chain: _Chain, steps_expected: float) -> list[float]:
    """``p · exp(Q·t)`` with ``Λ·t = steps_expected``: the Poisson mixture of the chain's steps."""
    weight = math.exp(-steps_expected)
    out = [x * weight for x in p]
    covered, k, current = weight, 0, p
    limit = steps_expected + 12 * math.sqrt(steps_expected) + 30
    while covered < 1.0 - TAIL and k < limit:
        k += 1
        current = chain.step(current)
        weight *= steps_expected / k
        covered += weight
        if len(current) > len(out):
            out.append(0.0)
        out = [o + x * weight for o, x in zip(out, current, strict=True)]
    total = sum(out)
    return _trimmed([x / total for x in out])


def advance(p: list[float], rates: Rates, seconds: float, capacity: int = CAPACITY) -> list[float]:
    """The state ``seconds`` of simulated time later with ``rates`` throughout."""
    if seconds <= 0:
        return list(p)
    steps = rates.uniform_rate * seconds
    if steps * max(len(p), rates.agents + 1) > MAX_WORK:
        return _long_after(p, rates, seconds, capacity)
    chain = _chain(rates, capacity)
    while steps > 0:
        chunk = min(steps, CHUNK_STEPS)
        p = _advance_chunk(p, chain, chunk)
        steps -= chunk
    return p


def _long_after(p: list[float], rates: Rates, seconds: float, capacity: int) -> list[float]:
    """Where the queue is long after: its steady state if the agents keep up, else shifted up by the drift."""
    if erlangc.keeps_up(rates.arrival_rate * rates.handle_seconds, rates.agents):
        return steady_state(rates, capacity)
    shift = max(0, int((rates.arrival_rate - rates.departure_rate(rates.agents)) * seconds))
    out = [0.0] * min(len(p) + shift, capacity + 1)
    for n, x in enumerate(p):
        out[min(n + shift, capacity)] += x
    return out


def settled(p: list[float], rates: Rates, capacity: int = CAPACITY) -> bool:
    """Is ``p`` the steady state already (so advancing it changes nothing)?"""
    steady = steady_state(rates, capacity)
    return sum(abs(a - b) for a, b in zip_longest(p, steady, fillvalue=0.0)) < 1e-9


def waiting(p: list[float], agents: int) -> float:
    """Expected conversations waiting (in the system beyond the agents)."""
    return sum((n - agents) * x for n, x in enumerate(p) if n > agents)


def interacting(p: list[float], agents: int) -> float:
    """Expected agents busy with a conversation."""
    return sum(min(n, agents) * x for n, x in enumerate(p))


def answered_within(p: list[float], rates: Rates, target_seconds: float) -> float:
    """The share of conversations arriving now answered within ``target_seconds``, the agents staying:
    one finding ``n >= N`` in the system waits for ``n - N + 1`` departures at rate ``N/AHT``."""
    n_agents = rates.agents
    if n_agents <= 0:
        return 0.0
    free = sum(x for n, x in enumerate(p) if n < n_agents)
    mean = rates.departure_rate(n_agents) * target_seconds  # departures expected within the target
    term = math.exp(-mean)  # P(Poisson(mean) = 0)
    at_least = 1.0 - term  # P(Poisson(mean) >= 1)
    within = 0.0
    for n in range(n_agents, len(p)):
        within += p[n] * max(at_least, 0.0)
        j = n - n_agents + 1
        term *= mean / j
        at_least -= term
    return free + within
