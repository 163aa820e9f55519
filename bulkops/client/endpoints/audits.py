"""The platform's audit trail: submit a query, poll it until it is done, page its results.

Endpoints (PureCloudPlatformClientV2 ``AuditApi``; permission ``audits:audit:view`` on each):
``POST /api/v2/audits/query`` (``AuditQueryRequest``: ``interval``, ``serviceName``, ``filters``,
``sort``) answers an ``AuditQueryExecutionStatusResponse`` (``id``, ``state``);
``GET /api/v2/audits/query/{transactionId}`` polls its ``state`` (Queued, Running, Succeeded,
Failed, Cancelled); ``GET .../{transactionId}/results`` pages ``AuditLogMessage`` with ``cursor``
and ``pageSize`` (at most 500). One query names one service: several services, several queries.

A missing permission is a 403, the client's ``AuthError`` (exit code 5) like any other.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bulkops.client.api import GenesysClient
from bulkops.client.wire import ShapeError, json_object
from bulkops.domain.auditservices import AuditService
from bulkops.domain.platformaudit import AuditMessage, PropertyChange
from bulkops.errors import BulkopsError

QUERY_PATH = "/api/v2/audits/query"
RESULTS_PAGE = 500  # the largest page the results endpoint gives
STATES = ("Queued", "Running", "Succeeded", "Failed", "Cancelled")
DONE = frozenset({"Succeeded", "Failed", "Cancelled"})
#: Guess (nothing documented found): one query covers at most 31 days; a longer window is split.
MAX_WINDOW_S = 31 * 86400
#: Polling: first wait, growth, longest wait between two status reads.
POLL_FIRST, POLL_GROWTH, POLL_MAX = 0.25, 1.6, 5.0


class AuditQueryError(BulkopsError):
    """The platform ran the query and it ended Failed or Cancelled, or did not end in time."""


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """One query: a service, a window (epoch seconds, end excluded) and, usually, one OAuth client."""

    service: str
    start: float
    end: float
    client_id: str | None = None

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "interval": f"{_iso(self.start)}/{_iso(self.end)}",
            "serviceName": self.service,
            "sort": [{"name": "Timestamp", "sortOrder": "ascending"}],
        }
        if self.client_id:
            out["filters"] = [{"property": "ClientId", "value": self.client_id}]
        return out

    def split(self, longest: float = MAX_WINDOW_S) -> list[AuditQuery]:
        """The same query over consecutive windows of at most ``longest`` seconds."""
        out, at = [], self.start
        while at < self.end:
            out.append(AuditQuery(self.service, at, min(at + longest, self.end), self.client_id))
            at += longest
        return out


@dataclass(frozen=True, slots=True)
class Execution:
    id: str
    state: str


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(t * 1000) % 1000:03d}Z"


def _epoch(raw: str) -> float:
    return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()


# -- wire -> records (shape checks: a 2xx that is not the documented shape is a ShapeError) --


def decode_execution(data: Any) -> Execution:
    obj = json_object(data, needs=("id", "state"))
    if obj["state"] not in STATES:
        raise ShapeError(f"audit query state {obj['state']!r} is none of {', '.join(STATES)}")
    return Execution(obj["id"], obj["state"])


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ShapeError(f"{where} is not a list")
    return tuple(str(v) for v in raw)


def _ref_id(raw: Any) -> str | None:
    return raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None


def decode_message(data: Any) -> AuditMessage:
    """An ``AuditLogMessage``: an id, the entity, when; what changed and who, where given."""
    obj = json_object(data, needs=("id", "eventDate"))
    entity = obj.get("entity")
    entity_id = _ref_id(entity)
    if entity_id is None:
        raise ShapeError("audit message without an entity id")
    try:
        when = _epoch(str(obj["eventDate"]))
    except ValueError:
        raise ShapeError(f"audit message eventDate {obj['eventDate']!r} is not ISO-8601") from None
    raw_changes = obj.get("propertyChanges") or []
    if not isinstance(raw_changes, list):
        raise ShapeError("propertyChanges is not a list")
    changes = []
    for c in raw_changes:
        if not isinstance(c, dict) or not isinstance(c.get("property"), str):
            raise ShapeError("property change without a property name")
        changes.append(PropertyChange(c["property"], _strings(c.get("oldValues"), "oldValues"), _strings(c.get("newValues"), "newValues")))
    name = entity.get("name") if isinstance(entity, dict) else None
    return AuditMessage(
        id=obj["id"],
        service=str(obj.get("serviceName") or ""),
        entity_type=str(obj.get("entityType") or ""),
        entity_id=entity_id,
        action=str(obj.get("action") or ""),
        event_time=when,
        client_id=_ref_id(obj.get("client")),
        user_id=_ref_id(obj.get("user")),
        entity_name=name if isinstance(name, str) else None,
        changes=tuple(changes),
    )


def decode_results(data: Any) -> tuple[list[AuditMessage], str | None]:
    """A results page: its messages and the cursor of the next page (None on the last)."""
    if not isinstance(data, dict):
        raise ShapeError("audit results page is not an object")
    entities = data.get("entities")
    if not isinstance(entities, list):
        raise ShapeError("audit results page without an 'entities' list")
    cursor = data.get("cursor")
    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        raise ShapeError("audit results cursor is not a string")
    return [decode_message(e) for e in entities], cursor or None


# -- calls ---------------------------------------------------------------------------------


def decode_service_mapping(data: Any) -> list[AuditService]:
    """An ``AuditQueryServiceMapping``: ``services`` of ``{name, entities: [{name, actions}]}``."""
    services = json_object(data, needs=()).get("services")
    if not isinstance(services, list):
        raise ShapeError("service mapping without a 'services' list")
    out: list[AuditService] = []
    for s in services:
        s = json_object(s, needs=("name",))
        entities: dict[str, tuple[str, ...]] = {}
        for e in s.get("entities") or []:
            e = json_object(e, needs=("name",))
            entities[str(e["name"])] = _strings(e.get("actions") or [], "actions")
        out.append(AuditService(str(s["name"]), entities))
    return out


async def service_mapping(client: GenesysClient) -> list[AuditService]:
    """``GET /api/v2/audits/query/servicemapping``: the services the platform audits, and what under each."""
    resp = await client.request("GET", f"{QUERY_PATH}/servicemapping", shape=decode_service_mapping)
    result: list[AuditService] = resp.data
    return result


async def submit(client: GenesysClient, query: AuditQuery) -> Execution:
    resp = await client.request("POST", QUERY_PATH, json=query.body(), shape=decode_execution)
    result: Execution = resp.data
    return result


async def status(client: GenesysClient, transaction_id: str) -> Execution:
    resp = await client.request("GET", f"{QUERY_PATH}/{quote(transaction_id, safe='')}", shape=decode_execution)
    result: Execution = resp.data
    return result


async def wait(
    client: GenesysClient,
    execution: Execution,
    *,
    timeout: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Execution:
    """Poll (waits growing from 0.25 s to 5 s) until the execution is done; raise when it
    failed, was cancelled, or is still running after ``timeout`` seconds."""
    deadline = clock() + timeout
    pause = POLL_FIRST
    while execution.state not in DONE:
        left = deadline - clock()
        if left <= 0:
            raise AuditQueryError(f"the platform's audit query {execution.id} was still {execution.state} after {timeout:g} s; try again later")
        await sleep(min(pause, left))
        pause = min(pause * POLL_GROWTH, POLL_MAX)
        execution = await status(client, execution.id)
    if execution.state != "Succeeded":
        raise AuditQueryError(f"the platform's audit query {execution.id} ended {execution.state}")
    return execution


async def results(client: GenesysClient, transaction_id: str, *, page_size: int = RESULTS_PAGE) -> list[AuditMessage]:
    """Every message of a Succeeded execution, following the cursor to the last page."""
    path = f"{QUERY_PATH}/{quote(transaction_id, safe='')}/results"
    out: list[AuditMessage] = []
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        params: dict[str, Any] = {"pageSize": page_size}
        if cursor:
            params["cursor"] = cursor
        resp = await client.request("GET", path, params=params, shape=decode_results)
        page, cursor = resp.data
        out.extend(page)
        if cursor is None:
            return out
        if cursor in seen:
            raise AuditQueryError(f"the platform's audit results for {transaction_id} repeat a cursor; the listing does not advance")
        seen.add(cursor)


async def run_query(
    client: GenesysClient, query: AuditQuery, *, timeout: float = 300.0, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> list[AuditMessage]:
    """Submit, wait, page; a window longer than one query may cover runs as several, in order."""
    out: list[AuditMessage] = []
    for part in query.split():
        execution = await wait(client, await submit(client, part), timeout=timeout, sleep=sleep)
        out.extend(await results(client, execution.id))
    return out


async def run_queries(client: GenesysClient, queries: Iterable[AuditQuery], *, timeout: float = 300.0) -> list[AuditMessage]:
    """Several queries (one per service) in turn; messages oldest first. The platform's times are
    to the millisecond: messages of the same millisecond keep the order the queries and the platform
    gave them (a stable sort), never an order drawn from their random ids."""
    out: list[AuditMessage] = []
    for q in queries:
        out.extend(await run_query(client, q, timeout=timeout))
    return sorted(out, key=lambda m: m.event_time)
