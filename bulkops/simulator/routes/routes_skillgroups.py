"""Skill group members, the routing activity query, and the /__sim/ controls that seed them.

``GET /api/v2/routing/skillgroups/{id}/members`` (``SkillGroupMemberEntityListing``: cursor paged
``UserReferenceWithName``), ``POST /api/v2/analytics/routing/activity/query`` (``activity.py``).
The listing and one group's GET live with the other skill definition routes (``routes_skilldefs``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aiohttp import web

from bulkops.simulator import wire
from bulkops.simulator.errors import SimApiError, bad_request, detail
from bulkops.simulator.httputil import int_param, json_body, json_response, kept_params, sim_of
from bulkops.simulator.model import skilldefs, skillgroups
from bulkops.simulator.model.analytics import activity

GROUPS_PATH = "/api/v2/routing/skillgroups"
DEFAULT_MEMBER_PAGE = 25
MAX_MEMBER_PAGE = 100  # a guess, as for the group listing: the SDK states no maximum
#: The refusal without ``analytics:queueObservation:view`` (code and wording are guesses, docs/simulator.md).
MISSING_PERMISSIONS = "missing.any.permissions"


def _decode(token: str, name: str) -> str:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request("The cursor is invalid.", detail(name, "invalid.cursor")) from None


def _encode(user_id: str) -> str:
    return base64.urlsafe_b64encode(user_id.encode("ascii")).decode("ascii").rstrip("=")


async def group_members(request: web.Request) -> web.Response:
    """The users the group's conditions select now, by name; ``after``/``before`` cursors."""
    sim = sim_of(request)
    org = sim.org
    group = org.skilldefs.group(request.match_info["skillGroupId"])
    size = int_param(request, "pageSize", DEFAULT_MEMBER_PAGE, lo=1, hi=MAX_MEMBER_PAGE)
    users = skillgroups.members(org, group)
    ids = [u.id for u in users]
    after, before = request.query.get("after"), request.query.get("before")
    start = 0
    if after:
        uid = _decode(after, "after")
        start = ids.index(uid) + 1 if uid in ids else len(ids)
    elif before:
        uid = _decode(before, "before")
        start = max(0, (ids.index(uid) if uid in ids else 0) - size)
    page = users[start : start + size]
    path = f"{GROUPS_PATH}/{group.id}/members"
    keep = kept_params(request, frozenset({"after", "before", "pageSize"})) + [("pageSize", str(size))]
    out: dict[str, Any] = {
        "entities": [{"id": u.id, "name": u.name, "selfUri": f"/api/v2/users/{u.id}"} for u in page],
        "selfUri": wire.uri(path, list(request.query.items())),
    }
    if page and start + size < len(users):
        out["nextUri"] = wire.uri(path, keep + [("after", _encode(page[-1].id))])
    if page and start > 0:
        out["previousUri"] = wire.uri(path, keep + [("before", _encode(page[0].id))])
    return json_response(out)


async def activity_query(request: web.Request) -> web.Response:
    """``RoutingActivityResponse``; 403 while ``analytics_forbidden`` (the role lacks the permission)."""
    sim = sim_of(request)
    if sim.config.analytics_forbidden:
        raise SimApiError(403, MISSING_PERMISSIONS, f"You are missing the following permission(s): [{activity.PERMISSION}]")
    query = activity.parse_query(await json_body(request))
    size = int_param(request, "pageSize", activity.DEFAULT_PAGE_SIZE, lo=1, hi=activity.MAX_PAGE_SIZE)
    number = int_param(request, "pageNumber", 1, lo=1)
    limit = sim.config.activity_observation_limit
    return json_response(activity.run_query(sim.org, query, page_size=size, page_number=number, observation_limit=limit))


# ---------------------------------------------------------------------- /__sim/ controls
async def seed_group(request: web.Request) -> web.Response:
    """``{"name", "skillConditions", "queues": [queue name or id, ...]}``: a skill group (conditions
    validated as the POST does), made a member group of each queue named."""
    sim = sim_of(request)
    org = sim.org
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise bad_request('Expected {"name": ..., "skillConditions": [...], "queues": [...]}.')
    by_name = {q.name.lower(): q.id for q in org.queues.values()}
    queue_ids = []
    for ref in body.get("queues") or []:
        qid = ref if ref in org.queues else by_name.get(str(ref).lower())
        if qid is None:
            raise bad_request(f"No queue named {ref!r}.", detail("queues", "not.found"))
        queue_ids.append(qid)
    group = sim.add_skill_group(body["name"], body.get("skillConditions") or [])
    for qid in queue_ids:
        skillgroups.attach(org, qid, group.id)
    return json_response({"id": group.id, "name": group.name, "memberCount": skilldefs.member_count(org, group), "queues": queue_ids})


async def routing_status_get(request: web.Request) -> web.Response:
    return json_response(dict(sorted(sim_of(request).org.routing_status.items())))


async def routing_status_post(request: web.Request) -> web.Response:
    """``{user id: routing status}``: put users on queue (IDLE, INTERACTING, ...) or off it (OFF_QUEUE)."""
    sim = sim_of(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("Expected a JSON object {userId: routingStatus}.")
    try:
        for uid, status in body.items():
            activity.set_status(sim.org, uid, status)
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    return json_response({"onQueue": len(sim.org.routing_status)})


def register(app: web.Application) -> None:
    r = app.router
    r.add_get(GROUPS_PATH + "/{skillGroupId}/members", group_members)
    r.add_post("/api/v2/analytics/routing/activity/query", activity_query)
    r.add_post("/__sim/skillgroups", seed_group)
    r.add_get("/__sim/routing-status", routing_status_get)
    r.add_post("/__sim/routing-status", routing_status_post)
