"""The health gate of a run in waves (#31 §3): conditions on the affected queues' live readings.

A condition is ``[QUEUE:]METRIC OP NUMBER``, e.g. ``waiting<=10``, ``serviceLevel>=0.8`` (or
``80%``), ``onQueue>=3``, ``"Support ES:waiting<=3"``. Without a queue it holds for every queue the
job affects; with one, for that queue only (its name is everything before the last ``:``, so a
name may hold a ``:`` itself). Metrics are the ones the client reads (``METRICS``): anything else is
refused with the text and the 1-based column where it goes wrong, before anything is sent. Pure.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Metric = Literal["waiting", "interacting", "onQueue", "serviceLevel"]
#: What each gate metric is read from: the queue observations (``oWaiting``, ``oInteracting``,
#: ``oOnQueueUsers`` summed over routing statuses) and the recent aggregates (``oServiceLevel``).
METRICS: dict[str, Metric] = {"waiting": "waiting", "interacting": "interacting", "onQueue": "onQueue", "serviceLevel": "serviceLevel"}
#: Where each metric comes from in the API, for messages and docs.
SOURCES: dict[Metric, str] = {"waiting": "oWaiting", "interacting": "oInteracting", "onQueue": "oOnQueueUsers", "serviceLevel": "oServiceLevel"}
Op = Literal["<=", ">=", "<", ">", "=="]
OPS: dict[Op, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "==": operator.eq}
_OP = re.compile(r"<=|>=|==|<|>")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?%?")


class GateError(ValueError):
    """A gate condition that cannot be read: the text, the 1-based column and why."""

    def __init__(self, text: str, column: int, reason: str):
        self.text, self.column, self.reason = text, column, reason
        super().__init__(f"bad gate {text!r} at column {column}: {reason}")


@dataclass(frozen=True, slots=True)
class Condition:
    """One gate condition; ``queue`` None: every queue the job affects."""

    metric: Metric
    op: Op
    threshold: float
    queue: str | None = None

    def holds(self, value: float) -> bool:
        return OPS[self.op](value, self.threshold)

    def __str__(self) -> str:
        shown = f"{self.threshold:g}"
        return f"{self.queue + ':' if self.queue is not None else ''}{self.metric}{self.op}{shown}"


@dataclass(frozen=True, slots=True)
class Gate:
    conditions: tuple[Condition, ...] = ()

    @property
    def queues_named(self) -> tuple[str, ...]:
        """Queue names the conditions name, in order, once each."""
        return tuple(dict.fromkeys(c.queue for c in self.conditions if c.queue is not None))

    @property
    def needs_service_level(self) -> bool:
        return any(c.metric == "serviceLevel" for c in self.conditions)


@dataclass(frozen=True, slots=True)
class Breach:
    """A condition a queue's reading fails."""

    queue: str  # name
    condition: Condition
    value: float

    def __str__(self) -> str:
        return f"queue {self.queue!r}: {self.condition.metric} {self.value:g} fails {self.condition}"


def parse_condition(text: str) -> Condition:
    """One condition (see the module doc); ``GateError`` names where it goes wrong."""
    head, colon, body = text.rpartition(":")
    offset = len(head) + len(colon)  # where the metric part starts in ``text``
    queue = head.strip() if colon else None
    if colon and not queue:
        raise GateError(text, 1, "a queue name is empty before ':'")
    m = _OP.search(body)
    if m is None:
        raise GateError(text, offset + 1, "no comparison (one of <=, >=, <, >, ==)")
    name = body[: m.start()].strip()
    metric = METRICS.get(name)
    if metric is None:
        where = offset + 1 + (len(body[: m.start()]) - len(body[: m.start()].lstrip()))
        known = ", ".join(METRICS)
        raise GateError(text, where, f"{name or 'nothing'!r} is not a metric the client reads (known: {known})")
    op: Op = m.group(0)  # type: ignore[assignment]  # _OP matches only OPS' keys
    threshold = _threshold(text, offset + m.end(), body[m.end() :], metric)
    return Condition(metric, op, threshold, queue)


def _threshold(text: str, start: int, raw: str, metric: Metric) -> float:
    """The number after the comparison (``start``: its 0-based offset in ``text``); a percentage
    is a share, so ``80%`` is 0.8; a service level is a share of 0..1, a count is not negative."""
    lead = len(raw) - len(raw.lstrip())
    number = raw.strip()
    column = start + lead + 1
    if not _NUMBER.fullmatch(number):
        raise GateError(text, column, f"{number or 'nothing'!r} is not a number")
    value = float(number.rstrip("%")) / (100.0 if number.endswith("%") else 1.0)
    if metric == "serviceLevel" and not 0.0 <= value <= 1.0:
        raise GateError(text, column, "a service level is a share between 0 and 1 (or 0% and 100%)")
    if not math.isfinite(value):
        raise GateError(text, column, "not a finite number")
    return value


def parse_gate(texts: Iterable[str]) -> Gate:
    """Every ``--gate`` given, in order; the first bad one raises ``GateError``."""
    return Gate(tuple(parse_condition(t) for t in texts))


def unknown_queues(gate: Gate, known: Iterable[str]) -> list[str]:
    """Queue names the gate names that ``known`` (the org's queue names) lacks."""
    names = set(known)
    return [q for q in gate.queues_named if q not in names]


def breaches(gate: Gate, readings: Mapping[str, Mapping[Metric, float | None]]) -> list[Breach]:
    """Every condition a queue's reading fails (queue name -> metric -> value; a value the answer
    did not carry, None, cannot breach). A condition without a queue applies to every queue read."""
    out = []
    for queue, values in readings.items():
        for c in gate.conditions:
            if c.queue is not None and c.queue != queue:
                continue
            value = values.get(c.metric)
            if value is not None and not c.holds(value):
                out.append(Breach(queue, c, value))
    return out
