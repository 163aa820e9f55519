"""Skill definitions and queue configuration as the API answers them: typed records and their
decoders, pure (tested without HTTP).

Every decoder is also a shape check: a 2xx that is not the documented shape is a ``ShapeError``,
which the client retries as a malformed answer and never takes as a value. Field names are the
official SDK's (``RoutingSkill``, ``SkillGroup``/``SkillGroupDefinition``/``SkillGroupCondition``,
``Dependency``, ``WrapupCode``, ``Queue``/``QueueMediaSettings``/``AcwSettings``/``Bullseye``).

A queue record keeps the whole body it was read from (``QueueConfig.raw``): the queue PUT
replaces the queue, so a read-modify-write must send back every field it does not change.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bulkops.client.endpoints.queue_request import queue_request
from bulkops.client.wire import ShapeError, is_int, json_object

MEDIA_TYPES = ("call", "callback", "chat", "email", "message")
#: ``Queue`` fields the system sets: never part of a PUT body built from a read.
QUEUE_READ_ONLY = frozenset({"id", "selfUri", "dateCreated", "dateModified", "modifiedBy", "createdBy", "memberCount", "userMemberCount", "joinedMemberCount"})


@dataclass(frozen=True, slots=True)
class DivisionRef:
    id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class SkillDefinition:
    """An org routing skill (``RoutingSkill``). ``version`` is a string on the wire."""

    id: str
    name: str
    state: str
    version: str | None
    division: DivisionRef | None
    date_modified: str | None

    @property
    def active(self) -> bool:
        return self.state == "active"


@dataclass(frozen=True, slots=True)
class SkillTerm:
    """One ``SkillGroupRoutingCondition`` (``kind`` "skill") or ``SkillGroupLanguageCondition``
    ("language"): skills and languages are named by *name*, proficiency an integer 0-5."""

    kind: str
    name: str
    comparator: str
    proficiency: int
    children: tuple[SkillGroupCondition, ...] = ()


@dataclass(frozen=True, slots=True)
class SkillGroupCondition:
    operation: str
    terms: tuple[SkillTerm, ...]


@dataclass(frozen=True, slots=True)
class SkillGroupSummary:
    """A ``SkillGroupDefinition``: what the listing carries (no conditions)."""

    id: str
    name: str
    division: DivisionRef | None
    description: str
    member_count: int | None


@dataclass(frozen=True, slots=True)
class SkillGroup:
    """A skill expression group (``SkillGroup``) with its conditions."""

    id: str
    name: str
    division: DivisionRef | None
    description: str
    member_count: int | None
    status: str | None
    conditions: tuple[SkillGroupCondition, ...]

    def skill_names(self) -> frozenset[str]:
        """Every routing skill the conditions name, children included (as written: by name)."""
        return frozenset(t.name for t in _terms(self.conditions) if t.kind == "skill")


def _terms(conditions: tuple[SkillGroupCondition, ...]) -> Iterator[SkillTerm]:
    for c in conditions:
        for t in c.terms:
            yield t
            yield from _terms(t.children)


@dataclass(frozen=True, slots=True)
class FlowDependency:
    """A ``Dependency`` that consumes an object (here: an Architect flow using a skill)."""

    id: str
    name: str
    type: str
    version: str | None
    deleted: bool


@dataclass(frozen=True, slots=True)
class WrapupCode:
    id: str
    name: str
    division: DivisionRef | None
    description: str


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    percentage: float | None
    duration_ms: int | None


@dataclass(frozen=True, slots=True)
class MediaSetting:
    alerting_timeout_seconds: int | None
    service_level: ServiceLevel | None


@dataclass(frozen=True, slots=True)
class AcwSettings:
    wrapup_prompt: str | None
    timeout_ms: int | None


@dataclass(frozen=True, slots=True)
class MemberGroupRef:
    id: str
    type: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class BullseyeRing:
    """One ring: the timeout that moves conversations on, the skills dropped on the way (ids),
    and the ring's member groups."""

    timeout_seconds: float | None
    skills_to_remove: tuple[str, ...]
    member_groups: tuple[MemberGroupRef, ...]


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """A queue's configuration: typed accessors for what bulkops changes, and ``raw``, the whole
    body read (read-only), so a PUT can send back what it does not change (``request_body``)."""

    id: str
    name: str
    division: DivisionRef | None
    skill_evaluation_method: str | None
    acw: AcwSettings | None
    media: Mapping[str, MediaSetting] = field(hash=False)
    rings: tuple[BullseyeRing, ...]
    member_groups: tuple[MemberGroupRef, ...]
    raw: Mapping[str, Any] = field(hash=False, repr=False)

    def request_body(self) -> dict[str, Any]:
        """A ``QueueRequest`` carrying everything read (a deep copy), minus what the system sets and
        the first conditional group routing rule's queue, which the API refuses (``queue_request``)."""
        return queue_request(self.raw, QUEUE_READ_ONLY)


# ---------------------------------------------------------------------- decoders
def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ShapeError(f"{key!r} is not a string")
    return value


def _int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is not None and not is_int(value):
        raise ShapeError(f"{key!r} is not an integer")
    return value


def _float(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ShapeError(f"{key!r} is not a number")
    return float(value)


def _object(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    if value is not None and not isinstance(value, dict):
        raise ShapeError(f"{key!r} is not an object")
    return value


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"{key!r} is not a list")
    return value


def division_ref(data: Mapping[str, Any], key: str = "division") -> DivisionRef | None:
    d = _object(data, key)
    if d is None:
        return None
    did = d.get("id")
    if not isinstance(did, str) or not did:
        raise ShapeError(f"{key} without an id")
    return DivisionRef(did, _str(d, "name"))


def skill_definition(data: Any) -> SkillDefinition:
    s = json_object(data, needs=("id", "name"))
    version = s.get("version")
    return SkillDefinition(
        id=s["id"],
        name=_str(s, "name") or "",
        state=_str(s, "state") or "active",
        version=None if version is None else str(version),
        division=division_ref(s),
        date_modified=_str(s, "dateModified"),
    )


def _condition(data: Any, depth: int = 0) -> SkillGroupCondition:
    if depth > 16:
        raise ShapeError("skill conditions nested too deep")
    if not isinstance(data, dict):
        raise ShapeError("a skill condition that is not an object")
    terms: list[SkillTerm] = []
    for key, kind, name_key in (("routingSkillConditions", "skill", "routingSkill"), ("languageSkillConditions", "language", "languageSkill")):
        for item in _list(data, key):
            if not isinstance(item, dict):
                raise ShapeError(f"a {key} entry that is not an object")
            name = item.get(name_key)
            proficiency = item.get("proficiency")
            if not isinstance(name, str) or not name:
                raise ShapeError(f"a {key} entry without {name_key!r}")
            if not isinstance(proficiency, int) or isinstance(proficiency, bool):
                raise ShapeError(f"a {key} entry whose proficiency is not an integer")
            children = tuple(_condition(c, depth + 1) for c in _list(item, "childConditions"))
            terms.append(SkillTerm(kind, name, _str(item, "comparator") or "", proficiency, children))
    return SkillGroupCondition(_str(data, "operation") or "And", tuple(terms))


def skill_group_summary(data: Any) -> SkillGroupSummary:
    g = json_object(data, needs=("id", "name"))
    return SkillGroupSummary(g["id"], g["name"], division_ref(g), _str(g, "description") or "", _int(g, "memberCount"))


def skill_group(data: Any) -> SkillGroup:
    g = json_object(data, needs=("id", "name"))
    if "skillConditions" not in g:
        raise ShapeError("skill group without 'skillConditions'")
    conditions = tuple(_condition(c) for c in _list(g, "skillConditions"))
    return SkillGroup(g["id"], g["name"], division_ref(g), _str(g, "description") or "", _int(g, "memberCount"), _str(g, "status"), conditions)


def flow_dependency(data: Any) -> FlowDependency:
    d = json_object(data, needs=("id", "type"))
    version = d.get("version")
    return FlowDependency(d["id"], _str(d, "name") or "", d["type"], None if version is None else str(version), bool(d.get("deleted", False)))


def wrapup_code(data: Any) -> WrapupCode:
    c = json_object(data, needs=("id", "name"))
    return WrapupCode(c["id"], c["name"], division_ref(c), _str(c, "description") or "")


def wrapup_codes(data: Any) -> list[WrapupCode]:
    """The answer of ``POST .../wrapupcodes``: a bare ``list[WrapupCode]``."""
    if not isinstance(data, list):
        raise ShapeError("expected a JSON array of wrap-up codes")
    return [wrapup_code(c) for c in data]


def _member_group(data: Any) -> MemberGroupRef:
    g = json_object(data, needs=("id", "type"))
    return MemberGroupRef(g["id"], g["type"], _str(g, "name"))


def _media(data: Any) -> MediaSetting:
    if not isinstance(data, dict):
        raise ShapeError("a media setting that is not an object")
    level = _object(data, "serviceLevel")
    return MediaSetting(
        _int(data, "alertingTimeoutSeconds"),
        None if level is None else ServiceLevel(_float(level, "percentage"), _int(level, "durationMs")),
    )


def _ring(data: Any) -> BullseyeRing:
    if not isinstance(data, dict):
        raise ShapeError("a bullseye ring that is not an object")
    timeout = None
    for c in _list(data, "expansionCriteria"):
        if isinstance(c, dict) and c.get("type") == "TIMEOUT_SECONDS":
            timeout = _float(c, "threshold")
    actions = _object(data, "actions") or {}
    removed = tuple(json_object(s)["id"] for s in _list(actions, "skillsToRemove"))
    return BullseyeRing(timeout, removed, tuple(_member_group(g) for g in _list(data, "memberGroups")))


def queue_config(data: Any) -> QueueConfig:
    """A ``Queue`` (GET one, or the PUT's answer)."""
    q = json_object(data, needs=("id", "name"))
    media = _object(q, "mediaSettings") or {}
    acw = _object(q, "acwSettings")
    bullseye = _object(q, "bullseye") or {}
    return QueueConfig(
        id=q["id"],
        name=q["name"],
        division=division_ref(q),
        skill_evaluation_method=_str(q, "skillEvaluationMethod"),
        acw=None if acw is None else AcwSettings(_str(acw, "wrapupPrompt"), _int(acw, "timeoutMs")),
        media=MappingProxyType({m: _media(media[m]) for m in MEDIA_TYPES if media.get(m) is not None}),
        rings=tuple(_ring(r) for r in _list(bullseye, "rings")),
        member_groups=tuple(_member_group(g) for g in _list(q, "memberGroups")),
        raw=MappingProxyType(copy.deepcopy(q)),
    )


def joined_members(data: Any) -> dict[str, bool]:
    """The answer of ``PATCH .../members``: member id -> ``joined`` as the answer lists it."""
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise ShapeError("expected a queue member listing")
    out: dict[str, bool] = {}
    for m in data["entities"]:
        member = json_object(m)
        if not isinstance(member.get("joined"), bool):
            raise ShapeError("queue member without a boolean 'joined'")
        out[member["id"]] = member["joined"]
    return out


def skill_group_page(data: Any, *, seen: set[str]) -> tuple[list[SkillGroupSummary], str | None]:
    """A ``SkillGroupEntityListing`` page: its groups and the ``after`` cursor of the next page
    (from ``nextUri``; None on the last). A cursor met twice would loop: malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise ShapeError("expected a skill group listing with an 'entities' list")
    groups = [skill_group_summary(g) for g in data["entities"]]
    next_uri = data.get("nextUri")
    if not next_uri or not groups:
        return groups, None
    if not isinstance(next_uri, str):
        raise ShapeError("nextUri is not a string")
    after = parse_qs(urlsplit(next_uri).query).get("after")
    if not after or not after[0]:
        raise ShapeError("nextUri without an 'after' cursor")
    if after[0] in seen:
        raise ShapeError("the cursor does not advance (already seen in this listing)")
    return groups, after[0]
