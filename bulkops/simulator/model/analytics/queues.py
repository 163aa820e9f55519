"""The queue observations and conversation aggregates queries, answered from queue traffic (traffic.py).

``POST /api/v2/analytics/queues/observations/query`` (``QueueObservationQuery`` ->
``QueueObservationQueryResponse``): per queue named in the filter, ``oWaiting``, ``oInteracting`` and
``oOnQueueUsers`` (one value per routing status, the status as ``qualifier``), each as
``ObservationMetricData`` with ``stats.count``.

``POST /api/v2/analytics/conversations/aggregates/query`` (``ConversationAggregationQuery`` ->
``ConversationAggregateQueryResponse``): for a past ``interval`` grouped by ``queueId``, one
``StatisticalResponse`` over the whole interval with ``nOffered`` (count), ``tHandle`` (count and sum
in milliseconds) and ``oServiceLevel`` (numerator, denominator, ratio, target). The figures come from
each queue's process in simulated time (``queuetime.live``): observations as it stands now, an
interval from its history where it has one, else from Erlang C's steady state with the agents on
queue now. The routes parse the body with ``parse_*`` and answer ``*_response``'s value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bulkops.simulator.errors import BAD_REQUEST, INVALID_VALUE, SimApiError, detail
from bulkops.simulator.model.analytics import traffic

if TYPE_CHECKING:
    from bulkops.simulator.model.queuetime.live import LiveQueues

OBSERVATION_METRICS = ("oWaiting", "oInteracting", "oOnQueueUsers")
AGGREGATE_METRICS = ("nOffered", "tHandle", "oServiceLevel")
#: The one dimension the simulator groups and filters aggregates by (its traffic is per queue only).
QUEUE_ID = "queueId"


@dataclass(frozen=True, slots=True)
class ObservationQuery:
    metrics: tuple[str, ...]
    queue_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AggregateQuery:
    interval: str
    start: datetime
    end: datetime
    metrics: tuple[str, ...]
    queue_ids: tuple[str, ...] | None  # None: every queue

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def _refuse(what: str, problems: list[dict[str, str]]) -> SimApiError:
    return SimApiError(400, BAD_REQUEST, f"Invalid {what}: " + ", ".join(p["fieldName"] for p in problems[:10]), problems)


def _metrics(body: dict[str, Any], known: tuple[str, ...], problems: list[dict[str, str]]) -> tuple[str, ...]:
    raw = body.get("metrics")
    if not isinstance(raw, list) or not raw:
        problems.append(detail("metrics", "required"))
        return ()
    for i, m in enumerate(raw):
        if m not in known:
            problems.append(detail(f"metrics[{i}]", INVALID_VALUE))
    return tuple(m for m in raw if m in known)


def _queue_ids(flt: Any, problems: list[dict[str, str]], where: str = "filter") -> list[str]:
    """The queue ids a filter's ``matches`` predicates name (its clauses' too)."""
    if not isinstance(flt, dict) or flt.get("type") not in ("and", "or"):
        problems.append(detail(f"{where}.type", INVALID_VALUE))
        return []
    out: list[str] = []
    for i, p in enumerate(flt.get("predicates") or []):
        if not isinstance(p, dict) or p.get("dimension") != QUEUE_ID or not isinstance(p.get("value"), str):
            problems.append(detail(f"{where}.predicates[{i}]", INVALID_VALUE))
        else:
            out.append(p["value"])
    for i, clause in enumerate(flt.get("clauses") or []):
        out += _queue_ids(clause, problems, f"{where}.clauses[{i}]")
    return list(dict.fromkeys(out))


def parse_observation_query(body: Any) -> ObservationQuery:
    """A validated queue observation query; it must name its queues (a filter on ``queueId``)."""
    if not isinstance(body, dict):
        raise SimApiError(400, BAD_REQUEST, "The request body must be a JSON object (QueueObservationQuery).")
    problems: list[dict[str, str]] = []
    metrics = _metrics(body, OBSERVATION_METRICS, problems)
    queue_ids = _queue_ids(body.get("filter"), problems) if "filter" in body else []
    if not queue_ids and not problems:
        problems.append(detail("filter", "required"))
    if problems:
        raise _refuse("queue observation query", problems)
    return ObservationQuery(metrics, tuple(queue_ids))


def _instant(text: str) -> datetime:
    t = datetime.fromisoformat(text)
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)  # no offset: UTC, as the platform reads it


def interval_bounds(interval: Any) -> tuple[datetime, datetime] | None:
    """The start and end of an ISO-8601 ``start/end`` interval, or None when it is not one (or not forward)."""
    if not isinstance(interval, str) or interval.count("/") != 1:
        return None
    start, end = interval.split("/")
    try:
        bounds = _instant(start), _instant(end)
    except (ValueError, TypeError):
        return None
    return bounds if bounds[1] > bounds[0] else None


def parse_aggregate_query(body: Any) -> AggregateQuery:
    """A validated conversation aggregation query: an interval, known metrics, grouped by ``queueId``."""
    if not isinstance(body, dict):
        raise SimApiError(400, BAD_REQUEST, "The request body must be a JSON object (ConversationAggregationQuery).")
    problems: list[dict[str, str]] = []
    bounds = interval_bounds(body.get("interval"))
    if bounds is None:
        problems.append(detail("interval", INVALID_VALUE))
    metrics = _metrics(body, AGGREGATE_METRICS, problems)
    if body.get("groupBy") != [QUEUE_ID]:
        problems.append(detail("groupBy", INVALID_VALUE))
    queue_ids = _queue_ids(body["filter"], problems) if body.get("filter") is not None else None
    if problems or bounds is None:
        raise _refuse("conversation aggregation query", problems)
    return AggregateQuery(str(body["interval"]), bounds[0], bounds[1], metrics, tuple(queue_ids) if queue_ids is not None else None)


# ---------------------------------------------------------------------- answering
def _observed(metric: str, r: traffic.QueueReading) -> list[dict[str, Any]]:
    if metric == "oWaiting":
        return [{"metric": metric, "stats": {"count": r.waiting}}]
    if metric == "oInteracting":
        return [{"metric": metric, "stats": {"count": r.interacting}}]
    return [{"metric": metric, "qualifier": status, "stats": {"count": n}} for status, n in r.on_queue.items()]


def observation_response(live: LiveQueues, query: ObservationQuery) -> dict[str, Any]:
    """``QueueObservationQueryResponse``: one result per queue named that has traffic, as it stands now."""
    results = []
    for r in live.readings(list(query.queue_ids)):
        data = [value for metric in query.metrics for value in _observed(metric, r)]
        results.append({"group": {QUEUE_ID: r.queue_id}, "data": data})
    return {"results": results}


def _aggregated(metric: str, offered: int, level: float, t: traffic.QueueTraffic) -> dict[str, Any]:
    if metric == "nOffered":
        return {"metric": metric, "stats": {"count": offered}}
    if metric == "tHandle":
        handle_ms = t.handle_seconds * 1000.0
        return {"metric": metric, "stats": {"max": handle_ms, "min": handle_ms, "count": offered, "sum": handle_ms * offered}}
    within = round(level * offered)
    return {"metric": metric, "stats": {"numerator": within, "denominator": offered, "ratio": within / offered, "target": t.objective}}


def _offered_and_level(live: LiveQueues, r: traffic.QueueReading, t: traffic.QueueTraffic, query: AggregateQuery) -> tuple[float, float]:
    """Conversations offered in the interval and the share answered within the target: the queue's
    history where it has one, Erlang C's steady state with today's agents for the rest."""
    seen = live.covered(r.queue_id, query.start, query.end)
    rest = max(0.0, query.seconds - seen.seconds) * t.arrivals / traffic.INTERVAL_SECONDS
    offered = seen.offered + rest
    within = seen.within + rest * r.prediction.service_level
    return offered, (within / offered if offered > 0 else 0.0)


def aggregate_response(live: LiveQueues, query: AggregateQuery) -> dict[str, Any]:
    """``ConversationAggregateQueryResponse``: per queue offered anything in the interval, one
    ``StatisticalResponse`` spanning it."""
    queue_ids = list(query.queue_ids) if query.queue_ids is not None else sorted(live.runs)
    results = []
    for r in live.readings(queue_ids):
        t = live.runs[r.queue_id].traffic
        expected, level = _offered_and_level(live, r, t, query)
        offered = round(expected)
        if offered == 0:
            continue
        metrics = [_aggregated(m, offered, level, t) for m in query.metrics]
        results.append({"group": {QUEUE_ID: r.queue_id}, "data": [{"interval": query.interval, "metrics": metrics}]})
    return {"results": results}
