"""Build the aiohttp Application: routes plus one middleware that does, in order,
correlation id -> stats -> latency -> auth -> rate limit -> injected 5xx -> handler.

One middleware (rather than a chain) keeps the hot path short; the order matters:
a 401 is not charged to any bucket, a 429 is not charged a token, and an injected
5xx is (the platform saw the request).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from bulkops.simulator import refusals
from bulkops.simulator.auth import CLIENT_KEY, client_of_request
from bulkops.simulator.errors import (
    BAD_CREDENTIALS,
    BAD_GATEWAY,
    CONFLICT,
    INTERNAL,
    METHOD_NOT_ALLOWED,
    MISSING_DIVISION_PERMISSION,
    NOT_FOUND,
    TOO_MANY_REQUESTS,
    UNAVAILABLE,
    SimApiError,
)
from bulkops.simulator.httputil import SIM_KEY
from bulkops.simulator.model import organization
from bulkops.simulator.model.audit import trail
from bulkops.simulator.model.lag import MIN_CONFLICT_WINDOW_S
from bulkops.simulator.routes import (
    routes_admin,
    routes_analytics,
    routes_audits,
    routes_oauth,
    routes_routing,
    routes_skillgroups,
    routes_users,
    routes_utilization,
)

if TYPE_CHECKING:
    from bulkops.simulator.core import Simulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_INJECTED = {
    500: (INTERNAL, "The server encountered an unexpected error (injected by the simulator)."),
    502: (BAD_GATEWAY, "Bad gateway (injected by the simulator)."),
    503: (UNAVAILABLE, "The service is temporarily unavailable (injected by the simulator)."),
}


def _from_http_exception(exc: web.HTTPException) -> SimApiError:
    if exc.status == 404:
        return SimApiError(404, NOT_FOUND, "No such resource.")
    if exc.status == 405:
        return SimApiError(405, METHOD_NOT_ALLOWED, f"Method not allowed on this resource: {exc.reason}")
    return SimApiError(exc.status, "bad.request" if exc.status < 500 else INTERNAL, exc.reason or exc.text or "")


async def _call(handler: Handler, request: web.Request, cid: str) -> web.StreamResponse:
    try:
        return await handler(request)
    except SimApiError as exc:
        return refusals.answer(exc, request.app[SIM_KEY].config.refusal_status).response(cid)
    except web.HTTPException as exc:
        return _from_http_exception(exc).response(cid)


async def _api(sim: Simulator, request: web.Request, handler: Handler, cid: str) -> web.StreamResponse:
    cfg = sim.config
    if cfg.latency_ms:
        await asyncio.sleep(cfg.latency_ms / 1000.0)
    if not request.path.startswith("/api/v2/"):
        return await _call(handler, request, cid)
    try:
        token = sim.tokens.check(request.headers.get("Authorization"))
        request[CLIENT_KEY] = sim.tokens.client_of(token)
        if cfg.revoked(request[CLIENT_KEY]):
            raise SimApiError(401, BAD_CREDENTIALS, "Invalid login credentials.")
    except SimApiError as exc:
        return exc.response(cid)
    decision = sim.limiter.acquire(token, request.path) if sim.limiter is not None else None
    if decision is not None and not decision.allowed:
        err = SimApiError(
            429,
            TOO_MANY_REQUESTS,
            f"Rate limit exceeded the maximum. Retry the request in [{decision.retry_after}] seconds",
            limit={"key": decision.key, "namespace": "platform.api", "value": decision.limit},
            headers=decision.headers(),
        )
        return err.response(cid)
    forbidden = _forbidden(sim, request)
    if forbidden is not None:
        return forbidden.response(cid)
    lagging = _eventual(sim, request)
    if lagging is not None:
        return lagging.response(cid)
    injected = sim.faults.server_error(cfg.error_rate)
    if injected is not None:
        sim.stats_counter.injected_errors += 1
        code, message = _INJECTED[injected]
        resp: web.StreamResponse = SimApiError(injected, code, message).response(cid)
    else:
        resp = await trail.recorded(sim, request, lambda: _call(handler, request, cid))  # a write it applied is audited
    if decision is not None:
        resp.headers.update(decision.headers())
    return resp


def _forbidden(sim: Simulator, request: web.Request) -> SimApiError | None:
    """A write to a user in a division the client's role does not cover (``forbidden_divisions``)."""
    divisions = sim.config.forbidden_divisions
    user_id = request.match_info.get("userId")
    if not divisions or request.method == "GET" or user_id is None:
        return None
    try:
        division = sim.org.user(user_id).division_id
    except Exception:  # noqa: BLE001 - an unknown user is the handler's 404
        return None
    if "*" in divisions or division in divisions:
        return SimApiError(403, MISSING_DIVISION_PERMISSION, "You are not authorized to perform the requested action on this user's division.")
    return None


def _eventual(sim: Simulator, request: web.Request) -> SimApiError | None:
    """Before a write to a user: a spurious 409 (a user PATCH right after another write, or a
    write with no version at ``bulk_write_conflict_rate``), or keep what lagging reads see."""
    user_id = request.match_info.get("userId")
    cfg = sim.config
    if request.method == "GET" or user_id is None or user_id not in sim.org.users:
        return None
    now = sim.clock()
    versioned = request.path == f"/api/v2/users/{user_id}"  # the user PATCH; every other write here is an assignment's
    if request.method == "PATCH" and versioned and cfg.post_write_conflict_rate:
        window = max(cfg.read_lag_ms / 1000, MIN_CONFLICT_WINDOW_S)
        if sim.lag.written_within(user_id, now, window) and sim.faults.roll(cfg.post_write_conflict_rate):
            return SimApiError(409, CONFLICT, "The resource was modified; retry (spurious conflict right after a write, injected).")
    if not versioned and sim.faults.roll(cfg.bulk_write_conflict_rate):
        return SimApiError(409, CONFLICT, "The resource was modified; retry (spurious conflict on a write with no version, injected).")
    sim.lag.before_write(sim.org.users[user_id], now, cfg.read_lag_ms / 1000)
    return None


#: Writes that only read (queries, searches, tokens, the audit trail): they move no agent.
_READS_BY_POST = re.compile(r"/(query|search)$|^/oauth/|^/api/v2/analytics/|^/api/v2/audits|^/__sim/(save|expire-tokens)")


def _may_move_agents(request: web.Request, resp: web.StreamResponse) -> bool:
    """Might this answered request have changed who is on a queue (a write that succeeded)?"""
    return request.method in ("POST", "PUT", "PATCH", "DELETE") and resp.status < 400 and not _READS_BY_POST.search(request.path)


def build_app(sim: Simulator) -> web.Application:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        cid = str(uuid.uuid4())
        if request.path.startswith("/__sim/"):
            resp = await _call(handler, request, cid)
        else:
            stats = sim.stats_counter
            stats.enter()
            try:
                resp = await _api(sim, request, handler, cid)
            finally:
                stats.leave()
            resource = getattr(request.match_info.route, "resource", None)
            route = resource.canonical if resource is not None else "(unmatched)"
            stats.record(request.method, route, resp.status, client=client_of_request(request, ""))
        if _may_move_agents(request, resp):
            sim.queue_time.wrote()  # queue traffic: who is on queue may have changed (queuetime/live.py)
        resp.headers["ININ-Correlation-Id"] = cid
        return resp

    app = web.Application(middlewares=[middleware], client_max_size=16 * 1024 * 1024)
    app[SIM_KEY] = sim
    routes_oauth.register(app)
    routes_users.register(app)
    routes_routing.register(app)
    routes_utilization.register(app)
    routes_skillgroups.register(app)  # skill group members, the routing activity query
    routes_analytics.register(app)  # queue observations and conversation aggregates (queue traffic)
    routes_audits.register(app)  # the audit trail and its query lifecycle
    organization.register(app)  # GET /api/v2/organizations/me
    routes_admin.register(app)
    return app
