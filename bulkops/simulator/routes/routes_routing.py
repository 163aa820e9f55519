"""Org catalogue and membership: routing skills/languages, queues and their members, divisions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from aiohttp import web

from bulkops.simulator import wire
from bulkops.simulator.errors import MISSING_DIVISION_PERMISSION, SimApiError, bad_request, detail
from bulkops.simulator.httputil import (
    MAX_QUEUE_MEMBER_PAGE_SIZE,
    bool_param,
    descending,
    json_body,
    json_response,
    kept_params,
    list_param,
    no_content,
    page_params,
    route_of,
    sim_of,
)
from bulkops.simulator.model import skillgroups
from bulkops.simulator.model.org import MAX_DIVISION_OBJECTS_PER_REQUEST, MAX_QUEUE_MEMBERS_PER_REQUEST, Org, Queue
from bulkops.simulator.routes import routes_queueconfig, routes_skilldefs

T = TypeVar("T")


def _listing(request: web.Request, items: list[T], render: Callable[[T], dict[str, Any]], path: str) -> web.Response:
    size, number = page_params(request)
    page = items[(number - 1) * size : number * size]
    return json_response(
        wire.page_listing(
            [render(x) for x in page],
            path=path,
            keep=kept_params(request),
            page_number=number,
            page_size=size,
            total=len(items),
        )
    )


def _by_name(items: Iterable[T], request: web.Request) -> list[T]:
    return sorted(items, key=lambda x: (x.name.lower(), x.id), reverse=descending(request))  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- skills and languages
async def skills_list(request: web.Request) -> web.Response:
    """Active/inactive skills by name; ``name`` is a case-insensitive prefix, ``id`` a list."""
    sim = sim_of(request)
    org = sim.org
    prefix = (request.query.get("name") or "").lower()
    ids = set(list_param(request, "id"))
    items = [s for s in org.skills.values() if s.state != "deleted" and s.name.lower().startswith(prefix) and (not ids or s.id in ids)]
    return _listing(request, _by_name(items, request), lambda s: wire.routing_skill(s, org), "/api/v2/routing/skills")


async def skill_create(request: web.Request) -> web.Response:
    sim = sim_of(request)
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"].strip():
        raise bad_request("A skill needs a non-empty name.", detail("name", "required"))
    division_id = body.get("divisionId")
    if division_id is not None and not isinstance(division_id, str):
        raise bad_request("divisionId must be a string.", detail("divisionId", "invalid.value"))
    s = sim.org.create_skill(body["name"].strip(), division_id)
    return json_response(wire.routing_skill(s, sim.org))


async def skill_get(request: web.Request) -> web.Response:
    sim = sim_of(request)
    return json_response(wire.routing_skill(sim.org.skill(request.match_info["skillId"]), sim.org))


async def skill_delete(request: web.Request) -> web.Response:
    """Marks the skill deleted: it leaves the listing and can no longer be assigned (refused
    while something references it: ``routes_skilldefs.delete_skill``)."""
    routes_skilldefs.delete_skill(sim_of(request), request.match_info["skillId"])
    return no_content()


async def languages_list(request: web.Request) -> web.Response:
    sim = sim_of(request)
    prefix = (request.query.get("name") or "").lower()
    ids = set(list_param(request, "id"))
    items = [x for x in sim.org.languages.values() if x.state != "deleted" and x.name.lower().startswith(prefix) and (not ids or x.id in ids)]
    return _listing(request, _by_name(items, request), wire.language, "/api/v2/routing/languages")


async def language_get(request: web.Request) -> web.Response:
    sim = sim_of(request)
    return json_response(wire.language(sim.org.language(request.match_info["languageId"])))


# ---------------------------------------------------------------------- queues
def _name_matcher(pattern: str) -> Callable[[str], bool]:
    """Exact (case-insensitive) name, with ``*`` allowed at the start and/or end."""
    p = pattern.lower()
    lead, trail = p.startswith("*"), p.endswith("*") and len(p) > 1
    core = p.strip("*")
    if lead and trail:
        return lambda n: core in n.lower()
    if lead:
        return lambda n: n.lower().endswith(core)
    if trail:
        return lambda n: n.lower().startswith(core)
    return lambda n: n.lower() == p


async def queues_list(request: web.Request) -> web.Response:
    sim = sim_of(request)
    org = sim.org
    name = request.query.get("name")
    match = _name_matcher(name) if name else (lambda n: True)
    ids = set(list_param(request, "id"))
    divisions = set(list_param(request, "divisionId"))
    items = [q for q in org.queues.values() if match(q.name) and (not ids or q.id in ids) and (not divisions or q.division_id in divisions)]
    return _listing(request, _by_name(items, request), lambda q: wire.queue(q, org), "/api/v2/routing/queues")


async def queue_get(request: web.Request) -> web.Response:
    sim = sim_of(request)
    q = sim.org.queue(request.match_info["queueId"])
    resp = json_response(wire.queue(q, sim.org))
    routes_queueconfig.after_queue_read(sim, q, route_of(request))  # another admin, after the answer is built
    return resp


async def queue_members_list(request: web.Request) -> web.Response:
    """Reduced listing (no total/pageCount/lastUri), by member name; pageSize at most 100."""
    sim = sim_of(request)
    org = sim.org
    q = org.queue(request.match_info["queueId"])
    size, number = page_params(request, max_size=MAX_QUEUE_MEMBER_PAGE_SIZE)
    expand = list_param(request, "expand")
    member_by = request.query.get("memberBy")
    if member_by not in (None, "", "user", "group"):
        raise bad_request("memberBy must be user or group.", detail("memberBy", "invalid.value"))
    ordered = _members_by(org, q, member_by or None)
    if descending(request):
        ordered = ordered[::-1]
    name = (request.query.get("name") or "").lower()
    joined = request.query.get("joined")
    if name or joined:
        want_joined = bool_param(request, "joined") if joined else None
        ordered = [(uid, by) for uid, by in ordered if name in org.users[uid].name.lower() and (want_joined is None or q.members.get(uid, True) == want_joined)]
    start = (number - 1) * size
    page = ordered[start : start + size]
    entities = [wire.queue_member(q, org.users[uid], org, expand, by) for uid, by in page]
    return json_response(
        wire.page_listing(
            entities,
            path=f"/api/v2/routing/queues/{q.id}/members",
            keep=kept_params(request),
            page_number=number,
            page_size=size,
            total=None,
            has_next=start + size < len(ordered),
        )
    )


def _members_by(org: Org, q: Queue, member_by: str | None) -> list[tuple[str, str]]:
    """(user id, memberBy) in name order. Without a filter every member is listed once (direct
    first); ``memberBy=user`` the direct ones, ``memberBy=group`` those through a member group."""
    direct = [(uid, "user") for uid in org.queue_members_sorted(q)] if member_by in (None, "user") else []
    if member_by == "user" or not q.member_groups:
        return direct
    derived = skillgroups.derived_members(org, q)
    through = [(uid, "group") for uid in derived if member_by == "group" or uid not in q.members]
    merged = direct + through
    merged.sort(key=lambda m: (org.users[m[0]].name.lower(), m[0]))
    return merged


async def queue_members_post(request: web.Request) -> web.Response:
    """Bulk add (or remove with ``delete=true``) up to 100 users; all validated first; 204."""
    sim = sim_of(request)
    org = sim.org
    q = org.queue(request.match_info["queueId"])
    remove = bool_param(request, "delete")
    body = await json_body(request)
    if not isinstance(body, list):
        raise bad_request("The request body must be a JSON array of {id} objects.")
    if len(body) > MAX_QUEUE_MEMBERS_PER_REQUEST:
        raise bad_request(
            f"Too many members in one request: {len(body)}; the maximum is {MAX_QUEUE_MEMBERS_PER_REQUEST}.",
            detail("body", "max.size.exceeded"),
        )
    ids: list[str] = []
    details = []
    for idx, item in enumerate(body):
        uid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(uid, str) or not uid:
            details.append(detail(f"[{idx}].id", "required"))
        elif uid not in org.users:
            details.append(detail("id", "not.found", uid))
        else:
            ids.append(uid)
    if details:
        raise SimApiError(400, "bad.request", f"Invalid queue member list: {len(details)} unknown or missing user id(s).", details)
    if remove:
        org.remove_members(q, ids)
    else:
        org.add_members(q, ids)
    return no_content()


# ---------------------------------------------------------------------- divisions
async def divisions_list(request: web.Request) -> web.Response:
    sim = sim_of(request)
    org = sim.org
    ids = set(list_param(request, "id"))
    name = (request.query.get("name") or "").lower()
    items = [d for d in org.divisions.values() if (not ids or d.id in ids) and name in d.name.lower()]
    counts: dict[str, int] | None = None
    if bool_param(request, "objectCount"):
        counts = {d.id: 0 for d in org.divisions.values()}
        for u in org.users.values():
            counts[u.division_id] = counts.get(u.division_id, 0) + 1
    return _listing(
        request,
        items,
        lambda d: wire.authz_division(d, None if counts is None else counts[d.id]),
        "/api/v2/authorization/divisions",
    )


async def division_get(request: web.Request) -> web.Response:
    sim = sim_of(request)
    return json_response(wire.authz_division(sim.org.division(request.match_info["divisionId"])))


async def division_objects_post(request: web.Request) -> web.Response:
    """Move users into a division: a bare JSON array of user ids, all validated first; 204."""
    sim = sim_of(request)
    org = sim.org
    division = org.division(request.match_info["divisionId"])
    object_type = request.match_info["objectType"]
    if object_type != "USER":
        raise bad_request(f"The simulator only moves USER objects, not {object_type}.", detail("objectType", "invalid.value"))
    body = await json_body(request)
    if not isinstance(body, list) or not all(isinstance(x, str) for x in body):
        raise bad_request("The request body must be a JSON array of object id strings.")
    if not body:
        raise bad_request("The list of objects to move is empty.", detail("body", "required"))
    if len(body) > MAX_DIVISION_OBJECTS_PER_REQUEST:
        raise bad_request(f"Too many objects in one request: {len(body)}; the maximum is {MAX_DIVISION_OBJECTS_PER_REQUEST}.", detail("body", "too.many"))
    unknown = [uid for uid in body if uid not in org.users]
    if unknown:
        raise SimApiError(
            400,
            "bad.request",
            f"{len(unknown)} object id(s) are not users of this org: {', '.join(unknown[:5])}",
            [detail("id", "not.found", uid) for uid in unknown],
        )
    ids = list(dict.fromkeys(body))
    _reachable(sim, division.id, [org.users[uid].division_id for uid in ids])
    route = route_of(request)
    sim.before_users_write([org.users[uid] for uid in ids], route)
    org.move_users(division, ids)
    return no_content()


def _reachable(sim: Any, target: str, sources: list[str]) -> None:
    """A move needs the role in the division each user leaves and the one it enters
    (``forbidden_divisions``): one user out of reach refuses the whole list (guess: all-or-nothing,
    as the simulator validates every id first)."""
    forbidden = sim.config.forbidden_divisions
    if forbidden and ("*" in forbidden or target in forbidden or forbidden & set(sources)):
        raise SimApiError(403, MISSING_DIVISION_PERMISSION, "You are not authorized to move one or more of these objects (their division or the target's).")


def register(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v2/routing/skills", skills_list)
    r.add_post("/api/v2/routing/skills", skill_create)
    r.add_get("/api/v2/routing/skills/{skillId}", skill_get)
    r.add_delete("/api/v2/routing/skills/{skillId}", skill_delete)
    r.add_get("/api/v2/routing/languages", languages_list)
    r.add_get("/api/v2/routing/languages/{languageId}", language_get)
    r.add_get("/api/v2/routing/queues", queues_list)
    r.add_get("/api/v2/routing/queues/{queueId}", queue_get)
    r.add_get("/api/v2/routing/queues/{queueId}/members", queue_members_list)
    r.add_post("/api/v2/routing/queues/{queueId}/members", queue_members_post)
    r.add_get("/api/v2/authorization/divisions", divisions_list)
    r.add_get("/api/v2/authorization/divisions/{divisionId}", division_get)
    r.add_post("/api/v2/authorization/divisions/{divisionId}/objects/{objectType}", division_objects_post)
    routes_skilldefs.register(app)  # skill move, skill groups, dependency tracking
    routes_queueconfig.register(app)  # queue PUT, wrap-up codes, member activation
