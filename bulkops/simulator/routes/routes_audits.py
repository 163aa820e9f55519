"""The audit query lifecycle: ``POST /api/v2/audits/query`` -> poll the execution -> page the results.

Shapes per PureCloudPlatformClientV2 (``AuditApi``, ``AuditQueryRequest``, ``AuditQueryFilter``,
``AuditQuerySort``, ``AuditQueryExecutionStatusResponse``, ``AuditQueryExecutionResultsResponse``,
``AuditLogMessage``); permission ``audits:audit:view`` on each. An execution is ``Queued``, then
``Running``, then ``Succeeded`` once ``audit_query_seconds`` (simulator clock) have passed since
it was submitted; its results are the entries visible at that moment (``audit_delay_seconds``
after each write), in the interval, matching every filter. One query names one service.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from bulkops.simulator.errors import SimApiError, bad_request, detail, not_found
from bulkops.simulator.httputil import int_param, json_body, json_response, sim_of
from bulkops.simulator.model import cursor
from bulkops.simulator.model.audit import subjects as audit_subjects
from bulkops.simulator.model.audit.trail import TRAIL_KEY, AuditEntry, AuditTrail, TrailHolder, iso_millis, trail_of

QUERY_PATH = "/api/v2/audits/query"
PERMISSION = "audits:audit:view"
#: ``AuditQueryFilter.property`` (the SDK's enum) -> the entry's field it compares with.
FILTERS: dict[str, Callable[[AuditEntry], str | None]] = {
    "UserId": lambda e: e.user_id,
    "ClientId": lambda e: e.client_id,
    "Action": lambda e: e.action,
    "EntityType": lambda e: e.entity_type,
    "EntityId": lambda e: e.entity_id,
    "TrusteeOrganizationId": lambda e: None,  # no trustee organizations in the simulator
}
SORT_ORDERS = ("ascending", "descending")
#: Results pages: ``pageSize`` defaults to 25, at most 500 (the SDK's docstring).
DEFAULT_PAGE, MAX_PAGE = 25, 500
#: Guess (nothing in the SDK): one query covers at most 31 days; the client splits longer windows.
MAX_WINDOW_DAYS = 31
#: Guess: the platform's 403 code for a missing permission.
MISSING_PERMISSIONS = "missing.permissions"


@dataclass
class Execution:
    id: str
    service: str
    interval: str
    start: float
    end: float
    filters: list[dict[str, str]]
    sort: list[dict[str, str]]
    submitted: float  # simulator clock
    done_at: float  # simulator clock
    start_date: str  # wall clock, ISO
    results: list[AuditEntry] | None = field(default=None)

    def state(self, now: float) -> str:
        if now >= self.done_at:
            return "Succeeded"
        return "Running" if now >= self.submitted + (self.done_at - self.submitted) / 3 else "Queued"

    def to_wire(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state(now),
            "startDate": self.start_date,
            "interval": self.interval,
            "serviceName": self.service,
            "filters": self.filters,
            "sort": self.sort,
        }


def _check_permission(request: web.Request) -> None:
    if sim_of(request).config.audits_forbidden:
        raise SimApiError(403, MISSING_PERMISSIONS, f"You are missing the following permission(s): {PERMISSION}", [detail("permission", PERMISSION)])


def _parse_time(raw: str) -> float:
    return datetime.fromisoformat(raw.strip().replace("Z", "+00:00")).timestamp()


def parse_interval(raw: Any) -> tuple[float, float]:
    """``start/end``, ISO-8601; the end after the start, the window at most ``MAX_WINDOW_DAYS``."""
    if not isinstance(raw, str) or raw.count("/") != 1:
        raise bad_request("interval must be an ISO-8601 interval: YYYY-MM-DDThh:mm:ssZ/YYYY-MM-DDThh:mm:ssZ.", detail("interval", "invalid.value"))
    a, b = raw.split("/")
    try:
        start, end = _parse_time(a), _parse_time(b)
    except ValueError:
        raise bad_request(f"interval {raw!r} is not two ISO-8601 date-times.", detail("interval", "invalid.value")) from None
    if end <= start:
        raise bad_request("The interval's end must be after its start.", detail("interval", "invalid.value"))
    if end - start > MAX_WINDOW_DAYS * 86400:
        raise bad_request(f"The interval may span at most {MAX_WINDOW_DAYS} days.", detail("interval", "invalid.value"))
    return start, end


def _filters(raw: Any) -> list[dict[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad_request("filters must be a list of {property, value}.", detail("filters", "invalid.value"))
    out = []
    for i, f in enumerate(raw):
        prop = f.get("property") if isinstance(f, dict) else None
        value = f.get("value") if isinstance(f, dict) else None
        if prop not in FILTERS:
            raise bad_request(f"filters[{i}].property must be one of {', '.join(FILTERS)}.", detail(f"filters[{i}].property", "invalid.value"))
        if not isinstance(value, str) or not value:
            raise bad_request(f"filters[{i}].value must be a non-empty string.", detail(f"filters[{i}].value", "required"))
        out.append({"property": prop, "value": value})
    return out


def _sort(raw: Any) -> list[dict[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        raise bad_request("sort must be a list of {name, sortOrder}.", detail("sort", "invalid.value"))
    for i, s in enumerate(raw):
        if s.get("name") != "Timestamp":
            raise bad_request("sort[].name must be Timestamp.", detail(f"sort[{i}].name", "invalid.value"))
        if s.get("sortOrder", "ascending") not in SORT_ORDERS:
            raise bad_request("sort[].sortOrder must be ascending or descending.", detail(f"sort[{i}].sortOrder", "invalid.value"))
    return [{"name": "Timestamp", "sortOrder": s.get("sortOrder", "ascending")} for s in raw]


async def query_post(request: web.Request) -> web.Response:
    """Create an execution (``AuditQueryRequest``): interval and serviceName required."""
    _check_permission(request)
    sim = sim_of(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The body must be an AuditQueryRequest object.")
    service = body.get("serviceName")
    if not isinstance(service, str) or not service:
        raise bad_request("serviceName is required (one service per query).", detail("serviceName", "required"))
    if service not in audit_subjects.service_mapping(sim.config.audit_services_moved):
        raise bad_request(f"Unknown serviceName {service!r}; see GET {QUERY_PATH}/servicemapping.", detail("serviceName", "invalid.value"))
    start, end = parse_interval(body.get("interval"))
    now = sim.clock()
    ex = Execution(
        id=str(uuid.uuid4()),
        service=service,
        interval=body["interval"],
        start=start,
        end=end,
        filters=_filters(body.get("filters")),
        sort=_sort(body.get("sort")),
        submitted=now,
        done_at=now + sim.config.audit_query_seconds,
        start_date=iso_millis(time.time()),
    )
    trail_of(sim, request.app).executions[ex.id] = ex
    return json_response(ex.to_wire(now))


def _execution(request: web.Request) -> tuple[AuditTrail, Execution]:
    _check_permission(request)
    sim = sim_of(request)
    trail = trail_of(sim, request.app)
    tid = request.match_info["transactionId"]
    ex = trail.executions.get(tid)
    if not isinstance(ex, Execution):
        raise not_found("audit query execution", tid)
    return trail, ex


async def query_status(request: web.Request) -> web.Response:
    _, ex = _execution(request)
    return json_response(ex.to_wire(sim_of(request).clock()))


def _results(trail: AuditTrail, ex: Execution) -> list[AuditEntry]:
    """The entries the execution saw when it completed: visible by then, in the interval, every filter."""
    if ex.results is None:
        found = [
            e
            for e in trail.entries
            if e.service == ex.service
            and e.visible_at <= ex.done_at
            and ex.start <= e.event_time < ex.end
            and all(FILTERS[f["property"]](e) == f["value"] for f in ex.filters)
        ]
        descending = bool(ex.sort) and ex.sort[0]["sortOrder"] == "descending"
        found.sort(key=lambda e: e.event_time, reverse=descending)
        ex.results = found
    return ex.results


async def query_results(request: web.Request) -> web.Response:
    """A page of ``AuditLogMessage``; ``cursor`` names the next page and is absent on the last one."""
    trail, ex = _execution(request)
    sim = sim_of(request)
    now = sim.clock()
    if ex.state(now) != "Succeeded":
        raise bad_request(f"The query is {ex.state(now)}; its results are available once it has Succeeded.", detail("transactionId", "query.not.complete"))
    size = int_param(request, "pageSize", DEFAULT_PAGE, lo=1, hi=MAX_PAGE)
    raw_cursor = request.query.get("cursor")
    offset = 0
    if raw_cursor:
        c = cursor.decode(raw_cursor, now=now, ttl=sim.config.cursor_ttl)
        if not c.after.startswith(ex.id + ":"):
            raise bad_request("The cursor belongs to another query.", detail("cursor", "invalid.cursor"), code="invalid.cursor")
        offset = int(c.after.rsplit(":", 1)[1])
    results = _results(trail, ex)
    page = results[offset : offset + size]
    out: dict[str, Any] = {"id": ex.id, "pageSize": size, "entities": [e.to_wire() for e in page]}
    if offset + size < len(results):
        out["cursor"] = cursor.encode(cursor.Cursor(f"{ex.id}:{offset + size}", now))
    return json_response(out)


async def service_mapping(request: web.Request) -> web.Response:
    """``AuditQueryServiceMapping``: the services, their entity types and actions."""
    _check_permission(request)
    mapping = audit_subjects.service_mapping(sim_of(request).config.audit_services_moved)
    return json_response({"services": [{"name": s, "entities": [{"name": t, "actions": a} for t, a in types.items()]} for s, types in mapping.items()]})


async def trail_dump(request: web.Request) -> web.Response:
    """``/__sim/audit``: every entry recorded so far, visible yet or not (for tests and the demo)."""
    trail = trail_of(sim_of(request), request.app)
    now = sim_of(request).clock()
    return json_response([{**e.to_wire(), "visible": e.visible_at <= now} for e in trail.entries])


def register(app: web.Application) -> None:
    app[TRAIL_KEY] = TrailHolder()
    r = app.router
    r.add_post(QUERY_PATH, query_post)
    r.add_get(QUERY_PATH + "/servicemapping", service_mapping)
    r.add_get(QUERY_PATH + "/{transactionId}", query_status)
    r.add_get(QUERY_PATH + "/{transactionId}/results", query_results)
    r.add_get("/__sim/audit", trail_dump)
