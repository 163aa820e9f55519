"""Queue configuration: the whole-queue PUT, wrap-up codes (org and per queue), member
activation (``PATCH .../members``), and the other administrator behind ``queue_admin_edit_rate``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bulkops.simulator import wire
from bulkops.simulator.errors import BAD_REQUEST, SimApiError, bad_request, detail, not_found
from bulkops.simulator.httputil import (
    descending,
    json_body,
    json_response,
    kept_params,
    list_param,
    no_content,
    page_params,
    sim_of,
)
from bulkops.simulator.model import queueconfig
from bulkops.simulator.model.org import MemberGroup, Org, Queue, iso, now_iso

if TYPE_CHECKING:
    from bulkops.simulator.core import Simulator

WRAPUP_PATH = "/api/v2/routing/wrapupcodes"


# ---------------------------------------------------------------------- the other administrator
def after_queue_read(sim: Simulator, queue: Queue, trigger: str) -> None:
    """Once a client has read ``queue`` (the answer already built), maybe let another
    administrator change one of its settings before the client's next write: always for a
    queue in ``always_admin_edit_queues``, otherwise at ``queue_admin_edit_rate``."""
    cfg = sim.config
    if queue.id not in cfg.always_admin_edit_queues and not sim.faults.roll(cfg.queue_admin_edit_rate):
        return
    queueconfig.admin_edit(sim.org, queue.id, sim.faults.rng, trigger=trigger, now=sim.clock(), at=iso(datetime.now(UTC)))
    queue.date_modified = now_iso()


async def admin_edits(request: web.Request) -> web.Response:
    """``GET /__sim/queue-edits``: every edit the other administrator made, oldest first."""
    return json_response(list(sim_of(request).org.queueconfig.admin_edits))


# ---------------------------------------------------------------------- PUT the whole queue
def _known_groups(org: Org) -> dict[str, MemberGroup]:
    return {g.id: g for q in org.queues.values() for g in q.member_groups}


def _resolve_groups(org: Org, refs: list[dict[str, str]], where: str, problems: list[dict[str, str]]) -> list[MemberGroup]:
    """Member groups named by a PUT: groups the org has (a team or group some queue uses) or
    skill groups (members: the users their conditions select, evaluated whenever asked)."""
    known = _known_groups(org)
    out: list[MemberGroup] = []
    for i, ref in enumerate(refs):
        gid, gtype = ref["id"], ref["type"]
        if gtype == "SKILLGROUP" and gid in org.skilldefs.groups:
            sg = org.skilldefs.groups[gid]
            out.append(MemberGroup(sg.id, sg.name, set(), "SKILLGROUP"))  # members evaluated live (skillgroups.py)
        elif gtype != "SKILLGROUP" and gid in known and known[gid].type == gtype:
            out.append(known[gid])
        else:
            problems.append(detail(f"{where}[{i}].id", "not.found", gid))
    return out


async def queue_put(request: web.Request) -> web.Response:
    """``PUT /api/v2/routing/queues/{id}`` (``QueueRequest``): the whole queue, no version (the
    last writer wins); validated whole first; answers the ``Queue``."""
    sim = sim_of(request)
    org = sim.org
    q = org.queue(request.match_info["queueId"])
    update = queueconfig.parse_queue_request(org, await json_body(request))
    problems: list[dict[str, str]] = []
    if any(o.id != q.id and o.name.lower() == update.name.lower() for o in org.queues.values()):
        problems.append(detail("name", "duplicate.value"))
    groups = _resolve_groups(org, update.member_groups, "memberGroups", problems)
    for i, ring in enumerate((update.settings.get("bullseye") or {}).get("rings", [])):
        _resolve_groups(org, ring.get("memberGroups", []), f"bullseye.rings[{i}].memberGroups", problems)
    if problems:
        raise SimApiError(400, BAD_REQUEST, "Invalid queue: " + ", ".join(p["fieldName"] for p in problems), problems)
    if q.name != update.name:
        q.name = update.name
    q.description = update.description
    if update.division_id is not None:
        q.division_id = update.division_id
    q.member_groups = groups
    org.queueconfig.settings[q.id] = update.settings
    q.date_modified = now_iso()
    return json_response(wire.queue(q, org))


# ---------------------------------------------------------------------- wrap-up codes
def _wrapup(org: Org, c: queueconfig.WrapupCode) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "dateCreated": c.date_created,
        "dateModified": c.date_modified,
        "selfUri": f"{WRAPUP_PATH}/{c.id}",
    }
    d = org.divisions.get(c.division_id)
    if d is not None:
        out["division"] = wire.division_ref(d)
    return out


def _name_filter(pattern: str | None) -> Callable[[str], bool]:
    """A name, with trailing ``*`` as a wildcard (case-insensitive)."""
    if not pattern:
        return lambda n: True
    p = pattern.lower()
    if p.endswith("*"):
        core = p.rstrip("*")
        return lambda n: n.lower().startswith(core)
    return lambda n: n.lower() == p


def _codes_listing(request: web.Request, org: Org, codes: list[queueconfig.WrapupCode], path: str) -> web.Response:
    size, number = page_params(request)
    codes = sorted(codes, key=lambda c: (c.name.lower(), c.id), reverse=descending(request))
    page = codes[(number - 1) * size : number * size]
    return json_response(
        wire.page_listing([_wrapup(org, c) for c in page], path=path, keep=kept_params(request), page_number=number, page_size=size, total=len(codes))
    )


async def wrapupcodes_list(request: web.Request) -> web.Response:
    """``WrapupCodeEntityListing`` of the org: ``name``, ``id`` and ``divisionId`` filters, by name."""
    sim = sim_of(request)
    org = sim.org
    match = _name_filter(request.query.get("name"))
    ids = set(list_param(request, "id"))
    divisions = set(list_param(request, "divisionId"))
    codes = [c for c in org.queueconfig.wrapup_codes.values() if match(c.name) and (not ids or c.id in ids) and (not divisions or c.division_id in divisions)]
    return _codes_listing(request, org, codes, WRAPUP_PATH)


async def queue_wrapupcodes_list(request: web.Request) -> web.Response:
    sim = sim_of(request)
    org = sim.org
    q = org.queue(request.match_info["queueId"])
    match = _name_filter(request.query.get("name"))
    codes = [org.queueconfig.wrapup_codes[cid] for cid in org.queueconfig.queue_codes.get(q.id, []) if cid in org.queueconfig.wrapup_codes]
    return _codes_listing(request, org, [c for c in codes if match(c.name)], f"/api/v2/routing/queues/{q.id}/wrapupcodes")


async def queue_wrapupcodes_post(request: web.Request) -> web.Response:
    """Add up to 100 codes (``list[WrapUpCodeReference]``), all validated first; answers the
    ``list[WrapupCode]`` named. A code the queue already has stays (no error, no duplicate)."""
    sim = sim_of(request)
    org = sim.org
    q = org.queue(request.match_info["queueId"])
    body = await json_body(request)
    if not isinstance(body, list):
        raise bad_request("The request body must be a JSON array of wrap-up code references ({id}).")
    if len(body) > queueconfig.MAX_WRAPUP_CODES_PER_REQUEST:
        raise bad_request(
            f"Too many wrap-up codes in one request: {len(body)}; the maximum is {queueconfig.MAX_WRAPUP_CODES_PER_REQUEST}.",
            detail("body", "max.size.exceeded"),
        )
    ids: list[str] = []
    problems = []
    for i, item in enumerate(body):
        cid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(cid, str) or not cid:
            problems.append(detail(f"[{i}].id", "required"))
        elif cid not in org.queueconfig.wrapup_codes:
            problems.append(detail("id", "not.found", cid))
        else:
            ids.append(cid)
    if problems:
        raise SimApiError(400, BAD_REQUEST, f"Invalid wrap-up code list: {len(problems)} unknown or missing id(s).", problems)
    held = org.queueconfig.queue_codes.setdefault(q.id, [])
    for cid in dict.fromkeys(ids):
        if cid not in held:
            held.append(cid)
    return json_response([_wrapup(org, org.queueconfig.wrapup_codes[cid]) for cid in dict.fromkeys(ids)])


async def queue_wrapupcode_delete(request: web.Request) -> web.Response:
    sim = sim_of(request)
    org = sim.org
    q = org.queue(request.match_info["queueId"])
    cid = request.match_info["codeId"]
    held = org.queueconfig.queue_codes.get(q.id, [])
    if cid not in held:
        raise not_found(f"wrap-up code on queue {q.id}", cid)
    held.remove(cid)
    return no_content()


# ---------------------------------------------------------------------- member activation
async def queue_members_patch(request: web.Request) -> web.Response:
    """Join or unjoin up to 100 members (``list[QueueMember]``: ``id`` and ``joined``), all
    validated first. Pairs for users who are not direct members are dropped silently, as the
    SDK documents for non-members; answers the listing of the members changed."""
    sim = sim_of(request)
    org = sim.org
    q = org.queue(request.match_info["queueId"])
    body = await json_body(request)
    if not isinstance(body, list):
        raise bad_request("The request body must be a JSON array of queue members ({id, joined}).")
    if len(body) > queueconfig.MAX_JOINS_PER_REQUEST:
        raise bad_request(
            f"Too many members in one request: {len(body)}; the maximum is {queueconfig.MAX_JOINS_PER_REQUEST}.",
            detail("body", "max.size.exceeded"),
        )
    wanted: dict[str, bool] = {}
    problems = []
    for i, item in enumerate(body):
        uid = item.get("id") if isinstance(item, dict) else None
        joined = item.get("joined") if isinstance(item, dict) else None
        if not isinstance(uid, str) or not uid:
            problems.append(detail(f"[{i}].id", "required"))
        elif not isinstance(joined, bool):
            problems.append(detail(f"[{i}].joined", "required", uid))
        else:
            wanted[uid] = joined
    if problems:
        raise SimApiError(400, BAD_REQUEST, f"Invalid queue member list: {len(problems)} problem(s).", problems)
    changed = [uid for uid in wanted if uid in q.members]
    for uid in changed:
        q.members[uid] = wanted[uid]
    entities = [wire.queue_member(q, org.users[uid], org) for uid in changed]
    return json_response(
        wire.page_listing(
            entities,
            path=f"/api/v2/routing/queues/{q.id}/members",
            keep=[],
            page_number=1,
            page_size=max(25, len(entities)),
            total=None,
            has_next=False,
        )
    )


def register(app: web.Application) -> None:
    r = app.router
    r.add_put("/api/v2/routing/queues/{queueId}", queue_put)
    r.add_patch("/api/v2/routing/queues/{queueId}/members", queue_members_patch)
    r.add_get(WRAPUP_PATH, wrapupcodes_list)
    r.add_get("/api/v2/routing/queues/{queueId}/wrapupcodes", queue_wrapupcodes_list)
    r.add_post("/api/v2/routing/queues/{queueId}/wrapupcodes", queue_wrapupcodes_post)
    r.add_delete("/api/v2/routing/queues/{queueId}/wrapupcodes/{codeId}", queue_wrapupcode_delete)
    r.add_get("/__sim/queue-edits", admin_edits)
