"""The service level a queue has now and the one predicted with the agents a job leaves it (#31 §2).

From the queue's recent conversation aggregates (offered count and mean handle time over the last
half hour) and its agents on queue now and after the job, Erlang C (``bulkops.domain.rollout.erlangc``)
gives the share answered within the target answer time. It is a model (steady state, Poisson
arrivals, no abandonment), not a forecast, and the plan says so. The objective is the one the
aggregates carry (``oServiceLevel.target``); the answer-time target, which they do not carry, and
an objective they lack are the simulator's guess: 20 s and 80%.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.conversation_aggregates import QueueAggregate, queue_aggregates
from bulkops.domain.rollout import erlangc
from bulkops.errors import AuthError, BulkopsError, NotFoundError

TARGET_SECONDS = 20.0
OBJECTIVE = 0.8
MODEL_NOTE = "Erlang C model, not a forecast"


@dataclass(frozen=True, slots=True)
class QueueServiceLevel:
    """One queue's service level now and predicted, with what they came from."""

    queue: str  # name
    agents_now: int
    agents_after: int
    offered: int
    interval_seconds: float
    handle_seconds: float
    target_seconds: float
    objective: float
    objective_read: bool  # False: the aggregates carried none and OBJECTIVE stands in
    measured: float | None  # what the aggregates say the interval reached
    now: float  # the model with the agents on queue now
    predicted: float  # the model with the agents the job leaves

    @property
    def falls_below(self) -> bool:
        """The job takes the queue below its objective (or further below it)."""
        return self.predicted < self.objective and self.predicted < self.now


def service_level_of(name: str, agg: QueueAggregate, agents_now: int, agents_after: int) -> QueueServiceLevel:
    """Erlang C for the queue's recent load with its agents now and after (pure)."""
    load = erlangc.OfferedLoad(agg.offered, agg.interval_seconds, agg.handle_seconds)
    objective = agg.objective if agg.objective is not None and 0 < agg.objective <= 1 else OBJECTIVE
    return QueueServiceLevel(
        queue=name,
        agents_now=agents_now,
        agents_after=agents_after,
        offered=agg.offered,
        interval_seconds=agg.interval_seconds,
        handle_seconds=agg.handle_seconds,
        target_seconds=TARGET_SECONDS,
        objective=objective,
        objective_read=objective == agg.objective,
        measured=agg.service_level,
        now=erlangc.service_level(load, agents_now, TARGET_SECONDS),
        predicted=erlangc.service_level(load, agents_after, TARGET_SECONDS),
    )


@dataclass(frozen=True, slots=True)
class Staffing:
    """A queue the job takes agents on queue from: its name, agents now and after."""

    name: str
    now: int
    after: int


async def predict(client: GenesysClient, staffing: Mapping[str, Staffing]) -> tuple[str, tuple[QueueServiceLevel, ...]]:
    """("read" or why not, the predictions) for the queues given (queue id -> staffing). A refusal
    of the aggregates query (403, 404) or its failure makes the prediction unavailable, never the plan fail."""
    if not staffing:
        return "not needed", ()
    try:
        aggregates = await queue_aggregates(client, staffing)
    except (AuthError, NotFoundError) as exc:
        return f"unavailable: the conversation aggregates query was refused (HTTP {exc.status}; needs analytics:conversationAggregate:view)", ()
    except BulkopsError as exc:
        return f"unavailable: the conversation aggregates query failed ({exc})", ()
    levels = tuple(service_level_of(s.name, aggregates[qid], s.now, s.after) for qid, s in staffing.items() if qid in aggregates)
    return "read", levels
