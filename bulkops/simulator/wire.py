"""Store records -> the platform's JSON shapes (field names per the SDK's attribute_map).

Nothing here mutates; every function is a pure view so the routes stay thin and the
shapes can be checked against the official SDK in one place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from bulkops.simulator.model import queueconfig, skillgroups
from bulkops.simulator.model.org import Division, Language, Org, Queue, Skill, User

API = "/api/v2"


def division_ref(d: Division) -> dict[str, Any]:
    return {"id": d.id, "name": d.name, "selfUri": f"{API}/authorization/divisions/{d.id}"}


def authz_division(d: Division, object_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": d.id,
        "name": d.name,
        "description": d.description,
        "homeDivision": d.home,
        "selfUri": f"{API}/authorization/divisions/{d.id}",
    }
    if object_count is not None:
        out["objectCounts"] = {"USER": object_count}
    return out


def routing_skill(s: Skill, org: Org) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": s.id,
        "name": s.name,
        "dateModified": s.date_modified,
        "state": s.state,
        "version": str(s.version),
        "selfUri": f"{API}/routing/skills/{s.id}",
    }
    d = org.divisions.get(s.division_id)
    if d is not None:
        out["division"] = division_ref(d)
    return out


def language(x: Language) -> dict[str, Any]:
    return {
        "id": x.id,
        "name": x.name,
        "dateModified": x.date_modified,
        "state": x.state,
        "version": str(x.version),
        "selfUri": f"{API}/routing/languages/{x.id}",
    }


def user_skill(user_id: str, s: Skill, proficiency: float) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "proficiency": proficiency,
        "state": s.state,
        "skillUri": f"{API}/routing/skills/{s.id}",
        "selfUri": f"{API}/users/{user_id}/routingskills/{s.id}",
    }


def user_language(user_id: str, x: Language, proficiency: float) -> dict[str, Any]:
    return {
        "id": x.id,
        "name": x.name,
        "proficiency": proficiency,
        "state": x.state,
        "languageUri": f"{API}/routing/languages/{x.id}",
        "selfUri": f"{API}/users/{user_id}/routinglanguages/{x.id}",
    }


def user_skills(u: User, org: Org) -> list[dict[str, Any]]:
    """The user's skills, ordered by skill name (then id) for a stable listing."""
    items = [(org.skills[sid], p) for sid, p in u.skills.items() if sid in org.skills]
    items.sort(key=lambda sp: (sp[0].name.lower(), sp[0].id))
    return [user_skill(u.id, s, p) for s, p in items]


def user_languages(u: User, org: Org) -> list[dict[str, Any]]:
    items = [(org.languages[lid], p) for lid, p in u.languages.items() if lid in org.languages]
    items.sort(key=lambda lp: (lp[0].name.lower(), lp[0].id))
    return [user_language(u.id, x, p) for x, p in items]


def user(u: User, org: Org, expand: Iterable[str] = ()) -> dict[str, Any]:
    """A ``User``; ``manager`` is a nested ``{id, selfUri}``, skills/languages only on expand."""
    out: dict[str, Any] = {
        "id": u.id,
        "name": u.name,
        "chat": {"jabberId": f"{u.id}@sim.bulkops.local"},
        "department": u.department,
        "email": u.email,
        "primaryContactInfo": [{"address": u.email, "mediaType": "EMAIL", "type": "PRIMARY"}],
        "addresses": [],
        "state": u.state,
        "title": u.title,
        "username": u.username,
        "version": u.version,
        "acdAutoAnswer": u.acd_auto_answer,
        "selfUri": f"{API}/users/{u.id}",
    }
    if u.department is None:
        del out["department"]
    if u.title is None:
        del out["title"]
    if u.preferred_name is not None:
        out["preferredName"] = u.preferred_name
    d = org.divisions.get(u.division_id)
    if d is not None:
        out["division"] = division_ref(d)
    if u.manager_id is not None:
        out["manager"] = {"id": u.manager_id, "selfUri": f"{API}/users/{u.manager_id}"}
    expand = set(expand)
    if "skills" in expand:
        out["skills"] = user_skills(u, org)
    if "languages" in expand:
        out["languages"] = user_languages(u, org)
    return out


def queue(q: Queue, org: Org) -> dict[str, Any]:
    joined = sum(1 for j in q.members.values() if j)
    out = {
        "id": q.id,
        "name": q.name,
        "description": q.description,
        "dateCreated": q.date_created,
        "dateModified": q.date_modified,
        "memberCount": len(skillgroups.all_members(org, q)),  # direct and through groups
        "userMemberCount": len(q.members),
        "joinedMemberCount": joined,
        **queueconfig.settings_view(org, q.id),  # skillEvaluationMethod, mediaSettings, bullseye, acwSettings, ...
        "memberGroups": [{"id": g.id, "name": g.name, "type": g.type} for g in q.member_groups],
        "selfUri": f"{API}/routing/queues/{q.id}",
    }
    d = org.divisions.get(q.division_id)
    if d is not None:
        out["division"] = division_ref(d)
    return out


def queue_member(q: Queue, u: User, org: Org, expand: Iterable[str] = (), member_by: str = "user") -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.name,
        "user": user(u, org, expand),
        "ringNumber": 1,
        "joined": q.members.get(u.id, True),
        "memberBy": member_by,
        "selfUri": f"{API}/routing/queues/{q.id}/members/{u.id}",
    }


# ---------------------------------------------------------------------- listings
def uri(path: str, params: list[tuple[str, str]]) -> str:
    """API-relative path+query, as the platform writes its ``*Uri`` fields."""
    return f"{path}?{urlencode(params)}" if params else path


def page_listing(
    entities: list[dict[str, Any]],
    *,
    path: str,
    keep: list[tuple[str, str]],
    page_number: int,
    page_size: int,
    total: int | None,
    has_next: bool | None = None,
) -> dict[str, Any]:
    """A page-number ``*EntityListing``; with ``total=None`` the reduced queue-member form.

    ``keep`` holds the caller's other query parameters, repeated in every ``*Uri``.
    """

    def at(n: int) -> str:
        return uri(path, keep + [("pageSize", str(page_size)), ("pageNumber", str(n))])

    out: dict[str, Any] = {"entities": entities, "pageSize": page_size, "pageNumber": page_number}
    if total is not None:
        page_count = math.ceil(total / page_size) if page_size else 0
        out["total"] = total
        out["pageCount"] = page_count
        more = page_number < page_count
    else:
        page_count = None
        more = bool(has_next)
    out["firstUri"] = at(1)
    out["selfUri"] = at(page_number)
    if more:
        out["nextUri"] = at(page_number + 1)
    if page_number > 1:
        out["previousUri"] = at(page_number - 1)
    if page_count is not None:
        out["lastUri"] = at(max(page_count, 1))
    return out


def whole_listing(entities: list[dict[str, Any]], path: str) -> dict[str, Any]:
    """Every entity on one page (the answer of a bulk skills/languages write)."""
    size = max(25, len(entities))
    return page_listing(entities, path=path, keep=[], page_number=1, page_size=size, total=len(entities))
