"""Skill definitions and queue configuration: typed calls on a ``GenesysClient`` (#17, #18).

Functions, not methods, so ``GenesysClient`` stays the one request path and this module the one
place these endpoints live. Records and decoders: ``bulkops.client.endpoints.routing_records``. Endpoints
(PureCloudPlatformClientV2 ``RoutingApi`` and ``ArchitectApi``): ``/api/v2/routing/skills[/{id}]``
(GET, POST, PATCH division, DELETE), ``/api/v2/routing/skillgroups[/{id}]``,
``/api/v2/architect/dependencytracking/consumingresources``, ``/api/v2/routing/queues/{id}`` (GET,
PUT), ``/api/v2/routing/wrapupcodes``, ``/api/v2/routing/queues/{id}/wrapupcodes[/{codeId}]`` and
``PATCH /api/v2/routing/queues/{id}/members``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from bulkops.client.api import QUEUE_MEMBERS_PAGE, GenesysClient, Shape
from bulkops.client.createonce import create_once
from bulkops.client.echo import whole_echo
from bulkops.client.endpoints import routing_records as rec
from bulkops.client.endpoints.member_records import QueueMemberJoined, queue_member_joined
from bulkops.client.endpoints.queue_request import queue_request
from bulkops.client.refusals import is_duplicate_name, is_in_use, retyped
from bulkops.client.wire import ShapeError, chunks
from bulkops.errors import BadRequestError, ConflictError, MalformedResponseError

SKILLS_PATH = "/api/v2/routing/skills"
SKILL_GROUPS_PATH = "/api/v2/routing/skillgroups"
CONSUMERS_PATH = "/api/v2/architect/dependencytracking/consumingresources"
QUEUES_PATH = "/api/v2/routing/queues"
WRAPUP_PATH = "/api/v2/routing/wrapupcodes"
PAGE = 100
#: The skill group listing's page (its maximum is not documented; 100 is what the simulator allows).
SKILL_GROUPS_PAGE = 100
#: SDK: "Add up to 100 wrap-up codes to a queue"; "Join or unjoin a set of up to 100 users".
WRAPUP_CODES_PER_REQUEST = 100
JOINS_PER_REQUEST = 100


class SkillInUseError(ConflictError):
    """DELETE of a skill refused (409): a skill group, a queue's bullseye ring or a flow still uses
    it. The API does not say which: ``skill_groups_with_conditions``, the queues' ``rings`` and
    ``flows_consuming_skill`` do."""


class DuplicateSkillError(ConflictError):
    """A create refused because a skill of that name exists (a 409, or a 400 saying so): a conflict,
    so the engine reads again and finds the skill (``refusals.is_duplicate_name``)."""


def _q(segment: str) -> str:
    return quote(segment, safe="")


# ---------------------------------------------------------------------- skill definitions
async def list_skill_definitions(client: GenesysClient, *, name: str | None = None, ids: Iterable[str] = ()) -> list[rec.SkillDefinition]:
    """The org's skills (the listing leaves deleted ones out); ``name`` is a prefix, ``ids`` a filter."""
    params: dict[str, Any] = {"name": name, "id": list(ids) or None}
    entities = await client.all_entities(SKILLS_PATH, params=params, page_size=PAGE)
    return [rec.skill_definition(e) for e in entities]


async def get_skill_definition(client: GenesysClient, skill_id: str) -> rec.SkillDefinition:
    """One skill, deleted ones too (``state`` says so)."""
    resp = await client.request("GET", f"{SKILLS_PATH}/{_q(skill_id)}", shape=rec.skill_definition)
    result: rec.SkillDefinition = resp.data
    return result


async def create_skill_definition(client: GenesysClient, name: str, *, division_id: str | None = None) -> rec.SkillDefinition:
    """POST a skill, never re-sent blind: after a lost answer the name is looked up and the skill
    found adopted (``createonce``); a duplicate name refused is ``DuplicateSkillError``."""
    return await create_once(
        lambda: _post_skill(client, name, division_id), lambda: find_skill_definition(client, name), what=f"skill {name!r}", rounds=client.config.max_attempts
    )


async def find_skill_definition(client: GenesysClient, name: str) -> rec.SkillDefinition | None:
    """The skill named ``name`` (compared as the API does: ignoring case, trimmed), or None."""
    wanted = name.strip().casefold()
    return next((s for s in await list_skill_definitions(client, name=name.strip()) if s.name.strip().casefold() == wanted), None)


async def _post_skill(client: GenesysClient, name: str, division_id: str | None) -> rec.SkillDefinition:
    try:
        resp = await client.create_skill(name, division_id=division_id)
    except (ConflictError, BadRequestError) as exc:
        if not is_duplicate_name(exc):
            raise
        raise retyped(DuplicateSkillError, exc) from None
    try:
        return rec.skill_definition(resp.data)
    except ShapeError as exc:
        error = MalformedResponseError(resp.status, f"malformed response: {exc}", correlation_id=resp.correlation_id, method="POST", path=SKILLS_PATH)
        error.attempts = resp.attempts
        raise error from None


async def move_skill_definition(client: GenesysClient, skill_id: str, division_id: str) -> rec.SkillDefinition:
    """``PATCH`` with ``UpdateSkillDivisionRequest``: the skill moves to ``division_id``."""
    resp = await client.request("PATCH", f"{SKILLS_PATH}/{_q(skill_id)}", json={"divisionId": division_id}, shape=_moved(skill_id, division_id))
    result: rec.SkillDefinition = resp.data
    return result


async def delete_skill_definition(client: GenesysClient, skill_id: str) -> None:
    """DELETE the skill (it stays, ``state: deleted``). A 409 here is a skill still in use
    (``SkillInUseError``): a delete carries no version, so it is never a stale one. A 404 is a
    skill that does not exist or is already deleted (``NotFoundError``): the caller decides."""
    path = f"{SKILLS_PATH}/{_q(skill_id)}"
    try:
        await client.request("DELETE", path, no_content=True)
    except (ConflictError, BadRequestError) as exc:
        if not is_in_use(exc):  # a 409, or a 400 saying "in use" (refusals.py)
            raise
        raise retyped(SkillInUseError, exc) from None


# ---------------------------------------------------------------------- what depends on a skill
async def list_skill_groups(client: GenesysClient, *, name: str | None = None, page_size: int = SKILL_GROUPS_PAGE) -> list[rec.SkillGroupSummary]:
    """Every skill group (cursor paging with ``after``). The listing has no conditions:
    ``get_skill_group`` reads them."""
    out: list[rec.SkillGroupSummary] = []
    seen: set[str] = set()
    after: str | None = None

    def shape(data: Any) -> tuple[list[rec.SkillGroupSummary], str | None]:
        return rec.skill_group_page(data, seen=seen)

    while True:
        resp = await client.request("GET", SKILL_GROUPS_PATH, params={"pageSize": page_size, "name": name, "after": after}, shape=shape)
        groups, after = resp.data
        out.extend(groups)
        if after is None:
            return out
        seen.add(after)


async def get_skill_group(client: GenesysClient, group_id: str) -> rec.SkillGroup:
    resp = await client.request("GET", f"{SKILL_GROUPS_PATH}/{_q(group_id)}", shape=rec.skill_group)
    result: rec.SkillGroup = resp.data
    return result


async def skill_groups_with_conditions(client: GenesysClient) -> list[rec.SkillGroup]:
    """Every skill group with its conditions: the listing, then one read per group."""
    return [await get_skill_group(client, g.id) for g in await list_skill_groups(client)]


async def flows_consuming_skill(client: GenesysClient, skill_id: str, *, published_only: bool = False) -> list[rec.FlowDependency]:
    """Flows that use the skill (dependency tracking, ``objectType=ACDSKILL``)."""
    params = {"id": skill_id, "objectType": "ACDSKILL", "flowFilter": "published" if published_only else None}
    entities = await client.all_entities(CONSUMERS_PATH, params=params, page_size=PAGE)
    return [rec.flow_dependency(e) for e in entities]


# ---------------------------------------------------------------------- queue configuration
async def get_queue_config(client: GenesysClient, queue_id: str) -> rec.QueueConfig:
    resp = await client.request("GET", f"{QUEUES_PATH}/{_q(queue_id)}", shape=rec.queue_config)
    result: rec.QueueConfig = resp.data
    return result


async def put_queue_config(client: GenesysClient, queue_id: str, body: Mapping[str, Any]) -> rec.QueueConfig:
    """PUT the whole queue (``QueueRequest``; no version: the last writer wins). ``body`` should be
    a fresh read's ``request_body()`` with only the intended changes made."""
    if not body.get("name"):
        raise ValueError("a queue PUT carries the whole queue: 'name' is required")
    sent = queue_request(body)  # rule 0's queue never sent
    resp = await client.request("PUT", f"{QUEUES_PATH}/{_q(queue_id)}", json=sent, shape=whole_echo(queue_id, sent, rec.queue_config))
    result: rec.QueueConfig = resp.data
    return result


async def list_wrapup_codes(client: GenesysClient, *, name: str | None = None) -> list[rec.WrapupCode]:
    """The org's wrap-up codes (``name`` exact, or with a trailing ``*``)."""
    entities = await client.all_entities(WRAPUP_PATH, params={"name": name}, page_size=PAGE)
    return [rec.wrapup_code(e) for e in entities]


async def queue_wrapup_codes(client: GenesysClient, queue_id: str) -> list[rec.WrapupCode]:
    entities = await client.all_entities(f"{QUEUES_PATH}/{_q(queue_id)}/wrapupcodes", page_size=PAGE)
    return [rec.wrapup_code(e) for e in entities]


async def add_queue_wrapup_codes(client: GenesysClient, queue_id: str, code_ids: Iterable[str]) -> list[rec.WrapupCode]:
    """POST ``list[WrapUpCodeReference]``, 100 a request; adding a code the queue has is harmless."""
    path = f"{QUEUES_PATH}/{_q(queue_id)}/wrapupcodes"
    refs = [{"id": c} for c in dict.fromkeys(code_ids)]
    out: list[rec.WrapupCode] = []
    for chunk in chunks(refs, WRAPUP_CODES_PER_REQUEST):
        resp = await client.request("POST", path, json=chunk, shape=_codes_listed([r["id"] for r in chunk]))
        out.extend(resp.data)
    return out


async def remove_queue_wrapup_code(client: GenesysClient, queue_id: str, code_id: str) -> None:
    await client.request("DELETE", f"{QUEUES_PATH}/{_q(queue_id)}/wrapupcodes/{_q(code_id)}", no_content=True)


async def direct_members_joined(client: GenesysClient, queue_id: str, *, joined: bool | None = None) -> list[QueueMemberJoined]:
    """The queue's direct members (``memberBy=user``: the ones a member write changes) with their
    ``joined``; with ``joined``, only those joined (True) or unjoined (False), 100 a page."""
    params: dict[str, Any] = {"memberBy": "user", "joined": joined}
    entities = await client.all_entities(f"{QUEUES_PATH}/{_q(queue_id)}/members", params=params, page_size=QUEUE_MEMBERS_PAGE)
    return [queue_member_joined(e) for e in entities]


async def set_members_joined(client: GenesysClient, queue_id: str, joined: Mapping[str, bool]) -> dict[str, bool]:
    """PATCH ``list[QueueMember]`` (``id``, ``joined``), 100 a request. Returns what the answers
    list; a user who is not a member is left out by the API, so absent from the result. The change
    is asynchronous on the real platform: read the members back to confirm."""
    path = f"{QUEUES_PATH}/{_q(queue_id)}/members"
    body = [{"id": uid, "joined": bool(j)} for uid, j in joined.items()]
    out: dict[str, bool] = {}
    for chunk in chunks(body, JOINS_PER_REQUEST):
        resp = await client.request("PATCH", path, json=chunk, shape=rec.joined_members)
        out.update(resp.data)
    return out


def _moved(skill_id: str, division_id: str) -> Shape:
    """The skill division PATCH answers the ``RoutingSkill``: this skill, in the division written."""

    def check(data: Any) -> rec.SkillDefinition:
        skill = rec.skill_definition(data)
        if skill.id != skill_id:
            raise ShapeError(f"answer is skill {skill.id!r}, not {skill_id!r}")
        if skill.division is None or skill.division.id != division_id:
            raise ShapeError(f"skill answered outside the division {division_id!r} written")
        return skill

    return check


def _codes_listed(code_ids: list[str]) -> Shape:
    """Adding wrap-up codes answers the codes added: each one sent must be listed."""

    def check(data: Any) -> list[rec.WrapupCode]:
        codes = rec.wrapup_codes(data)
        missing = set(code_ids) - {c.id for c in codes}
        if missing:
            raise ShapeError(f"{len(missing)} wrap-up code(s) written but not in the answer")
        return codes

    return check
