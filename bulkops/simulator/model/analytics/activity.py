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

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bulkops.simulator.errors import BAD_REQUEST, INVALID_VALUE, SimApiError, detail
from bulkops.simulator.model.skillgroups import derived_members

if TYPE_CHECKING:
    from bulkops.simulator.model.org import Org

ROUTING_STATUSES = ("OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING", "COMMUNICATING")
METRICS = ("oActiveUsers", "oMemberUsers", "oOffQueueUsers", "oOnQueueUsers", "oUserRoutingStatuses")
#: The SDK's dimensions the simulator can observe (it keeps no presences, dates or teams).
DIMENSIONS = ("queueId", "userId", "routingStatus", "queueMembershipStatus")
OPERATORS = ("matches", "exists", "notExists")
#: Entities a group lists with ``details`` before it says ``truncated`` (a guess: the SDK names no number).
MAX_ENTITIES = 100
#: Predicates one filter or clause may hold (a guess: the SDK states no limit; bulkops has always split
#: its queries at 100). More is a 400 (``max.predicates.exceeded``).
MAX_PREDICATES = 100
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
    _check_predicate_count(f, where, problems)
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


def _check_predicate_count(f: dict[str, Any], where: str, problems: list[dict[str, str]]) -> None:
    predicates = f.get("predicates") or []
    if isinstance(predicates, list) and len(predicates) > MAX_PREDICATES:
        problems.append(detail(f"{where}.predicates", "max.predicates.exceeded"))


# ---------------------------------------------------------------------- answering
def observations(org: Org) -> Iterator[Observation]:
    """One observation per (queue, member), direct members and members through a group."""
    status = org.routing_status
    for q in org.queues.values():
        derived = derived_members(org, q) if q.member_groups else {}
        for uid in set(q.members) | set(derived):
            joined = q.members.get(uid, True)
            yield Observation(q.id, uid, status.get(uid, "OFF_QUEUE"), "active" if joined else "inactive")


def _matched_values(predicates: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The values ``matches`` predicates name, per dimension."""
    values: dict[str, set[str]] = {}
    for p in predicates:
        if p.get("operator", "matches") == "matches":
            values.setdefault(p["dimension"], set()).add(p["value"])
    return values


def compiled(f: dict[str, Any]) -> Callable[[Observation], bool]:
    """The filter as one test, each ``matches`` predicate folded into a set per dimension, so a clause
    of 100 queue ids costs one lookup per observation, not 100 comparisons (same meaning as term by
    term: ``exists`` always holds, ``notExists`` never, ``or`` any term, ``and`` every term, no term: true)."""
    predicates = f.get("predicates") or []
    values = _matched_values(predicates)
    ops = {p.get("operator", "matches") for p in predicates}
    clauses = [compiled(c) for c in f.get("clauses") or []]
    if not predicates and not clauses:
        return lambda o: True
    if f["type"] == "or":
        return lambda o: "exists" in ops or any(o.get(d) in v for d, v in values.items()) or any(c(o) for c in clauses)
    return lambda o: "notExists" not in ops and all(len(v) == 1 and o.get(d) in v for d, v in values.items()) and all(c(o) for c in clauses)


def run_query(org: Org, query: Query, *, page_size: int, page_number: int, observation_limit: int | None = None) -> dict[str, Any]:
    """The ``RoutingActivityResponse``: one result per group of observations that holds any.

    ``observation_limit`` (knob ``activity_observation_limit``): a group observing more users is
    answered from its first that many only, and says ``truncated`` (its counts fall short)."""
    groups: dict[tuple[str, ...], list[Observation]] = {}
    holds = compiled(query.filter) if query.filter is not None else None
    for o in observations(org):
        if holds is None or holds(o):
            groups.setdefault(tuple(o.get(d) for d in query.group_by), []).append(o)
    keys = list(groups)
    if query.order != "unordered":
        keys.sort(reverse=query.order == "desc")
    start = (page_number - 1) * page_size
    results = [_result(query, key, *_cut(groups[key], observation_limit)) for key in keys[start : start + page_size]]
    out: dict[str, Any] = {"results": results}
    if any(details for _, details in query.metrics):
        out["entityIdDimension"] = "userId"
    return out


def _cut(rows: list[Observation], limit: int | None) -> tuple[list[Observation], bool]:
    """The group's observations, the first ``limit`` of them (by queue and user) when it has more."""
    if limit is None or len(rows) <= limit:
        return rows, False
    return sorted(rows, key=lambda o: (o.queueId, o.userId))[:limit], True


def _result(query: Query, key: tuple[str, ...], rows: list[Observation], cut: bool = False) -> dict[str, Any]:
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
        out["truncated"] = truncated or cut
    elif cut:
        out["truncated"] = True
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
