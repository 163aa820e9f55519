"""Skill definitions: move a skill to a division, delete it (guarded), skill groups, and the
Architect flows that consume a skill (``/api/v2/architect/dependencytracking/consumingresources``)."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bulkops.simulator import wire
from bulkops.simulator.errors import BAD_REQUEST, SimApiError, bad_request, detail, not_found
from bulkops.simulator.httputil import int_param, json_body, json_response, kept_params, list_param, no_content, page_params, sim_of
from bulkops.simulator.model import skilldefs
from bulkops.simulator.model.org import Org, Skill, now_iso
from bulkops.simulator.refusals import DUPLICATE_NAME

if TYPE_CHECKING:
    from bulkops.simulator.core import Simulator

DEFAULT_GROUP_PAGE = 25
MAX_GROUP_PAGE = 100  # a guess: the SDK states no maximum for the skill group listing
GROUPS_PATH = "/api/v2/routing/skillgroups"


# ---------------------------------------------------------------------- skills
def _live_skill(org: Org, skill_id: str) -> Skill:
    """The skill, unless it does not exist or is deleted (a write to a deleted skill is a 404)."""
    s = org.skills.get(skill_id)
    if s is None or s.state == "deleted":
        raise not_found("skill", skill_id)
    return s


def delete_skill(sim: Simulator, skill_id: str) -> None:
    """``DELETE /api/v2/routing/skills/{id}``: refused (409, naming nothing) while a skill group
    condition, a queue's bullseye ring or a flow uses it; otherwise the skill stays, ``deleted``.

    Users holding it keep the assignment, which their skill listings show as ``state: deleted``
    (it no longer routes and cannot be assigned again)."""
    s = _live_skill(sim.org, skill_id)
    skilldefs.refuse_if_referenced(sim.org, s)
    s.state = "deleted"
    s.version += 1
    s.date_modified = now_iso()


async def skill_patch(request: web.Request) -> web.Response:
    """``PATCH /api/v2/routing/skills/{id}`` with ``UpdateSkillDivisionRequest``: move it to a division."""
    sim = sim_of(request)
    org = sim.org
    s = _live_skill(org, request.match_info["skillId"])
    body = await json_body(request)
    division_id = body.get("divisionId") if isinstance(body, dict) else None
    if not isinstance(division_id, str) or not division_id:
        raise bad_request("divisionId is required (UpdateSkillDivisionRequest).", detail("divisionId", "required"))
    if division_id not in org.divisions:
        raise bad_request(f"The division does not exist: {division_id}", detail("divisionId", "not.found", division_id))
    if s.division_id != division_id:
        s.division_id = division_id
        s.version += 1
        s.date_modified = now_iso()
    return json_response(wire.routing_skill(s, org))


# ---------------------------------------------------------------------- skill groups
def _group_definition(org: Org, g: skilldefs.SkillGroup) -> dict[str, Any]:
    """``SkillGroupDefinition`` (what the listing carries: no conditions)."""
    out: dict[str, Any] = {
        "id": g.id,
        "name": g.name,
        "description": g.description,
        "memberCount": skilldefs.member_count(org, g),
        "dateModified": g.date_modified,
        "dateCreated": g.date_created,
        "selfUri": f"{GROUPS_PATH}/{g.id}",
    }
    d = org.divisions.get(g.division_id)
    if d is not None:
        out["division"] = wire.division_ref(d)
    return out


def _group(org: Org, g: skilldefs.SkillGroup, *, with_divisions: bool = False) -> dict[str, Any]:
    """``SkillGroup`` (GET one, PATCH), or ``SkillGroupWithMemberDivisions`` (POST)."""
    out = _group_definition(org, g)
    out["status"] = "Complete"
    out["skillConditions"] = g.conditions
    if with_divisions:
        out["memberDivisions"] = list(g.member_divisions)
    return out


def _cursor(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request("The cursor is invalid.", detail("after", "invalid.cursor")) from None


def _token(group_id: str) -> str:
    return base64.urlsafe_b64encode(group_id.encode("ascii")).decode("ascii").rstrip("=")


async def groups_list(request: web.Request) -> web.Response:
    """``SkillGroupEntityListing``: cursor paging (``after``/``before``), by name; ``name`` a prefix."""
    sim = sim_of(request)
    org = sim.org
    size = int_param(request, "pageSize", DEFAULT_GROUP_PAGE, lo=1, hi=MAX_GROUP_PAGE)
    prefix = (request.query.get("name") or "").lower()
    items = [g for g in org.skilldefs.groups_by_name() if g.name.lower().startswith(prefix)]
    ids = [g.id for g in items]
    after, before = request.query.get("after"), request.query.get("before")
    start = 0
    if after:
        gid = _cursor(after)
        start = ids.index(gid) + 1 if gid in ids else len(ids)
    elif before:
        gid = _cursor(before)
        start = max(0, (ids.index(gid) if gid in ids else 0) - size)
    page = items[start : start + size]
    keep = kept_params(request, frozenset({"after", "before", "pageSize"})) + [("pageSize", str(size))]
    out: dict[str, Any] = {"entities": [_group_definition(org, g) for g in page], "selfUri": wire.uri(GROUPS_PATH, list(request.query.items()))}
    if start + size < len(items) and page:
        out["nextUri"] = wire.uri(GROUPS_PATH, keep + [("after", _token(page[-1].id))])
    if start > 0 and page:
        out["previousUri"] = wire.uri(GROUPS_PATH, keep + [("before", _token(page[0].id))])
    return json_response(out)


async def group_get(request: web.Request) -> web.Response:
    sim = sim_of(request)
    return json_response(_group(sim.org, sim.org.skilldefs.group(request.match_info["skillGroupId"])))


def _division_of(org: Org, value: Any) -> str:
    if value is None:
        return org.home_division().id
    did = value.get("id") if isinstance(value, dict) else None
    if not isinstance(did, str) or did not in org.divisions:
        raise bad_request("division.id must name an existing division.", detail("division.id", "not.found"))
    return did


def _member_divisions(org: Org, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, str) and (x in org.divisions or x == "*") for x in value):
        raise bad_request("memberDivisions must list existing division ids.", detail("memberDivisions", "invalid.value"))
    return list(value)


async def group_create(request: web.Request) -> web.Response:
    """``POST /api/v2/routing/skillgroups`` (``SkillGroupWithMemberDivisions``)."""
    sim = sim_of(request)
    org = sim.org
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object (SkillGroupWithMemberDivisions).")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("A skill group needs a name.", detail("name", "required"))
    conditions = skilldefs.parse_conditions(org, body.get("skillConditions"))
    now = now_iso()
    g = org.skilldefs.add_group(
        org,
        name=name.strip(),
        conditions=conditions,
        division_id=_division_of(org, body.get("division")),
        description=str(body.get("description") or ""),
        now=now,
    )
    g.member_divisions = _member_divisions(org, body.get("memberDivisions"))
    return json_response(_group(org, g, with_divisions=True))


async def group_patch(request: web.Request) -> web.Response:
    """``PATCH /api/v2/routing/skillgroups/{id}`` (``SkillGroup``): what the body names changes."""
    sim = sim_of(request)
    org = sim.org
    g = org.skilldefs.group(request.match_info["skillGroupId"])
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object (SkillGroup).")
    name = body.get("name", g.name)
    if not isinstance(name, str) or not name.strip():
        raise bad_request("A skill group needs a name.", detail("name", "required"))
    if any(o.id != g.id and o.name.lower() == name.strip().lower() for o in org.skilldefs.groups.values()):
        raise SimApiError(409, "general.conflict", f"A skill group named '{name}' already exists.", refusal=DUPLICATE_NAME)
    conditions = skilldefs.parse_conditions(org, body["skillConditions"]) if body.get("skillConditions") is not None else g.conditions
    division_id = _division_of(org, body["division"]) if body.get("division") is not None else g.division_id
    g.name, g.conditions, g.division_id = name.strip(), conditions, division_id
    if "description" in body:
        g.description = str(body.get("description") or "")
    g.date_modified = now_iso()
    return json_response(_group(org, g))


async def group_delete(request: web.Request) -> web.Response:
    sim = sim_of(request)
    g = sim.org.skilldefs.group(request.match_info["skillGroupId"])
    del sim.org.skilldefs.groups[g.id]
    return no_content()


# ---------------------------------------------------------------------- dependency tracking
def _dependency(f: skilldefs.FlowDependency) -> dict[str, Any]:
    return {
        "id": f.id,
        "name": f.name,
        "version": f.version,
        "type": f.type,
        "deleted": False,
        "updated": False,
        "stateUnknown": False,
        "selfUri": f"/api/v2/flows/{f.id}",
    }


async def consuming_resources(request: web.Request) -> web.Response:
    """``ConsumingResourcesEntityListing``: the flows whose checked-in (or, with
    ``flowFilter=published``, published) version uses the object; page-number paging."""
    sim = sim_of(request)
    org = sim.org
    object_id = request.query.get("id")
    object_type = request.query.get("objectType")
    problems = []
    if not object_id:
        problems.append(detail("id", "required"))
    if not object_type:
        problems.append(detail("objectType", "required"))
    elif object_type not in skilldefs.CONSUMED_TYPES:
        problems.append(detail("objectType", "invalid.value"))
    flow_filter = request.query.get("flowFilter")
    if flow_filter and flow_filter not in skilldefs.FLOW_FILTERS:
        problems.append(detail("flowFilter", "invalid.value"))
    types = list_param(request, "resourceType")
    unknown_types = [t for t in types if t not in skilldefs.FLOW_TYPES]
    if unknown_types:
        problems.append(detail("resourceType", "invalid.value"))
    if problems:
        raise SimApiError(400, BAD_REQUEST, "Invalid dependency tracking query: " + ", ".join(p["fieldName"] for p in problems), problems)
    size, number = page_params(request)
    flows: list[skilldefs.FlowDependency] = []
    if object_type == "ACDSKILL":
        flows = [f for f in org.skilldefs.flows.values() if object_id in f.skill_ids]
        flows = [f for f in flows if (not types or f.type in types) and (flow_filter != "published" or f.published)]
        flows.sort(key=lambda f: (f.name.lower(), f.id))
    page = flows[(number - 1) * size : number * size]
    return json_response(
        wire.page_listing(
            [_dependency(f) for f in page],
            path="/api/v2/architect/dependencytracking/consumingresources",
            keep=kept_params(request),
            page_number=number,
            page_size=size,
            total=len(flows),
        )
    )


def register(app: web.Application) -> None:
    r = app.router
    r.add_patch("/api/v2/routing/skills/{skillId}", skill_patch)
    r.add_get(GROUPS_PATH, groups_list)
    r.add_post(GROUPS_PATH, group_create)
    r.add_get(GROUPS_PATH + "/{skillGroupId}", group_get)
    r.add_patch(GROUPS_PATH + "/{skillGroupId}", group_patch)
    r.add_delete(GROUPS_PATH + "/{skillGroupId}", group_delete)
    r.add_get("/api/v2/architect/dependencytracking/consumingresources", consuming_resources)
