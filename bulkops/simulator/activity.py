"""Who is on queue now: a routing status per user, and the routing activity query answered from it.

``POST /api/v2/analytics/routing/activity/query`` (``RoutingActivityQuery`` -> ``RoutingActivityResponse``
in the official SDK) observes users per queue. The simulator builds one observation per (queue,
member): the queue's id, the user's id, the user's routing status (``Org.routing_status``; a user
without one is OFF_QUEUE) and the membership status (``active`` when the member is joined;
members through a group are joined). Metrics over a group of observations:

- ``oMemberUsers``: every member; ``oActiveUsers``: the joined ones;
- ``oOnQueueUsers``: joined and on queue (any routing status but OFF_QUEUE);
- ``oOffQueueUsers``: joined and OFF_QUEUE;
- ``oUserRoutingStatuses``: joined members counted per routing status (``qualifier``).

``details: true`` adds ``entityIds`` (user ids) to the metric and up to ``MAX_ENTITIES`` entities to
the group. Pure: the route parses the body with ``parse_query`` and answers ``run_query``'s value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import BAD_REQUEST, INVALID_VALUE, SimApiError, detail
from .skillgroups import derived_members

if TYPE_CHECKING:
    from .org import Org

ROUTING_STATUSES = ("OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING", "COMMUNICATING")
METRICS = ("oActiveUsers", "oMemberUsers", "oOffQueueUsers", "oOnQueueUsers", "oUserRoutingStatuses")
#: The SDK's dimensions the simulator can observe (it keeps no presences, dates or teams).
DIMENSIONS = ("queueId", "userId", "routingStatus", "queueMembershipStatus")
OPERATORS = ("matches", "exists", "notExists")
#: Entities a group lists with ``details`` before it says ``truncated`` (a guess: the SDK names no number).
MAX_ENTITIES = 100
#: Results a page holds by default, and at most (guesses: the SDK documents pageSize without bounds).
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
#: The permission the SDK's docs name for this query ("Requires ANY permissions").
PERMISSION = "analytics:queueObservation:view"


@dataclass(frozen=True, slots=True)
class Observation:
    queueId: str  # noqa: N815 - the dimension's wire name
    userId: str  # noqa: N815
    routingStatus: str  # noqa: N815
    queueMembershipStatus: str  # noqa: N815

    def get(self, dimension: str) -> str:
        value: str = getattr(self, dimension)
        return value

    @property
    def on_queue(self) -> bool:
        return self.queueMembershipStatus == "active" and self.routingStatus != "OFF_QUEUE"


@dataclass(frozen=True, slots=True)
class Query:
    metrics: tuple[tuple[str, bool], ...]  # (metric, details)
    group_by: tuple[str, ...]
    filter: dict[str, Any] | None
    order: str


def set_status(org: Org, user_id: str, status: str) -> None:
    """Put a user on queue (any status but OFF_QUEUE) or take them off it."""
    org.user(user_id)
    if status not in ROUTING_STATUSES:
        raise ValueError(f"routing status must be one of {', '.join(ROUTING_STATUSES)}")
    if status == "OFF_QUEUE":
        org.routing_status.pop(user_id, None)
    else:
        org.routing_status[user_id] = status


# ---------------------------------------------------------------------- parsing
def parse_query(body: Any) -> Query:
    """A validated ``RoutingActivityQuery``; every problem is reported at once (400)."""
    if not isinstance(body, dict):
        raise SimApiError(400, BAD_REQUEST, "The request body must be a JSON object (RoutingActivityQuery).")
    problems: list[dict[str, str]] = []
    metrics: list[tuple[str, bool]] = []
    raw_metrics = body.get("metrics")
    if not isinstance(raw_metrics, list) or not raw_metrics:
        problems.append(detail("metrics", "required"))
        raw_metrics = []
    for i, m in enumerate(raw_metrics):
        name = m.get("metric") if isinstance(m, dict) else None
        if name not in METRICS:
            problems.append(detail(f"metrics[{i}].metric", INVALID_VALUE))
            continue
        metrics.append((name, bool(m.get("details", False))))
    group_by = body.get("groupBy") or []
    if not isinstance(group_by, list) or any(g not in DIMENSIONS for g in group_by):
        problems.append(detail("groupBy", INVALID_VALUE))
        group_by = []
    order = body.get("order") or "asc"
    if order not in ("asc", "desc", "unordered"):
        problems.append(detail("order", INVALID_VALUE))
    flt = body.get("filter")
    if flt is not None:
        _check_filter(flt, "filter", problems, depth=0)
    if problems:
        raise SimApiError(400, BAD_REQUEST, "Invalid routing activity query: " + ", ".join(p["fieldName"] for p in problems[:10]), problems)
    return Query(tuple(metrics), tuple(group_by), flt, order)


def _check_filter(f: Any, where: str, problems: list[dict[str, str]], *, depth: int) -> None:
    if not isinstance(f, dict) or f.get("type") not in ("and", "or"):
        problems.append(detail(f"{where}.type", INVALID_VALUE))
        return
    for i, p in enumerate(f.get("predicates") or []):
        at = f"{where}.predicates[{i}]"
        if not isinstance(p, dict) or p.get("dimension") not in DIMENSIONS:
            problems.append(detail(f"{at}.dimension", INVALID_VALUE))
        elif p.get("type", "dimension") != "dimension" or p.get("operator", "matches") not in OPERATORS:
            problems.append(detail(f"{at}.operator", INVALID_VALUE))
        elif p.get("operator", "matches") == "matches" and not isinstance(p.get("value"), str):
            problems.append(detail(f"{at}.value", "required"))
    clauses = f.get("clauses") or []
    if clauses and depth >= 1:
        problems.append(detail(f"{where}.clauses", "max.depth.exceeded"))
        return
    for i, c in enumerate(clauses):
        _check_filter(c, f"{where}.clauses[{i}]", problems, depth=depth + 1)


# ---------------------------------------------------------------------- answering
def observations(org: Org) -> Iterator[Observation]:
    """One observation per (queue, member), direct members and members through a group."""
    status = org.routing_status
    for q in org.queues.values():
        derived = derived_members(org, q) if q.member_groups else {}
        for uid in set(q.members) | set(derived):
            joined = q.members.get(uid, True)
            yield Observation(q.id, uid, status.get(uid, "OFF_QUEUE"), "active" if joined else "inactive")


def _holds(f: dict[str, Any], o: Observation) -> bool:
    terms = [_predicate(p, o) for p in f.get("predicates") or []]
    terms += [_holds(c, o) for c in f.get("clauses") or []]
    if not terms:
        return True
    return any(terms) if f["type"] == "or" else all(terms)


def _predicate(p: dict[str, Any], o: Observation) -> bool:
    op = p.get("operator", "matches")
    if op == "exists":
        return True
    if op == "notExists":
        return False
    return bool(o.get(p["dimension"]) == p["value"])


def run_query(org: Org, query: Query, *, page_size: int, page_number: int) -> dict[str, Any]:
    """The ``RoutingActivityResponse``: one result per group of observations that holds any."""
    groups: dict[tuple[str, ...], list[Observation]] = {}
    for o in observations(org):
        if query.filter is None or _holds(query.filter, o):
            groups.setdefault(tuple(o.get(d) for d in query.group_by), []).append(o)
    keys = list(groups)
    if query.order != "unordered":
        keys.sort(reverse=query.order == "desc")
    start = (page_number - 1) * page_size
    results = [_result(query, key, groups[key]) for key in keys[start : start + page_size]]
    out: dict[str, Any] = {"results": results}
    if any(details for _, details in query.metrics):
        out["entityIdDimension"] = "userId"
    return out


def _result(query: Query, key: tuple[str, ...], rows: list[Observation]) -> dict[str, Any]:
    data: list[dict[str, Any]] = []
    listed: list[Observation] = []
    for metric, details in query.metrics:
        for qualifier, chosen in _metric(metric, rows):
            value: dict[str, Any] = {"metric": metric, "count": len(chosen)}
            if qualifier is not None:
                value["qualifier"] = qualifier
            if details:
                value["entityIds"] = sorted(o.userId for o in chosen)
                listed += chosen
            data.append(value)
    out: dict[str, Any] = {"group": dict(zip(query.group_by, key, strict=True)), "data": data}
    if listed:
        unique = sorted({(o.queueId, o.userId): o for o in listed}.values(), key=lambda o: (o.queueId, o.userId))
        truncated = len(unique) > MAX_ENTITIES
        if truncated:
            half = MAX_ENTITIES // 2
            unique = unique[:half] + unique[-half:]
        out["entities"] = [
            {"userId": o.userId, "queueId": o.queueId, "routingStatus": o.routingStatus, "queueMembershipStatus": o.queueMembershipStatus} for o in unique
        ]
        out["truncated"] = truncated
    return out


def _metric(metric: str, rows: list[Observation]) -> list[tuple[str | None, list[Observation]]]:
    active = [o for o in rows if o.queueMembershipStatus == "active"]
    if metric == "oMemberUsers":
        return [(None, rows)]
    if metric == "oActiveUsers":
        return [(None, active)]
    if metric == "oOnQueueUsers":
        return [(None, [o for o in active if o.on_queue])]
    if metric == "oOffQueueUsers":
        return [(None, [o for o in active if not o.on_queue])]
    by_status: dict[str, list[Observation]] = {}
    for o in active:
        by_status.setdefault(o.routingStatus, []).append(o)
    return [(status, by_status[status]) for status in sorted(by_status)]
