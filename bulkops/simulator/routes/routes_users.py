"""/api/v2/users...: listings, one user, PATCH, and the user's routing skills/languages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from bulkops.simulator import wire
from bulkops.simulator.errors import bad_request, detail, not_found
from bulkops.simulator.httputil import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    descending,
    int_param,
    json_body,
    json_response,
    kept_params,
    list_param,
    no_content,
    page_params,
    route_of,
    sim_of,
)
from bulkops.simulator.model import cursor as cursors
from bulkops.simulator.model.org import MAX_BULK_LANGUAGES, MAX_BULK_SKILLS, User, valid_proficiency
from bulkops.simulator.routes import routes_search

if TYPE_CHECKING:
    from bulkops.simulator.core import Simulator

USER_STATE_FILTERS = ("active", "inactive", "deleted", "any")
#: Routing skills (and, separately, languages) one user may hold (Genesys Cloud's limits page).
MAX_USER_HOLD = 50


def _state_filter(request: web.Request, allowed: tuple[str, ...] = USER_STATE_FILTERS) -> str:
    state = request.query.get("state") or "active"
    if state not in allowed:
        raise bad_request(f"state must be one of {', '.join(allowed)}, got {state!r}.", detail("state", "invalid.value"))
    return state


def _matches(u: User, state: str) -> bool:
    return state == "any" or u.state == state


# ---------------------------------------------------------------------- users
async def users_query(request: web.Request) -> web.Response:
    """Cursor listing (``UserCursorEntityListing``) in id order; ``cursor`` absent on the last page."""
    sim = sim_of(request)
    org = sim.org
    size = int_param(request, "pageSize", DEFAULT_PAGE_SIZE, lo=1, hi=MAX_PAGE_SIZE)
    desc = descending(request)
    state = _state_filter(request)
    expand = list_param(request, "expand")
    token = request.query.get("cursor")
    position = None
    if token:
        c = cursors.decode(token, now=sim.clock(), ttl=sim.config.cursor_ttl)
        position, desc = c.after, c.descending  # a cursor continues the listing it came from
    entities: list[dict[str, Any]] = []
    last: str | None = None
    more = False
    for u in org.users_after(position, descending=desc):
        if not _matches(u, state):
            continue
        if len(entities) == size:
            more = True
            break
        entities.append(_best_effort(sim, wire.user(_seen(sim, u), org, expand)))
        last = u.id
    path = "/api/v2/users/query"
    out: dict[str, Any] = {
        "entities": entities,
        "results": len(entities),
        "selfUri": wire.uri(path, list(request.query.items())),
    }
    if more and last is not None:
        nxt = cursors.encode(cursors.Cursor(last, sim.clock(), desc))
        out["cursor"] = nxt
        out["nextUri"] = wire.uri(path, kept_params(request, frozenset({"cursor"})) + [("cursor", nxt)])
    return json_response(out)


async def users_list(request: web.Request) -> web.Response:
    """Page-number listing (``UserEntityListing``) in id order, optional ``id`` filter."""
    sim = sim_of(request)
    org = sim.org
    size, number = page_params(request)
    desc = descending(request)
    state = _state_filter(request)
    expand = list_param(request, "expand")
    ids = list_param(request, "id")
    if ids:
        chosen = sorted({i for i in ids if i in org.users and _matches(org.users[i], state)}, reverse=desc)
        total = len(chosen)
        page_ids = chosen[(number - 1) * size : number * size]
    elif state == "any" or org.all_in_state(state):
        ordered = org.sorted_user_ids
        total = len(ordered)
        start, stop = (number - 1) * size, number * size
        if desc:
            n = len(ordered)
            page_ids = [ordered[n - 1 - k] for k in range(start, min(stop, n))]
        else:
            page_ids = ordered[start:stop]
    else:
        matching = [u.id for u in org.users_after(None, descending=desc) if _matches(u, state)]
        total = len(matching)
        page_ids = matching[(number - 1) * size : number * size]
    entities = [_best_effort(sim, wire.user(_seen(sim, org.users[i]), org, expand)) for i in page_ids]
    return json_response(wire.page_listing(entities, path="/api/v2/users", keep=kept_params(request), page_number=number, page_size=size, total=total))


def _seen(sim: Simulator, user: User) -> User:
    """The user as a read sees it now: before a recent write, with ``read_lag_ms`` (``lag.py``)."""
    return sim.lag.view(user, sim.clock(), sim.config.read_lag_ms / 1000)


def _best_effort(sim: Simulator, user: dict[str, Any]) -> dict[str, Any]:
    """Expansions in a listing are best effort (``expand_drop_rate``): a dropped one is absent, not empty."""
    rate = sim.config.expand_drop_rate
    for key in ("skills", "languages"):
        if key in user and sim.faults.roll(rate):
            del user[key]
    return user


async def user_get(request: web.Request) -> web.Response:
    sim = sim_of(request)
    u = sim.org.user(request.match_info["userId"])
    state = _state_filter(request, ("active", "deleted"))
    if (u.state == "deleted") != (state == "deleted"):
        raise not_found("user", u.id)
    return json_response(wire.user(_seen(sim, u), sim.org, list_param(request, "expand")))


async def user_patch(request: web.Request) -> web.Response:
    """UpdateUser: all fields validated, then the version compared (409 when stale)."""
    sim = sim_of(request)
    u = sim.org.user(request.match_info["userId"])
    patch = sim.org.parse_user_patch(u, await json_body(request))
    sim.before_user_write(u, route_of(request), avoid_fields=patch.changes)
    sim.org.apply_user_patch(u, patch)
    return json_response(wire.user(u, sim.org))


# ---------------------------------------------------------------------- skills / languages
def _kind_of(request: web.Request) -> str:
    return "skill" if "/routingskills" in request.path else "language"


def _entity_listing(sim: Any, u: User, kind: str) -> list[dict[str, Any]]:
    return wire.user_skills(u, sim.org) if kind == "skill" else wire.user_languages(u, sim.org)


def _one(sim: Any, u: User, kind: str, entity_id: str) -> dict[str, Any]:
    if kind == "skill":
        return wire.user_skill(u.id, sim.org.skills[entity_id], u.skills[entity_id])
    return wire.user_language(u.id, sim.org.languages[entity_id], u.languages[entity_id])


def _held(u: User, kind: str) -> dict[str, float]:
    return u.skills if kind == "skill" else u.languages


def _collection_path(u: User, kind: str) -> str:
    return f"/api/v2/users/{u.id}/routing{kind}s"


async def assignments_get(request: web.Request) -> web.Response:
    """GET .../routingskills or .../routinglanguages: page-number listing ordered by name."""
    sim = sim_of(request)
    kind = _kind_of(request)
    u = sim.org.user(request.match_info["userId"])
    size, number = page_params(request)
    items = _entity_listing(sim, _seen(sim, u), kind)
    if descending(request):
        items.reverse()
    page = items[(number - 1) * size : number * size]
    return json_response(
        wire.page_listing(
            page,
            path=_collection_path(u, kind),
            keep=kept_params(request),
            page_number=number,
            page_size=size,
            total=len(items),
        )
    )


async def assignment_post(request: web.Request) -> web.Response:
    """POST one skill/language (adds it, or updates its proficiency if already held)."""
    sim = sim_of(request)
    kind = _kind_of(request)
    u = sim.org.user(request.match_info["userId"])
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request(f"The request body must be a JSON object (UserRouting{kind.title()}Post).")
    values = sim.org.parse_proficiencies([body], kind, max_items=1)
    sim.before_user_write(u, route_of(request), **{f"avoid_{kind}s": values})
    _check_cap(u, kind, values, replace=False)
    sim.org.set_proficiencies(u, kind, values, replace=False)
    (eid,) = values
    return json_response(_one(sim, u, kind, eid))


def _check_cap(u: User, kind: str, values: dict[str, float], *, replace: bool) -> None:
    """A user holds at most 50 skills and 50 languages (``MAX_USER_HOLD``): a write that would
    take them past it, and beyond what they hold now, is refused whole (docs/simulator.md)."""
    held = _held(u, kind)
    after = len(values) if replace else len(set(held) | set(values))
    if after > MAX_USER_HOLD and after > len(held):
        raise bad_request(
            f"A user may hold at most {MAX_USER_HOLD} routing {kind}s; this request would leave user {u.id} with {after}.",
            detail(f"{kind}s", "limit.exceeded", u.id),
        )


async def assignments_bulk(request: web.Request) -> web.Response:
    """PATCH bulk (add/update) or PUT bulk (replace the whole set): all or nothing."""
    sim = sim_of(request)
    kind = _kind_of(request)
    u = sim.org.user(request.match_info["userId"])
    limit = MAX_BULK_SKILLS if kind == "skill" else MAX_BULK_LANGUAGES
    values = sim.org.parse_proficiencies(await json_body(request), kind, max_items=limit)
    sim.before_user_write(u, route_of(request), **{f"avoid_{kind}s": values})
    _check_cap(u, kind, values, replace=request.method == "PUT")
    sim.org.set_proficiencies(u, kind, values, replace=request.method == "PUT")
    return json_response(wire.whole_listing(_entity_listing(sim, u, kind), _collection_path(u, kind)))


async def assignment_update(request: web.Request) -> web.Response:
    """PUT .../routingskills/{skillId} or PATCH .../routinglanguages/{languageId}: change one held entry."""
    sim = sim_of(request)
    kind = _kind_of(request)
    u = sim.org.user(request.match_info["userId"])
    eid = request.match_info["skillId" if kind == "skill" else "languageId"]
    entity = sim.org.skill(eid) if kind == "skill" else sim.org.language(eid)
    if eid not in _held(u, kind):
        raise not_found(f"{kind} assignment for user {u.id}", eid)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request(f"The request body must be a JSON object (UserRouting{kind.title()}).")
    details = []
    prof = body.get("proficiency")
    if prof is None and "state" not in body:
        details.append(detail("proficiency", "required", eid))
    elif prof is not None and not valid_proficiency(prof):
        details.append(detail("proficiency", "invalid.value", eid))
    if body.get("state") not in (None, "active"):
        details.append(detail("state", "invalid.value", eid))
    if entity.state != "active":
        details.append(detail("id", "inactive", eid))
    if details:
        raise bad_request(
            f"Invalid {kind} update for {entity.name}: "
            + ", ".join(f"{d['fieldName']} {d['errorCode']}" for d in details)
            + " (proficiency must be a number from 0.0 to 5.0).",
            *details,
        )
    values = {eid: float(prof) if prof is not None else _held(u, kind)[eid]}
    sim.before_user_write(u, route_of(request), **{f"avoid_{kind}s": values})
    sim.org.set_proficiencies(u, kind, values, replace=False)
    return json_response(_one(sim, u, kind, eid))


async def assignment_delete(request: web.Request) -> web.Response:
    sim = sim_of(request)
    kind = _kind_of(request)
    u = sim.org.user(request.match_info["userId"])
    eid = request.match_info["skillId" if kind == "skill" else "languageId"]
    if eid not in _held(u, kind):
        raise not_found(f"{kind} assignment for user {u.id}", eid)
    sim.before_user_write(u, route_of(request), **{f"avoid_{kind}s": (eid,)})
    sim.org.remove_proficiency(u, kind, eid)
    return no_content()


def register(app: web.Application) -> None:
    r = app.router
    routes_search.register(app)  # before /api/v2/users/{userId}
    r.add_get("/api/v2/users/query", users_query)
    r.add_get("/api/v2/users", users_list)
    r.add_get("/api/v2/users/{userId}", user_get)
    r.add_patch("/api/v2/users/{userId}", user_patch)
    r.add_get("/api/v2/users/{userId}/routingskills", assignments_get)
    r.add_post("/api/v2/users/{userId}/routingskills", assignment_post)
    r.add_put("/api/v2/users/{userId}/routingskills/bulk", assignments_bulk)
    r.add_patch("/api/v2/users/{userId}/routingskills/bulk", assignments_bulk)
    r.add_put("/api/v2/users/{userId}/routingskills/{skillId}", assignment_update)
    r.add_delete("/api/v2/users/{userId}/routingskills/{skillId}", assignment_delete)
    r.add_get("/api/v2/users/{userId}/routinglanguages", assignments_get)
    r.add_post("/api/v2/users/{userId}/routinglanguages", assignment_post)
    r.add_patch("/api/v2/users/{userId}/routinglanguages/bulk", assignments_bulk)
    r.add_patch("/api/v2/users/{userId}/routinglanguages/{languageId}", assignment_update)
    r.add_delete("/api/v2/users/{userId}/routinglanguages/{languageId}", assignment_delete)
