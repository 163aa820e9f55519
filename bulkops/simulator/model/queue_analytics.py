"""The queue observations and conversation aggregates queries, answered from queue traffic (traffic.py).

``POST /api/v2/analytics/queues/observations/query`` (``QueueObservationQuery`` ->
``QueueObservationQueryResponse``): per queue named in the filter, ``oWaiting``, ``oInteracting`` and
``oOnQueueUsers`` (one value per routing status, the status as ``qualifier``), each as
``ObservationMetricData`` with ``stats.count``.

``POST /api/v2/analytics/conversations/aggregates/query`` (``ConversationAggregationQuery`` ->
``ConversationAggregateQueryResponse``): for a past ``interval`` grouped by ``queueId``, one
``StatisticalResponse`` over the whole interval with ``nOffered`` (count), ``tHandle`` (count and sum
in milliseconds) and ``oServiceLevel`` (numerator, denominator, ratio, target). Pure: the routes parse
the body with ``parse_*`` and answer ``*_response``'s value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bulkops.simulator.errors import BAD_REQUEST, INVALID_VALUE, SimApiError, detail
from bulkops.simulator.model import traffic

if TYPE_CHECKING:
    from bulkops.simulator.model.org import Org

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
    seconds: float
    metrics: tuple[str, ...]
    queue_ids: tuple[str, ...] | None  # None: every queue


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


def interval_seconds(interval: Any) -> float | None:
    """The length of an ISO-8601 ``start/end`` interval, or None when it is not one (or not forward)."""
    if not isinstance(interval, str) or interval.count("/") != 1:
        return None
    start, end = interval.split("/")
    try:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (ValueError, TypeError):
        return None
    return seconds if seconds > 0 else None


def parse_aggregate_query(body: Any) -> AggregateQuery:
    """A validated conversation aggregation query: an interval, known metrics, grouped by ``queueId``."""
    if not isinstance(body, dict):
        raise SimApiError(400, BAD_REQUEST, "The request body must be a JSON object (ConversationAggregationQuery).")
    problems: list[dict[str, str]] = []
    seconds = interval_seconds(body.get("interval"))
    if seconds is None:
        problems.append(detail("interval", INVALID_VALUE))
    metrics = _metrics(body, AGGREGATE_METRICS, problems)
    if body.get("groupBy") != [QUEUE_ID]:
        problems.append(detail("groupBy", INVALID_VALUE))
    queue_ids = _queue_ids(body["filter"], problems) if body.get("filter") is not None else None
    if problems:
        raise _refuse("conversation aggregation query", problems)
    return AggregateQuery(str(body["interval"]), float(seconds or 0), metrics, tuple(queue_ids) if queue_ids is not None else None)


# ---------------------------------------------------------------------- answering
def _observed(metric: str, r: traffic.QueueReading) -> list[dict[str, Any]]:
    if metric == "oWaiting":
        return [{"metric": metric, "stats": {"count": r.waiting}}]
    if metric == "oInteracting":
        return [{"metric": metric, "stats": {"count": r.interacting}}]
    return [{"metric": metric, "qualifier": status, "stats": {"count": n}} for status, n in r.on_queue.items()]


def observation_response(org: Org, query: ObservationQuery) -> dict[str, Any]:
    """``QueueObservationQueryResponse``: one result per queue named that has traffic."""
    results = []
    for r in traffic.readings(org, list(query.queue_ids)):
        data = [value for metric in query.metrics for value in _observed(metric, r)]
        results.append({"group": {QUEUE_ID: r.queue_id}, "data": data})
    return {"results": results}


def _aggregated(metric: str, offered: int, r: traffic.QueueReading, t: traffic.QueueTraffic) -> dict[str, Any]:
    if metric == "nOffered":
        return {"metric": metric, "stats": {"count": offered}}
    if metric == "tHandle":
        handle_ms = t.handle_seconds * 1000.0
        return {"metric": metric, "stats": {"max": handle_ms, "min": handle_ms, "count": offered, "sum": handle_ms * offered}}
    within = round(r.prediction.service_level * offered)
    return {"metric": metric, "stats": {"numerator": within, "denominator": offered, "ratio": within / offered, "target": t.objective}}


def aggregate_response(org: Org, query: AggregateQuery) -> dict[str, Any]:
    """``ConversationAggregateQueryResponse``: per queue offered anything in the interval, one
    ``StatisticalResponse`` spanning it (the simulator keeps no history: today's agents answer)."""
    queue_ids = list(query.queue_ids) if query.queue_ids is not None else sorted(org.queue_traffic)
    results = []
    for r in traffic.readings(org, queue_ids):
        t = traffic.traffic_of(org, r.queue_id)
        offered = round(t.arrivals * query.seconds / traffic.INTERVAL_SECONDS) if t is not None else 0
        if t is None or offered == 0:
            continue
        metrics = [_aggregated(m, offered, r, t) for m in query.metrics]
        results.append({"group": {QUEUE_ID: r.queue_id}, "data": [{"interval": query.interval, "metrics": metrics}]})
    return {"results": results}
