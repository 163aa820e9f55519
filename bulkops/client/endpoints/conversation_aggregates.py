"""Conversation aggregates per queue over a recent interval: what a queue was offered and how long
its conversations took (``POST /api/v2/analytics/conversations/aggregates/query``).

``ConversationAggregationQuery`` -> ``ConversationAggregateQueryResponse`` in the official SDK
(permission ``analytics:conversationAggregate:view``): an ISO-8601 ``interval``, ``groupBy
["queueId"]``, a filter of ``queueId`` predicates, metrics ``nOffered`` (count), ``tHandle`` (count
and sum in milliseconds) and ``oServiceLevel`` (ratio, and ``target``: the objective). Used by the
plan to predict a queue's service level (#31 §2). A queue offered nothing has no result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.wire import ShapeError, chunks, json_object

AGGREGATES_PATH = "/api/v2/analytics/conversations/aggregates/query"
METRICS = ("nOffered", "tHandle", "oServiceLevel")
#: The recent interval read by default (the half hour workforce planning counts in).
RECENT_MINUTES = 30
PREDICATES_PER_QUERY = 100  # a guess, as the activity query's (the SDK states no limit)


@dataclass(frozen=True, slots=True)
class QueueAggregate:
    """One queue over the interval: conversations offered, their mean handle time, and the service
    level it reached and its objective (None when the answer did not carry them)."""

    queue_id: str
    interval_seconds: float
    offered: int
    handle_seconds: float
    service_level: float | None
    objective: float | None


def recent_interval(minutes: int = RECENT_MINUTES, *, now: datetime | None = None) -> tuple[str, float]:
    """The ISO-8601 interval ending now (to the second) and its length in seconds."""
    end = (now or datetime.now(UTC)).replace(microsecond=0)
    start = end - timedelta(minutes=minutes)
    return f"{_iso(start)}/{_iso(end)}", minutes * 60.0


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def query_body(interval: str, queue_ids: Iterable[str]) -> dict[str, Any]:
    predicates = [{"type": "dimension", "dimension": "queueId", "operator": "matches", "value": q} for q in queue_ids]
    return {"interval": interval, "groupBy": ["queueId"], "filter": {"type": "or", "predicates": predicates}, "metrics": list(METRICS)}


def _obj(data: Any) -> dict[str, Any]:
    return json_object(data, needs=())


def _number(stats: dict[str, Any], key: str) -> float | None:
    v = stats.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ShapeError(f"stats.{key} is not a number")
    return float(v)


def _stats(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """metric -> stats, summed over the result's buckets for counts and sums."""
    out: dict[str, dict[str, Any]] = {}
    for bucket in result.get("data") or []:
        for m in _obj(bucket).get("metrics") or []:
            m = _obj(m)
            stats, seen = _obj(m.get("stats") or {}), out.setdefault(str(m.get("metric")), {})
            for key in ("count", "sum"):
                if (v := _number(stats, key)) is not None:
                    seen[key] = seen.get(key, 0.0) + v
            for key in ("ratio", "target"):
                if (v := _number(stats, key)) is not None:
                    seen[key] = v
    return out


def decode(data: Any, interval_seconds: float) -> list[QueueAggregate]:
    """The response's results as ``QueueAggregate`` (a result without a ``queueId`` group is a ShapeError)."""
    out = []
    for result in _obj(data).get("results") or []:
        result = _obj(result)
        qid = _obj(result.get("group") or {}).get("queueId")
        if not isinstance(qid, str):
            raise ShapeError("an aggregate result without a queueId group")
        stats = _stats(result)
        offered = int(stats.get("nOffered", {}).get("count", 0))
        handle = stats.get("tHandle", {})
        handle_seconds = handle.get("sum", 0.0) / handle["count"] / 1000.0 if handle.get("count") else 0.0
        level = stats.get("oServiceLevel", {})
        out.append(QueueAggregate(qid, interval_seconds, offered, handle_seconds, level.get("ratio"), level.get("target")))
    return out


async def queue_aggregates(
    client: GenesysClient, queue_ids: Iterable[str], *, minutes: int = RECENT_MINUTES, now: datetime | None = None
) -> dict[str, QueueAggregate]:
    """queue id -> its aggregate over the last ``minutes``; queues offered nothing are absent.
    A refusal (403, 404) is the client's ``ApiError`` for the caller to judge."""
    interval, seconds = recent_interval(minutes, now=now)
    out: dict[str, QueueAggregate] = {}
    for chunk in chunks(sorted(set(queue_ids)), PREDICATES_PER_QUERY):
        resp = await client.request("POST", AGGREGATES_PATH, json=query_body(interval, chunk), shape=lambda d: decode(d, seconds))
        out |= {a.queue_id: a for a in resp.data}
    return out
