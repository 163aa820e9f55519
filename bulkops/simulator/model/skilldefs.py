"""Skill definitions and what depends on them: skill groups, flows, and the delete guard.

State only, plus the pure rules (condition validation, membership, references), so the
routes stay thin and the rules are tested without HTTP. Nothing here imports ``org`` at run
time (``org`` holds a :class:`SkillDefsStore`); the org is passed in where it is needed.

Sources (docs/simulator.md, "Skill definitions"): ``SkillGroup``/``SkillGroupCondition``/
``SkillGroupRoutingCondition`` (skills named by *name*, proficiency an integer 0-5),
``Dependency`` and ``ConsumingResourcesEntityListing`` in the official SDK.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bulkops.simulator.errors import BAD_REQUEST, CONFLICT, INVALID_VALUE, SimApiError, detail
from bulkops.simulator.refusals import DUPLICATE_NAME, IN_USE

if TYPE_CHECKING:
    from bulkops.simulator.model.org import Org, Skill, User

OPERATIONS = ("And", "Not", "Or")
COMPARATORS = ("EqualTo", "NotEqualTo", "LessThan", "GreaterThan", "GreaterThanOrEqualTo", "LessThanOrEqualTo")
#: ``Dependency.type`` values a flow consuming a skill can have (the SDK's enum, flow kinds only).
FLOW_TYPES = (
    "INBOUNDCALLFLOW",
    "INBOUNDCHATFLOW",
    "INBOUNDEMAILFLOW",
    "INBOUNDSHORTMESSAGEFLOW",
    "INQUEUECALLFLOW",
    "INQUEUEEMAILFLOW",
    "INQUEUESHORTMESSAGEFLOW",
    "OUTBOUNDCALLFLOW",
    "BOTFLOW",
    "DIGITALBOTFLOW",
    "COMMONMODULEFLOW",
    "WORKFLOW",
    "WORKITEMFLOW",
)
#: ``objectType`` values the consumingresources endpoint accepts that the simulator knows.
#: Only ACDSKILL has seeded consumers; the others answer an empty listing.
CONSUMED_TYPES = ("ACDSKILL", "ACDLANGUAGE", "ACDWRAPUPCODE", "QUEUE", "USER", "GROUP")
FLOW_FILTERS = ("checkedIn", "published")
#: The refusal of ``DELETE /api/v2/routing/skills/{id}`` while something references the skill.
#: A guess (docs/simulator.md): the platform answers 409 when deleting an object another one
#: references, and, as the issue says, without saying what references it.
IN_USE_MESSAGE = "The skill cannot be deleted because it is in use."
MAX_CONDITION_DEPTH = 8


@dataclass(slots=True)
class SkillGroup:
    """A skill expression group: members are the users whose skills satisfy ``conditions``."""

    id: str
    name: str
    division_id: str
    description: str
    date_created: str
    date_modified: str
    conditions: list[dict[str, Any]] = field(default_factory=list)  # validated SkillGroupCondition list
    member_divisions: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FlowDependency:
    """An Architect flow whose (checked-in, and maybe published) version consumes some skills."""

    id: str
    name: str
    type: str
    version: str
    skill_ids: set[str] = field(default_factory=set)
    published: bool = True


class SkillDefsStore:
    """Skill groups and flow dependencies of one org (persisted in ``Org.to_record``)."""

    def __init__(self) -> None:
        self.groups: dict[str, SkillGroup] = {}
        self.flows: dict[str, FlowDependency] = {}

    # ------------------------------------------------------------------ lookups
    def group(self, group_id: str) -> SkillGroup:
        g = self.groups.get(group_id)
        if g is None:
            raise SimApiError(404, "not.found", f"The requested skill group was not found: {group_id}", entity_id=group_id)
        return g

    def groups_by_name(self) -> list[SkillGroup]:
        return sorted(self.groups.values(), key=lambda g: (g.name.lower(), g.id))

    # ------------------------------------------------------------------ mutations
    def add_group(self, org: Org, *, name: str, conditions: list[dict[str, Any]], division_id: str, description: str, now: str) -> SkillGroup:
        if any(g.name.lower() == name.lower() for g in self.groups.values()):
            raise SimApiError(409, CONFLICT, f"A skill group named '{name}' already exists.", refusal=DUPLICATE_NAME)
        gid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bulkops-sim:{org.seed}:skillgroup:{name}:{len(self.groups)}"))
        g = SkillGroup(gid, name, division_id, description, now, now, conditions)
        self.groups[gid] = g
        return g

    def add_flow(self, org: Org, *, name: str, skill_ids: Iterable[str], type: str = "INBOUNDCALLFLOW", published: bool = True) -> FlowDependency:
        if type not in FLOW_TYPES:
            raise ValueError(f"flow type must be one of {', '.join(FLOW_TYPES)}")
        ids = set(skill_ids)
        unknown = ids - set(org.skills)
        if unknown:
            raise ValueError(f"unknown skill ids: {', '.join(sorted(unknown))}")
        fid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bulkops-sim:{org.seed}:flow:{name}:{len(self.flows)}"))
        f = FlowDependency(fid, name, type, "1.0", ids, published)
        self.flows[fid] = f
        return f

    # ------------------------------------------------------------------ persistence
    def to_record(self) -> dict[str, Any]:
        return {
            "groups": [
                {
                    "id": g.id,
                    "name": g.name,
                    "divisionId": g.division_id,
                    "description": g.description,
                    "dateCreated": g.date_created,
                    "dateModified": g.date_modified,
                    "skillConditions": g.conditions,
                    "memberDivisions": g.member_divisions,
                }
                for g in self.groups.values()
            ],
            "flows": [
                {"id": f.id, "name": f.name, "type": f.type, "version": f.version, "skillIds": sorted(f.skill_ids), "published": f.published}
                for f in self.flows.values()
            ],
        }

    @classmethod
    def from_record(cls, rec: dict[str, Any] | None) -> SkillDefsStore:
        store = cls()
        for g in (rec or {}).get("groups", []):
            store.groups[g["id"]] = SkillGroup(
                g["id"],
                g["name"],
                g["divisionId"],
                g.get("description", ""),
                g["dateCreated"],
                g["dateModified"],
                list(g.get("skillConditions", [])),
                list(g.get("memberDivisions", [])),
            )
        for f in (rec or {}).get("flows", []):
            store.flows[f["id"]] = FlowDependency(f["id"], f["name"], f["type"], f["version"], set(f["skillIds"]), bool(f.get("published", True)))
        return store


# ---------------------------------------------------------------------- conditions
def parse_conditions(org: Org, body: Any, *, where: str = "skillConditions") -> list[dict[str, Any]]:
    """A validated ``list[SkillGroupCondition]``: known enums, existing active skills and
    languages named by name, proficiency an integer 0-5. Every problem is reported at once."""
    details: list[dict[str, str]] = []
    if not isinstance(body, list) or not body:
        raise SimApiError(400, BAD_REQUEST, "A skill group needs at least one skill condition.", [detail(where, "required")])
    skills = {s.name.lower(): s for s in org.skills.values() if s.state == "active"}
    languages = {x.name.lower(): x for x in org.languages.values() if x.state == "active"}
    out = [_condition(c, f"{where}[{i}]", skills, languages, details, 0) for i, c in enumerate(body)]
    if details:
        fields = ", ".join(d["fieldName"] for d in details[:10])
        raise SimApiError(400, BAD_REQUEST, f"Invalid skill conditions: {fields}", details)
    return out


def _condition(c: Any, where: str, skills: dict[str, Any], languages: dict[str, Any], details: list[dict[str, str]], depth: int) -> dict[str, Any]:
    if depth > MAX_CONDITION_DEPTH:
        details.append(detail(where, "max.depth.exceeded"))
        return {}
    if not isinstance(c, dict):
        details.append(detail(where, INVALID_VALUE))
        return {}
    op = c.get("operation", "And")
    if op not in OPERATIONS:
        details.append(detail(f"{where}.operation", INVALID_VALUE))
    out: dict[str, Any] = {"routingSkillConditions": [], "languageSkillConditions": [], "operation": op}
    for key, name_key, catalogue in (("routingSkillConditions", "routingSkill", skills), ("languageSkillConditions", "languageSkill", languages)):
        items = c.get(key) or []
        if not isinstance(items, list):
            details.append(detail(f"{where}.{key}", INVALID_VALUE))
            continue
        for j, item in enumerate(items):
            at = f"{where}.{key}[{j}]"
            if not isinstance(item, dict):
                details.append(detail(at, INVALID_VALUE))
                continue
            details += condition_item_problems(item, at, name_key, catalogue)
            children = item.get("childConditions") or []
            children = children if isinstance(children, list) else []
            name = item.get(name_key)
            entity = catalogue.get(name.lower()) if isinstance(name, str) else None
            out[key].append(
                {
                    name_key: entity.name if entity is not None else name,
                    "comparator": item.get("comparator"),
                    "proficiency": item.get("proficiency"),
                    "childConditions": [_condition(ch, f"{at}.childConditions[{k}]", skills, languages, details, depth + 1) for k, ch in enumerate(children)],
                }
            )
    if not out["routingSkillConditions"] and not out["languageSkillConditions"] and not any(d["fieldName"].startswith(where) for d in details):
        details.append(detail(where, "required"))
    return out


def condition_item_problems(item: dict[str, Any], at: str, name_key: str, catalogue: dict[str, Any]) -> list[dict[str, str]]:
    """One skill or language condition's own problems (its children apart): the name missing or
    not an active one, the comparator, the proficiency (an integer 0-5), children not a list."""
    out: list[dict[str, str]] = []
    name = item.get(name_key)
    if not isinstance(name, str) or not name:
        out.append(detail(f"{at}.{name_key}", "required"))
    elif name.lower() not in catalogue:
        out.append(detail(f"{at}.{name_key}", "not.found"))
    if item.get("comparator") not in COMPARATORS:
        out.append(detail(f"{at}.comparator", INVALID_VALUE))
    prof = item.get("proficiency")
    if isinstance(prof, bool) or not isinstance(prof, int) or not 0 <= prof <= 5:
        out.append(detail(f"{at}.proficiency", INVALID_VALUE))
    if not isinstance(item.get("childConditions") or [], list):
        out.append(detail(f"{at}.childConditions", INVALID_VALUE))
    return out


def skill_names(conditions: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Every routing skill a condition tree names (children included)."""
    for c in conditions:
        for key in ("routingSkillConditions", "languageSkillConditions"):
            for item in c.get(key, []):
                if key == "routingSkillConditions":
                    yield item["routingSkill"]
                yield from skill_names(item.get("childConditions", []))


def _compare(held: float | None, comparator: str, wanted: int) -> bool:
    if held is None:
        return comparator == "NotEqualTo"
    return {
        "EqualTo": held == wanted,
        "NotEqualTo": held != wanted,
        "LessThan": held < wanted,
        "GreaterThan": held > wanted,
        "GreaterThanOrEqualTo": held >= wanted,
        "LessThanOrEqualTo": held <= wanted,
    }[comparator]


def matches(org: Org, user: User, conditions: list[dict[str, Any]]) -> bool:
    """Whether ``user`` belongs to a group with ``conditions`` (every top-level condition holds).

    A condition's terms combine by its ``operation`` (And: all, Or: any, Not: none); a term
    holds when the proficiency compares true and its child conditions all hold.
    """
    if user.state != "active":
        return False
    skills = {org.skills[sid].name.lower(): p for sid, p in user.skills.items() if sid in org.skills and org.skills[sid].state == "active"}
    languages = {org.languages[lid].name.lower(): p for lid, p in user.languages.items() if lid in org.languages}

    def holds(c: dict[str, Any]) -> bool:
        terms: list[bool] = []
        for key, name_key, held in (("routingSkillConditions", "routingSkill", skills), ("languageSkillConditions", "languageSkill", languages)):
            for item in c.get(key, []):
                ok = _compare(held.get(item[name_key].lower()), item["comparator"], item["proficiency"])
                terms.append(ok and all(holds(ch) for ch in item.get("childConditions", [])))
        op = c.get("operation", "And")
        if op == "Or":
            return any(terms)
        if op == "Not":
            return not any(terms)
        return all(terms)

    return all(holds(c) for c in conditions)


def member_count(org: Org, group: SkillGroup) -> int:
    return sum(1 for u in org.users.values() if matches(org, u, group.conditions))


# ---------------------------------------------------------------------- the delete guard
def references(org: Org, skill: Skill) -> list[str]:
    """What still references ``skill`` (for the simulator's own record; never sent to a client)."""
    found: list[str] = []
    name = skill.name.lower()
    for g in org.skilldefs.groups.values():
        if any(n.lower() == name for n in skill_names(g.conditions)):
            found.append(f"skill group {g.name}")
    for q in org.queues.values():
        if skill.id in org.queueconfig.ring_skill_ids(q.id):
            found.append(f"queue {q.name}")
    for f in org.skilldefs.flows.values():
        if skill.id in f.skill_ids:
            found.append(f"flow {f.name}")
    return found


def refuse_if_referenced(org: Org, skill: Skill) -> None:
    """409 naming nothing (as the platform's refusal) while a group, a queue ring or a flow uses the skill."""
    if references(org, skill):
        raise SimApiError(409, CONFLICT, IN_USE_MESSAGE, refusal=IN_USE)
