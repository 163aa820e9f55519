"""The simulator's audit trail: every write it applied, as the platform's audit records it.

One hook around the handler (``recorded``, called from the app middleware) rather than calls
sprinkled through the routes: the route's subject (``subjects``) snapshots the entities
the request can touch *before* the handler runs and again after a 2xx, and the difference is
the record. Old values are therefore the org's own, read a moment before the write, never
what the request claimed; an entity the write did not change gets no entry; a refused write
(4xx, an injected 409 or 5xx) gets none. The trail belongs to the org it recorded: a reset
starts an empty one.

An entry becomes queryable ``audit_delay_seconds`` (simulator clock) after the write, as the
platform's audit lags its writes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bulkops.simulator.auth import client_of_request
from bulkops.simulator.model.audit.subjects import ROUTES, Snapshot, Subject, serviced

if TYPE_CHECKING:
    from bulkops.simulator.core import Simulator
    from bulkops.simulator.model.org import Org


@dataclass(frozen=True, slots=True)
class PropertyChange:
    """``PropertyChange``: a set-valued property lists only the elements that left (old) and came (new)."""

    property: str
    old_values: tuple[str, ...]
    new_values: tuple[str, ...]

    def to_wire(self) -> dict[str, Any]:
        return {"property": self.property, "oldValues": list(self.old_values), "newValues": list(self.new_values)}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One ``AuditLogMessage``: who (OAuth client, user if any), what entity, what changed, when."""

    id: str
    client_id: str
    user_id: str | None
    service: str
    entity_type: str
    entity_id: str
    entity_name: str | None
    action: str
    changes: tuple[PropertyChange, ...]
    event_time: float  # wall clock (epoch seconds): what the query's interval is compared with
    visible_at: float  # simulator clock: before this the entry is not yet queryable
    remote_ip: str | None = None

    @property
    def event_date(self) -> str:
        return iso_millis(self.event_time)

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "client": {"id": self.client_id, "selfUri": f"/api/v2/oauth/clients/{self.client_id}"},
            "remoteIp": [self.remote_ip] if self.remote_ip else [],
            "serviceName": self.service,
            "level": "USER",
            "eventDate": self.event_date,
            "action": self.action,
            "entity": {"id": self.entity_id, **({"name": self.entity_name} if self.entity_name else {})},
            "entityType": self.entity_type,
            "status": "SUCCESS",
            "application": "bulkops-simulator",
            "propertyChanges": [c.to_wire() for c in self.changes],
            "context": {},
        }
        if self.user_id:
            out["user"] = {"id": self.user_id, "selfUri": f"/api/v2/users/{self.user_id}"}
        return out


def iso_millis(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(t * 1000) % 1000:03d}Z"


@dataclass
class AuditTrail:
    """The entries of one org, oldest first, and the queries run against them (``routes_audits``)."""

    org: Org
    entries: list[AuditEntry] = field(default_factory=list)
    executions: dict[str, Any] = field(default_factory=dict)

    def add_diff(
        self,
        subject: Subject,
        before: Snapshot,
        after: Snapshot,
        *,
        client_id: str,
        now: float,
        visible_at: float,
        remote: str | None,
        asked: Snapshot | None = None,
        removing: bool = False,
    ) -> int:
        """One entry per entity whose properties differ (or, with ``asked``, per entity the
        request named: its asked values as added, or as removed with ``removing``); returns how many."""
        added = 0
        for entity_id in sorted(before.keys() | after.keys()):
            old, new = before.get(entity_id), after.get(entity_id)
            if asked is not None:
                ask = asked.get(entity_id) or {}
                changes = diff_properties(ask, {}) if removing else diff_properties({}, ask)
            else:
                changes = diff_properties(old or {}, new or {})
            if not changes and (old is None) == (new is None):
                continue
            action = subject.action_for(old, new, changes)
            self.entries.append(
                AuditEntry(
                    id=str(uuid.uuid4()),
                    client_id=client_id,
                    user_id=None,  # client credentials: no user behind the token
                    service=subject.service,
                    entity_type=subject.entity_type,
                    entity_id=entity_id,
                    entity_name=subject.name_of(self.org, entity_id),
                    action=action,
                    changes=changes,
                    event_time=now,
                    visible_at=visible_at,
                    remote_ip=remote,
                )
            )
            added += 1
        return added


def diff_properties(old: Mapping[str, str | frozenset[str]], new: Mapping[str, str | frozenset[str]]) -> tuple[PropertyChange, ...]:
    """Every property whose value differs; a set-valued one as the elements removed and added."""
    out: list[PropertyChange] = []
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if isinstance(a, frozenset) or isinstance(b, frozenset):
            sa = a if isinstance(a, frozenset) else frozenset()
            sb = b if isinstance(b, frozenset) else frozenset()
            out.append(PropertyChange(name, tuple(sorted(sa - sb)), tuple(sorted(sb - sa))))
        else:
            out.append(PropertyChange(name, () if a is None else (a,), () if b is None else (b,)))
    return tuple(out)


class TrailHolder:
    """The app's one holder: hands out the trail of the simulator's current org."""

    def __init__(self) -> None:
        self._trail: AuditTrail | None = None

    def of(self, org: Org) -> AuditTrail:
        if self._trail is None or self._trail.org is not org:
            self._trail = AuditTrail(org)
        return self._trail


TRAIL_KEY: web.AppKey[TrailHolder] = web.AppKey("bulkops_audit_trail", TrailHolder)


def trail_of(sim: Simulator, app: web.Application) -> AuditTrail:
    return app[TRAIL_KEY].of(sim.org)


async def recorded(sim: Simulator, request: web.Request, call: Callable[[], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Run the handler (``call``); when it was a write the platform audits and it succeeded, record it."""
    resource = request.match_info.route.resource
    subject = ROUTES.get((request.method, resource.canonical)) if resource is not None else None
    if subject is None or TRAIL_KEY not in request.app:
        return await call()
    body = await _peek_json(request)
    before = subject.snapshot(sim, request, body)
    resp = await call()
    if 200 <= resp.status < 300:
        after = subject.snapshot(sim, request, body)
        trail_of(sim, request.app).add_diff(
            serviced(subject, sim.config.audit_services_moved),
            before,
            after,
            client_id=client_of_request(request, sim.config.client_id),  # the OAuth client whose token made the write
            now=time.time(),
            visible_at=sim.clock() + sim.config.audit_delay_seconds,
            remote=request.remote,
            asked=subject.requested(sim, request, body) if subject.requested is not None else None,
            removing=request.query.get("delete", "").lower() in ("true", "1"),
        )
    return resp


async def _peek_json(request: web.Request) -> Any:
    """The body as JSON, or None; aiohttp keeps the bytes, so the handler reads them again."""
    import orjson

    if not request.can_read_body:
        return None
    raw = await request.read()
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return None
