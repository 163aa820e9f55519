"""What a plan reads to show the impact on routing: queues with their member groups and counts,
and who is on queue now (``POST /api/v2/analytics/routing/activity/query``).

Typed calls on a ``GenesysClient`` plus their records and decoders. The activity query
(``RoutingActivityQuery`` -> ``RoutingActivityResponse`` in the official SDK; permission
``analytics:queueObservation:view``) is filtered on the queues (an ``or`` of ``queueId``
predicates, and an ``and`` with an ``or`` of ``userId`` predicates to narrow it to some users),
100 predicates to a clause (a guess: the SDK states no limit; more are split over several queries),
and paged with ``pageSize`` and ``pageNumber`` until a short page (the response carries no total). A
result the platform marks ``truncated`` makes the picture partial (``LivePicture.truncated``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints import routing_records as rec
from bulkops.client.wire import ShapeError, chunks, is_int, json_object

ACTIVITY_PATH = "/api/v2/analytics/routing/activity/query"
QUEUES_PATH = "/api/v2/routing/queues"
PREDICATES_PER_CLAUSE = 100
ACTIVITY_PAGE = 100
QUEUES_PAGE = 100


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """A queue as the impact needs it: its members counted (``memberCount`` every member,
    ``userMemberCount`` the direct ones), its member groups, and each ring's skills to remove."""

    id: str
    name: str
    member_count: int
    user_member_count: int
    member_groups: tuple[rec.MemberGroupRef, ...]
    ring_skills: tuple[tuple[str, ...], ...]  # per bullseye ring, the skill ids it removes

    @property
    def skill_group_ids(self) -> frozenset[str]:
        return frozenset(g.id for g in self.member_groups if g.type == "SKILLGROUP")

    @property
    def other_groups(self) -> tuple[rec.MemberGroupRef, ...]:
        """Groups and teams: their members are not known here (no groups API read)."""
        return tuple(g for g in self.member_groups if g.type != "SKILLGROUP")


def queue_counts(data: Any) -> QueueCounts:
    q = rec.queue_config(data)
    counts = json_object(data)
    total, direct = counts.get("memberCount"), counts.get("userMemberCount")
    if (total is not None and not is_int(total)) or (direct is not None and not is_int(direct)):
        raise ShapeError("memberCount/userMemberCount is not an integer")
    direct = direct if direct is not None else total or 0
    return QueueCounts(q.id, q.name, total if total is not None else direct, direct, q.member_groups, tuple(r.skills_to_remove for r in q.rings))


async def list_queues(client: GenesysClient, ids: Iterable[str] | None = None) -> list[QueueCounts]:
    """Every queue (``ids`` None), or those named, 100 ids a request."""
    if ids is None:
        return [queue_counts(e) for e in await client.all_entities(QUEUES_PATH, page_size=QUEUES_PAGE)]
    out: list[QueueCounts] = []
    for chunk in chunks(sorted(set(ids)), QUEUES_PAGE):
        entities = await client.all_entities(QUEUES_PATH, params={"id": chunk}, page_size=QUEUES_PAGE)
        out += [queue_counts(e) for e in entities]
    return out


# ---------------------------------------------------------------------- routing activity
@dataclass(frozen=True, slots=True)
class ActivityResult:
    """One group of a ``RoutingActivityResponse``: its dimension values and each metric's count."""

    group: Mapping[str, str]
    counts: Mapping[str, int]
    #: The platform cut this result short (``RoutingActivityData.truncated``): its figures are partial.
    truncated: bool = False


def activity_page(data: Any) -> list[ActivityResult]:
    body = json_object(data, needs=())
    results = body.get("results") or []
    if not isinstance(results, list):
        raise ShapeError("'results' is not a list")
    out: list[ActivityResult] = []
    for r in results:
        r = json_object(r, needs=())
        group = r.get("group") or {}
        if not isinstance(group, dict) or not all(isinstance(v, str) for v in group.values()):
            raise ShapeError("a result whose 'group' is not a map of strings")
        counts: dict[str, int] = {}
        for d in r.get("data") or []:
            d = json_object(d, needs=("metric",))
            if not is_int(d.get("count", 0)):
                raise ShapeError("a metric whose 'count' is not an integer")
            if d.get("qualifier") is None:
                counts[d["metric"]] = counts.get(d["metric"], 0) + int(d.get("count", 0))
        truncated = r.get("truncated", False)
        if not isinstance(truncated, bool):
            raise ShapeError("a result whose 'truncated' is not a boolean")
        out.append(ActivityResult(MappingProxyType(dict(group)), MappingProxyType(counts), truncated))
    return out


async def activity(client: GenesysClient, body: Mapping[str, Any]) -> list[ActivityResult]:
    """Every result of one query, page by page until a short page."""
    out: list[ActivityResult] = []
    number = 1
    while True:
        resp = await client.request("POST", ACTIVITY_PATH, params={"pageSize": ACTIVITY_PAGE, "pageNumber": number}, json=dict(body), shape=activity_page)
        page: list[ActivityResult] = resp.data
        out += page
        if len(page) < ACTIVITY_PAGE:
            return out
        number += 1


def _either(dimension: str, values: Iterable[str]) -> dict[str, Any]:
    return {"type": "or", "predicates": [{"type": "dimension", "dimension": dimension, "operator": "matches", "value": v} for v in values]}


@dataclass(frozen=True, slots=True)
class LivePicture:
    """Who is on queue now: agents per queue, which of some users are among them, and the queues
    whose answer the platform truncated (their figures are then at least, not exact)."""

    on_queue: Mapping[str, int]
    among: Mapping[str, frozenset[str]]
    truncated: frozenset[str] = frozenset()

    @property
    def partial(self) -> bool:
        return bool(self.truncated)


async def live_picture(client: GenesysClient, queue_ids: Iterable[str], user_ids: Iterable[str]) -> LivePicture:
    """``on_queue_now`` and ``on_queue_among`` read together, with what was truncated."""
    cut: set[str] = set()
    now = await _on_queue_now(client, queue_ids, cut)
    among = await _on_queue_among(client, queue_ids, user_ids, cut)
    return LivePicture(MappingProxyType(now), MappingProxyType({q: frozenset(u) for q, u in among.items()}), frozenset(cut))


def _note_truncated(r: ActivityResult, chunk: list[str], cut: set[str]) -> None:
    """A truncated result marks its queue (every queue of the query when it names none)."""
    if r.truncated:
        qid = r.group.get("queueId")
        cut.update([qid] if qid is not None else chunk)


async def on_queue_now(client: GenesysClient, queue_ids: Iterable[str]) -> dict[str, int]:
    """Agents on queue now per queue (``oOnQueueUsers``); a queue with nobody observed is 0."""
    return await _on_queue_now(client, queue_ids, set())


async def _on_queue_now(client: GenesysClient, queue_ids: Iterable[str], cut: set[str]) -> dict[str, int]:
    """One query per ``PREDICATES_PER_CLAUSE`` queues (the clause cap)."""
    ids = sorted(set(queue_ids))
    out = dict.fromkeys(ids, 0)
    for chunk in chunks(ids, PREDICATES_PER_CLAUSE):
        body = {"metrics": [{"metric": "oOnQueueUsers"}], "groupBy": ["queueId"], "filter": _either("queueId", chunk)}
        for r in await activity(client, body):
            _note_truncated(r, chunk, cut)
            qid = r.group.get("queueId")
            if qid in out:
                out[qid] = r.counts.get("oOnQueueUsers", 0)
    return out


async def on_queue_among(client: GenesysClient, queue_ids: Iterable[str], user_ids: Iterable[str]) -> dict[str, set[str]]:
    """Which of ``user_ids`` are on queue now in each queue (grouped by queue and user)."""
    return await _on_queue_among(client, queue_ids, user_ids, set())


async def _on_queue_among(client: GenesysClient, queue_ids: Iterable[str], user_ids: Iterable[str], cut: set[str]) -> dict[str, set[str]]:
    """One query per ``PREDICATES_PER_CLAUSE`` queues times as many users (each clause at the cap)."""
    queues, users = sorted(set(queue_ids)), sorted(set(user_ids))
    out: dict[str, set[str]] = {q: set() for q in queues}
    for qchunk in chunks(queues, PREDICATES_PER_CLAUSE):
        for uchunk in chunks(users, PREDICATES_PER_CLAUSE):
            body = {
                "metrics": [{"metric": "oOnQueueUsers"}],
                "groupBy": ["queueId", "userId"],
                "filter": {"type": "and", "clauses": [_either("queueId", qchunk), _either("userId", uchunk)]},
            }
            for r in await activity(client, body):
                _note_truncated(r, qchunk, cut)
                qid, uid = r.group.get("queueId"), r.group.get("userId")
                if qid in out and uid is not None and r.counts.get("oOnQueueUsers", 0) > 0:
                    out[qid].add(uid)
    return out
