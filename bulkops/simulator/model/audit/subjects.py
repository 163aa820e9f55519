"""What each audited write touches, and how the platform's audit names it.

For every write route: the audit ``serviceName``, ``entityType`` and action, and a snapshot of
the entities the request can change (entity id -> property -> value; a set-valued property as
a frozenset). ``trail.recorded`` takes one before the handler and one after a 2xx; the
difference is the entry. A snapshot reads only what the request names (one user, one queue,
the users in the body), except for the org's small catalogues (skills, skill groups, labels).

Service names and entity types are the SDK's (``AuditTopicAuditLogMessage`` enums); which one
the real platform uses for each write, and the property names, are the simulator's guesses,
written down in docs/simulator.md ("The audit trail").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

if TYPE_CHECKING:
    from bulkops.simulator.core import Simulator
    from bulkops.simulator.model.org import Org

Props = dict[str, str | frozenset[str]]
Snapshot = dict[str, Props]
Snapshotter = Callable[["Simulator", web.Request, Any], Snapshot]

#: The three services a bulkops job writes through (one audit query each: a query names one service).
DIRECTORY = "Directory"
PEOPLE_PERMISSIONS = "PeoplePermissions"
ROUTING = "Routing"
#: The entity id of the org-wide utilization default (the simulator's org has no id of its own).
ORGANIZATION = "organization"


@dataclass(frozen=True, slots=True)
class Subject:
    service: str
    entity_type: str
    snapshot: Snapshotter
    #: The action of an entity that existed before and after (created/deleted ones are Create/Delete).
    update: str = "Update"
    #: For a set-valued property: the actions when elements only came, or only left.
    added: str | None = None
    removed: str | None = None
    names: Callable[[Org, str], str | None] | None = None
    #: Where the platform records what was asked rather than what changed (queue membership:
    #: adding a member who already is one is still a MemberAdd naming them), the asked values.
    requested: Callable[[Simulator, web.Request, Any], Snapshot] | None = None

    def action_for(self, old: Props | None, new: Props | None, changes: tuple[Any, ...]) -> str:
        if old is None:
            return "Create"
        if new is None or new.get("state") == "deleted":
            return "Delete"
        came = any(c.new_values and not c.old_values for c in changes)
        left = any(c.old_values and not c.new_values for c in changes)
        if self.added and came and not left:
            return self.added
        if self.removed and left and not came:
            return self.removed
        return self.update

    def name_of(self, org: Org, entity_id: str) -> str | None:
        return self.names(org, entity_id) if self.names is not None else None


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return v
    return orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode()


# ---------------------------------------------------------------------- users
def _user_id(request: web.Request, sim: Simulator) -> str | None:
    uid = request.match_info.get("userId")
    return uid if uid is not None and uid in sim.org.users else None


def user_fields(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    """The user's own fields (PATCH /users/{id}): every scalar of the User, the manager by id."""
    uid = _user_id(request, sim)
    if uid is None:
        return {}
    u = sim.org.users[uid]
    props: Props = {
        "name": _text(u.name),
        "email": _text(u.email),
        "department": _text(u.department),
        "title": _text(u.title),
        "manager": _text(u.manager_id),
        "preferredName": _text(u.preferred_name),
        "acdAutoAnswer": _text(u.acd_auto_answer),
        "state": _text(u.state) if u.state != "deleted" else "inactive",
    }
    return {uid: props}


def user_routing(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    """A user's routing skills and languages, one property per assignment (``skill:<id>`` = proficiency)."""
    uid = _user_id(request, sim)
    if uid is None:
        return {}
    u = sim.org.users[uid]
    props: Props = {f"skill:{sid}": _text(float(p)) for sid, p in u.skills.items()}
    props.update({f"language:{lid}": _text(float(p)) for lid, p in u.languages.items()})
    return {uid: props}


def user_division(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    """The users a division move names (the body: a list of ids): each one's division."""
    users = sim.org.users
    ids = [x for x in body if isinstance(x, str) and x in users] if isinstance(body, list) else []
    return {uid: {"division": users[uid].division_id} for uid in ids}


def user_utilization(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    """A user's own utilization setting (absent: the org default applies)."""
    from bulkops.simulator.model.utilization import _setting_record

    uid = _user_id(request, sim)
    if uid is None:
        return {}
    own = sim.org.utilization.users.get(uid)
    return {uid: {"utilization": _text(_setting_record(own)) if own is not None else "inherit"}}


def _user_name(org: Org, uid: str) -> str | None:
    u = org.users.get(uid)
    return u.name if u is not None else None


# ---------------------------------------------------------------------- queues
def _queue_id(request: web.Request, sim: Simulator) -> str | None:
    qid = request.match_info.get("queueId")
    return qid if qid is not None and qid in sim.org.queues else None


def queue_members(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    """A queue's direct members (``member``: the user ids) and the joined ones (``joined``)."""
    qid = _queue_id(request, sim)
    if qid is None:
        return {}
    members = sim.org.queues[qid].members
    return {qid: {"member": frozenset(members), "joined": frozenset(uid for uid, j in members.items() if j)}}


def asked_members(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    """The user ids a member write names: ``member`` (add/remove) or ``joined`` (the PATCH)."""
    qid = _queue_id(request, sim)
    if qid is None or not isinstance(body, list):
        return {}
    ids = frozenset(x["id"] for x in body if isinstance(x, dict) and isinstance(x.get("id"), str) and x["id"] in sim.org.users)
    return {qid: {"joined" if request.method == "PATCH" else "member": ids}}


def queue_settings(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    """A queue's record and settings (PUT /routing/queues/{id}), one property per top-level field."""
    from bulkops.simulator import wire

    qid = _queue_id(request, sim)
    if qid is None:
        return {}
    shown = wire.queue(sim.org.queues[qid], sim.org)
    skip = {"id", "selfUri", "dateModified", "modifiedBy", "memberCount", "userMemberCount", "joinedMemberCount"}
    return {qid: {k: _text(v) for k, v in shown.items() if k not in skip}}


def queue_wrapup_codes(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    qid = _queue_id(request, sim)
    if qid is None:
        return {}
    return {qid: {"wrapupCodes": frozenset(sim.org.queueconfig.queue_codes.get(qid, ()))}}


def _queue_name(org: Org, qid: str) -> str | None:
    q = org.queues.get(qid)
    return q.name if q is not None else None


# ---------------------------------------------------------------------- catalogues
def skills(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    return {s.id: {"name": s.name, "state": s.state, "division": s.division_id} for s in sim.org.skills.values()}


def skill_groups(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    return {
        g.id: {"name": g.name, "description": g.description, "division": g.division_id, "skillConditions": _text(g.conditions)}
        for g in sim.org.skilldefs.groups.values()
    }


def utilization_labels(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    return {x.id: {"name": x.name} for x in sim.org.utilization.labels.values()}


def org_utilization(sim: Simulator, request: web.Request, body: Any) -> Snapshot:
    from bulkops.simulator.model.utilization import _setting_record

    return {ORGANIZATION: {"utilization": _text(_setting_record(sim.org.utilization.org))}}


def _skill_name(org: Org, sid: str) -> str | None:
    s = org.skills.get(sid)
    return s.name if s is not None else None


def _group_name(org: Org, gid: str) -> str | None:
    g = org.skilldefs.groups.get(gid)
    return g.name if g is not None else None


def _label_name(org: Org, lid: str) -> str | None:
    x = org.utilization.labels.get(lid)
    return x.name if x is not None else None


_FIELDS = Subject(DIRECTORY, "User", user_fields, names=_user_name)
_ROUTING_INFO = Subject(ROUTING, "AgentRoutingInfo", user_routing, names=_user_name)
_UTILIZATION = Subject(ROUTING, "AgentRoutingInfo", user_utilization, names=_user_name)
_MEMBERS = Subject(
    ROUTING, "Queue", queue_members, update="MemberUpdate", added="MemberAdd", removed="MemberRemove", names=_queue_name, requested=asked_members
)
_JOINS = Subject(ROUTING, "Queue", queue_members, update="MemberUpdate", names=_queue_name, requested=asked_members)
_SKILLS = Subject(ROUTING, "RoutingSkill", skills, names=_skill_name)
_GROUPS = Subject(ROUTING, "SkillGroup", skill_groups, names=_group_name)
_LABELS = Subject(ROUTING, "RoutingUtilizationTag", utilization_labels, names=_label_name)
_CODES = Subject(ROUTING, "Queue", queue_wrapup_codes, added="WrapupCodeAdd", removed="WrapupCodeRemove", names=_queue_name)

#: (method, canonical route) -> what the write touches. A route not here is not audited (reads,
#: the users search, the audit query itself).
ROUTES: Mapping[tuple[str, str], Subject] = {
    ("PATCH", "/api/v2/users/{userId}"): _FIELDS,
    ("POST", "/api/v2/users/{userId}/routingskills"): _ROUTING_INFO,
    ("PUT", "/api/v2/users/{userId}/routingskills/bulk"): _ROUTING_INFO,
    ("PATCH", "/api/v2/users/{userId}/routingskills/bulk"): _ROUTING_INFO,
    ("PUT", "/api/v2/users/{userId}/routingskills/{skillId}"): _ROUTING_INFO,
    ("DELETE", "/api/v2/users/{userId}/routingskills/{skillId}"): _ROUTING_INFO,
    ("POST", "/api/v2/users/{userId}/routinglanguages"): _ROUTING_INFO,
    ("PATCH", "/api/v2/users/{userId}/routinglanguages/bulk"): _ROUTING_INFO,
    ("PATCH", "/api/v2/users/{userId}/routinglanguages/{languageId}"): _ROUTING_INFO,
    ("DELETE", "/api/v2/users/{userId}/routinglanguages/{languageId}"): _ROUTING_INFO,
    ("POST", "/api/v2/authorization/divisions/{divisionId}/objects/{objectType}"): Subject(
        PEOPLE_PERMISSIONS, "User", user_division, update="Move", names=_user_name
    ),
    ("POST", "/api/v2/routing/queues/{queueId}/members"): _MEMBERS,
    ("PATCH", "/api/v2/routing/queues/{queueId}/members"): _JOINS,
    ("PUT", "/api/v2/routing/queues/{queueId}"): Subject(ROUTING, "Queue", queue_settings, names=_queue_name),
    ("POST", "/api/v2/routing/queues/{queueId}/wrapupcodes"): _CODES,
    ("DELETE", "/api/v2/routing/queues/{queueId}/wrapupcodes/{codeId}"): _CODES,
    ("POST", "/api/v2/routing/skills"): _SKILLS,
    ("PATCH", "/api/v2/routing/skills/{skillId}"): _SKILLS,
    ("DELETE", "/api/v2/routing/skills/{skillId}"): _SKILLS,
    ("POST", "/api/v2/routing/skillgroups"): _GROUPS,
    ("PATCH", "/api/v2/routing/skillgroups/{skillGroupId}"): _GROUPS,
    ("DELETE", "/api/v2/routing/skillgroups/{skillGroupId}"): _GROUPS,
    ("PUT", "/api/v2/routing/users/{userId}/utilization"): _UTILIZATION,
    ("DELETE", "/api/v2/routing/users/{userId}/utilization"): _UTILIZATION,
    ("PUT", "/api/v2/routing/utilization"): Subject(ROUTING, "MaxOrgRoutingUtilizationCapacity", org_utilization),
    ("DELETE", "/api/v2/routing/utilization"): Subject(ROUTING, "MaxOrgRoutingUtilizationCapacity", org_utilization),
    ("POST", "/api/v2/routing/utilization/labels"): _LABELS,
    ("PUT", "/api/v2/routing/utilization/labels/{labelId}"): _LABELS,
    ("DELETE", "/api/v2/routing/utilization/labels/{labelId}"): _LABELS,
}

#: ``GET /api/v2/audits/query/servicemapping``: the services, entity types and actions the trail records.
SERVICES: dict[str, dict[str, list[str]]] = {
    DIRECTORY: {"User": ["Update"]},
    PEOPLE_PERMISSIONS: {"User": ["Move"]},
    ROUTING: {
        "AgentRoutingInfo": ["Update"],
        "Queue": ["Update", "MemberAdd", "MemberRemove", "MemberUpdate", "WrapupCodeAdd", "WrapupCodeRemove"],
        "RoutingSkill": ["Create", "Update", "Delete"],
        "SkillGroup": ["Create", "Update", "Delete"],
        "RoutingUtilizationTag": ["Create", "Update", "Delete"],
        "MaxOrgRoutingUtilizationCapacity": ["Update"],
    },
}


def service_mapping(moved: Mapping[str, str]) -> dict[str, dict[str, list[str]]]:
    """``SERVICES`` as a platform that audits some entity types under another service shows it
    (``audit_entity_services``, entity type -> service): those types listed under their new service only."""
    out: dict[str, dict[str, list[str]]] = {}
    for service, types in SERVICES.items():
        for entity_type, actions in types.items():
            out.setdefault(moved.get(entity_type, service), {})[entity_type] = list(actions)
    return out


def serviced(subject: Subject, moved: Mapping[str, str]) -> Subject:
    """``subject`` recorded under the service ``moved`` gives its entity type, if any."""
    service = moved.get(subject.entity_type)
    return subject if service is None or service == subject.service else replace(subject, service=service)
