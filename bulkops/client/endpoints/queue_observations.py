"""What a queue shows now, for the gate of a run in waves (#31 §3): waiting, interacting and agents on
queue (``POST /api/v2/analytics/queues/observations/query``), and, when the gate asks for it, the
service level over the last minutes (the conversation aggregates, ``conversation_aggregates.py``).

``QueueObservationQuery`` -> ``QueueObservationQueryResponse`` in the official SDK (permission
``analytics:queueObservation:view``): a filter of ``queueId`` predicates and metrics ``oWaiting``,
``oInteracting`` (``stats.count``) and ``oOnQueueUsers`` (one value per routing status, the status as
``qualifier``: summed here). A queue with no result in the answer is unread, not zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.conversation_aggregates import queue_aggregates
from bulkops.client.wire import ShapeError, chunks, json_object

OBSERVATIONS_PATH = "/api/v2/analytics/queues/observations/query"
METRICS = ("oWaiting", "oInteracting", "oOnQueueUsers")
PREDICATES_PER_QUERY = 100  # a guess, as the aggregates' (the SDK states no limit)
#: The service level a gate reads is the aggregates' over this many last minutes.
SERVICE_LEVEL_MINUTES = 15


@dataclass(frozen=True, slots=True)
class QueueObservation:
    """One queue now; ``service_level`` None when not asked for or the answer had none."""

    queue_id: str
    waiting: int
    interacting: int
    on_queue: Mapping[str, int] = field(default_factory=dict)  # routing status -> agents
    service_level: float | None = None

    @property
    def agents_on_queue(self) -> int:
        return sum(self.on_queue.values())


def query_body(queue_ids: Iterable[str]) -> dict[str, Any]:
    predicates = [{"type": "dimension", "dimension": "queueId", "operator": "matches", "value": q} for q in queue_ids]
    return {"filter": {"type": "or", "predicates": predicates}, "metrics": list(METRICS)}


def _count(entry: dict[str, Any]) -> int:
    stats = json_object(entry.get("stats") or {}, needs=())
    v = stats.get("count", 0)
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ShapeError(f"{entry.get('metric')}.stats.count is not a number")
    return int(v)


def _observation(result: dict[str, Any]) -> QueueObservation:
    qid = json_object(result.get("group") or {}, needs=()).get("queueId")
    if not isinstance(qid, str):
        raise ShapeError("an observation result without a queueId group")
    waiting = interacting = 0
    on_queue: dict[str, int] = {}
    for raw in result.get("data") or []:
        entry = json_object(raw, needs=("metric",))
        metric = entry["metric"]
        if metric == "oWaiting":
            waiting += _count(entry)
        elif metric == "oInteracting":
            interacting += _count(entry)
        elif metric == "oOnQueueUsers":
            status = str(entry.get("qualifier") or "")
            on_queue[status] = on_queue.get(status, 0) + _count(entry)
    return QueueObservation(qid, waiting, interacting, on_queue)


def decode(data: Any) -> list[QueueObservation]:
    """The response's results as ``QueueObservation`` (a result without a ``queueId`` group, or a
    count that is not a number, is a ShapeError: the client's malformed answer)."""
    results = json_object(data, needs=()).get("results") or []
    if not isinstance(results, list):
        raise ShapeError("results is not a list")
    return [_observation(json_object(r, needs=())) for r in results]


async def queue_observations(client: GenesysClient, queue_ids: Iterable[str], *, service_level: bool = False) -> dict[str, QueueObservation]:
    """queue id -> what it shows now; a queue the answer leaves out is absent (unread: never read
    as zero, which could pass a gate such as ``waiting<=3``); with ``service_level``, each with the
    aggregates' ``oServiceLevel`` ratio over the last minutes. A refusal (403, 404) is the client's
    ``ApiError`` for the caller to judge."""
    ids = sorted(set(queue_ids))
    out: dict[str, QueueObservation] = {}
    for chunk in chunks(ids, PREDICATES_PER_QUERY):
        resp = await client.request("POST", OBSERVATIONS_PATH, json=query_body(chunk), shape=decode)
        out |= {o.queue_id: o for o in resp.data if o.queue_id in chunk}
    if service_level and ids:
        levels = await queue_aggregates(client, ids, minutes=SERVICE_LEVEL_MINUTES)
        out = {qid: _with_level(o, levels[qid].service_level if qid in levels else None) for qid, o in out.items()}
    return out


def _with_level(o: QueueObservation, level: float | None) -> QueueObservation:
    return QueueObservation(o.queue_id, o.waiting, o.interacting, o.on_queue, level)
