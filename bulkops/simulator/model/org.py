"""The in-memory org: typed records, seeded generation, and every mutation.

All writes go through :class:`Org` so that the rules the platform enforces (version
bump per change, all-or-nothing bulk validation, proficiency range, known and
active ids) live in one place, independent of HTTP. Lookups are O(1) by id; users
also keep a sorted id list so cursor pages are a ``bisect`` away.
"""

from __future__ import annotations

import bisect
import math
import random
import uuid
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard

from bulkops.simulator.errors import (
    BAD_REQUEST,
    INVALID_VALUE,
    SimApiError,
    bad_request,
    conflict,
    detail,
    not_found,
)
from bulkops.simulator.model import catalog
from bulkops.simulator.model.queueconfig import QueueConfigStore
from bulkops.simulator.model.skilldefs import SkillDefsStore
from bulkops.simulator.model.utilization import UtilizationStore
from bulkops.simulator.refusals import DUPLICATE_NAME

USER_STATES = ("active", "inactive", "deleted")
MAX_BULK_SKILLS = 50
MAX_BULK_LANGUAGES = 50
MAX_QUEUE_MEMBERS_PER_REQUEST = 100
#: Ids a division objects POST may carry. Guess: the SDK and the contract state no maximum (#27 §5);
#: 100 as the platform's other id-list writes (docs/simulator.md, "Division moves in batches").
MAX_DIVISION_OBJECTS_PER_REQUEST = 100

_BASE_DATE = datetime(2024, 1, 1, tzinfo=UTC)


def iso(dt: datetime) -> str:
    """The platform's datetime format: ``2024-01-31T12:00:00.000Z``."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def now_iso() -> str:
    return iso(datetime.now(UTC))


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _seeded_date(rng: random.Random) -> str:
    return iso(_BASE_DATE + timedelta(seconds=rng.randrange(0, 365 * 86400)))


@dataclass(slots=True)
class Division:
    id: str
    name: str
    description: str = ""
    home: bool = False


@dataclass(slots=True)
class Skill:
    """An org routing skill (``RoutingSkill``); ``version`` is rendered as a string."""

    id: str
    name: str
    division_id: str
    date_modified: str
    state: str = "active"
    version: int = 1


@dataclass(slots=True)
class Language:
    id: str
    name: str
    date_modified: str
    state: str = "active"
    version: int = 1


@dataclass(slots=True)
class Queue:
    id: str
    name: str
    division_id: str
    description: str
    date_created: str
    date_modified: str
    members: dict[str, bool] = field(default_factory=dict)  # direct members: user id -> joined
    #: Groups whose members are members of the queue too (``memberBy: group``); removing such a
    #: member directly leaves the membership in place.
    member_groups: list[MemberGroup] = field(default_factory=list)

    def derived_members(self) -> dict[str, MemberGroup]:
        """Members through a group (user id -> the first group that makes them one)."""
        out: dict[str, MemberGroup] = {}
        for group in self.member_groups:
            for uid in group.members:
                out.setdefault(uid, group)
        return out


@dataclass(slots=True)
class MemberGroup:
    id: str
    name: str
    members: set[str] = field(default_factory=set)
    type: str = "GROUP"


@dataclass(slots=True)
class User:
    id: str
    name: str
    email: str
    username: str
    department: str | None
    title: str | None
    manager_id: str | None
    division_id: str
    version: int = 1
    state: str = "active"
    skills: dict[str, float] = field(default_factory=dict)  # skill id -> proficiency
    languages: dict[str, float] = field(default_factory=dict)  # language id -> proficiency
    preferred_name: str | None = None
    acd_auto_answer: bool = False


@dataclass(frozen=True, slots=True)
class UserPatch:
    """A validated ``UpdateUser`` body: only the fields to change."""

    version: int
    changes: dict[str, Any]


def patch_text_fields(body: Mapping[str, Any], changes: dict[str, Any], details: list[dict[str, str]]) -> None:
    """An ``UpdateUser`` body's text fields: a string sets, an empty one clears (the Terraform
    provider clears this way; ``name`` and ``email`` cannot be cleared), another type is invalid."""
    for key in ("name", "department", "title", "email", "preferredName"):
        if key not in body:
            continue
        value = body[key]
        if value is not None and not isinstance(value, str):
            details.append(detail(key, INVALID_VALUE))
        elif key in ("name", "email") and not value:
            details.append(detail(key, "required"))
        else:
            changes[key] = value or None


def patch_manager(mgr: Any, user_id: str, users: Container[str], changes: dict[str, Any], details: list[dict[str, str]]) -> None:
    """An ``UpdateUser`` body's manager: none clears it; else another user of the org."""
    if mgr in (None, ""):
        changes["manager"] = None
    elif not isinstance(mgr, str):
        details.append(detail("manager", INVALID_VALUE))
    elif mgr == user_id:
        details.append(detail("manager", "self.reference", mgr))
    elif mgr not in users:
        details.append(detail("manager", "not.found", mgr))
    else:
        changes["manager"] = mgr


class Org:
    """The whole org plus the indexes that keep every handler O(1) or O(page)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.divisions: dict[str, Division] = {}
        self.skills: dict[str, Skill] = {}
        self.languages: dict[str, Language] = {}
        self.queues: dict[str, Queue] = {}
        self.users: dict[str, User] = {}
        self.sorted_user_ids: list[str] = []
        self.state_counts: dict[str, int] = {}
        self._member_order: dict[str, list[str]] = {}
        self.utilization = UtilizationStore(seed)  # agent utilization and labels (utilization.py)
        self.skilldefs = SkillDefsStore()  # skill groups and flows (skilldefs.py)
        self.queueconfig = QueueConfigStore()  # queue settings and wrap-up codes (queueconfig.py)
        self.routing_status: dict[str, str] = {}  # user id -> routing status while on queue (activity.py)
        self.queue_traffic: dict[str, dict[str, float]] = {}  # queue id -> its offered load (traffic.py)

    # ------------------------------------------------------------------ generation
    @classmethod
    def generate(cls, *, seed: int, users: int, skills: int, languages: int, queues: int, divisions: int) -> Org:
        """Build the seeded org. Same arguments, same org (every id, name and value)."""
        if min(users, skills, languages, queues) < 0 or divisions < 1:
            raise ValueError("sizes must be >= 0 and divisions >= 1")
        rng = random.Random(seed)
        org = cls(seed)
        for i, name in enumerate(catalog.take(catalog.DIVISION_NAMES, divisions, "Division {:02d}")):
            d = Division(_guid(rng), name, f"{name} division", home=(i == 0))
            org.divisions[d.id] = d
        home = org.home_division().id
        for name in catalog.take(catalog.SKILL_NAMES, skills, "Skill {:03d}"):
            s = Skill(_guid(rng), name, home, _seeded_date(rng), version=rng.randint(1, 4))
            org.skills[s.id] = s
        for name in catalog.take(catalog.LANGUAGE_NAMES, languages, "Language {:03d}"):
            lang = Language(_guid(rng), name, _seeded_date(rng), version=rng.randint(1, 4))
            org.languages[lang.id] = lang

        skill_ids = list(org.skills)
        language_ids = list(org.languages)
        division_ids = list(org.divisions)
        n_leads = max(1, users // 20) if users > 1 else 0
        by_index: list[str] = []
        for i in range(users):
            uid = _guid(rng)
            lead = i < n_leads
            email = f"agent{i:05d}@example.com"
            u = User(
                id=uid,
                name=f"{rng.choice(catalog.FIRST_NAMES)} {rng.choice(catalog.LAST_NAMES)}",
                email=email,
                username=email,
                department=rng.choice(catalog.DEPARTMENTS),
                title=rng.choice(catalog.LEAD_TITLES if lead else catalog.TITLES),
                manager_id=None if lead or n_leads == 0 else by_index[rng.randrange(n_leads)],
                division_id=rng.choice(division_ids),
                version=rng.randint(1, 12),
            )
            for sid in rng.sample(skill_ids, rng.randint(0, min(8, len(skill_ids)))):
                u.skills[sid] = _seeded_proficiency(rng)
            for lid in rng.sample(language_ids, rng.randint(0, min(2, len(language_ids)))):
                u.languages[lid] = _seeded_proficiency(rng)
            org.users[uid] = u
            by_index.append(uid)
        org._reindex()

        for name in catalog.take(catalog.QUEUE_NAMES, queues, "Queue {:03d}"):
            q = Queue(
                id=_guid(rng),
                name=name,
                division_id=rng.choice(division_ids),
                description=f"{name} queue",
                date_created=_seeded_date(rng),
                date_modified=_seeded_date(rng),
            )
            if users:
                lo = max(1, users // 20)
                hi = max(lo, users // 4)
                for uid in rng.sample(by_index, min(users, rng.randint(lo, hi))):
                    q.members[uid] = rng.random() < 0.9
            org.queues[q.id] = q
        org.queueconfig.seed(org, iso(_BASE_DATE))
        return org

    # ------------------------------------------------------------------ lookups
    def home_division(self) -> Division:
        return next(d for d in self.divisions.values() if d.home)

    def user(self, user_id: str) -> User:
        u = self.users.get(user_id)
        if u is None:
            raise not_found("user", user_id)
        return u

    def skill(self, skill_id: str) -> Skill:
        s = self.skills.get(skill_id)
        if s is None:
            raise not_found("skill", skill_id)
        return s

    def language(self, language_id: str) -> Language:
        lang = self.languages.get(language_id)
        if lang is None:
            raise not_found("language", language_id)
        return lang

    def queue(self, queue_id: str) -> Queue:
        q = self.queues.get(queue_id)
        if q is None:
            raise not_found("queue", queue_id)
        return q

    def division(self, division_id: str) -> Division:
        d = self.divisions.get(division_id)
        if d is None:
            raise not_found("division", division_id)
        return d

    def all_in_state(self, state: str) -> bool:
        """Every user is in ``state`` (lets a filtered page-number listing slice directly)."""
        return self.state_counts.get(state, 0) == len(self.users)

    def users_after(self, position: str | None, *, descending: bool = False) -> Iterator[User]:
        """Users strictly after ``position`` (an id) in id order, without copying the list."""
        ids = self.sorted_user_ids
        if not descending:
            i = 0 if position is None else bisect.bisect_right(ids, position)
            for j in range(i, len(ids)):
                yield self.users[ids[j]]
        else:
            i = len(ids) if position is None else bisect.bisect_left(ids, position)
            for j in range(i - 1, -1, -1):
                yield self.users[ids[j]]

    def queue_members_sorted(self, queue: Queue) -> list[str]:
        """Member ids ordered by (name, id), cached until membership or a name changes."""
        cached = self._member_order.get(queue.id)
        if cached is None:
            users = self.users
            cached = sorted(queue.members, key=lambda uid: (users[uid].name.lower(), uid))
            self._member_order[queue.id] = cached
        return cached

    # ------------------------------------------------------------------ validation
    def parse_proficiencies(self, body: Any, kind: str, *, max_items: int) -> dict[str, float]:
        """Validate a whole ``[{id, proficiency}]`` body before any of it is applied."""
        catalogue: dict[str, Skill] | dict[str, Language] = self.skills if kind == "skill" else self.languages
        if not isinstance(body, list):
            raise bad_request(f"The request body must be a JSON array of {kind} assignments ({{id, proficiency}}).")
        if len(body) > max_items:
            raise bad_request(
                f"Too many {kind}s in one request: {len(body)}; the maximum is {max_items}.",
                detail("body", "max.size.exceeded"),
            )
        problems: list[str] = []
        details: list[dict[str, str]] = []
        out: dict[str, float] = {}
        for idx, item in enumerate(body):
            if not isinstance(item, dict):
                problems.append(f"item {idx} is not an object")
                details.append(detail(f"[{idx}]", INVALID_VALUE))
                continue
            eid = item.get("id")
            if not isinstance(eid, str) or not eid:
                problems.append(f"item {idx} has no {kind} id")
                details.append(detail("id", "required"))
                continue
            entity = catalogue.get(eid)
            if entity is None:
                problems.append(f"{kind} {eid} does not exist")
                details.append(detail("id", "not.found", eid))
            elif entity.state != "active":
                problems.append(f"{kind} {eid} ({entity.name}) is {entity.state}")
                details.append(detail("id", "inactive", eid))
            prof = item.get("proficiency")
            if not valid_proficiency(prof):
                problems.append(f"proficiency {prof!r} for {kind} {eid} is not a number from 0.0 to 5.0")
                details.append(detail("proficiency", INVALID_VALUE, eid))
            if eid in out:
                problems.append(f"{kind} {eid} is listed more than once")
                details.append(detail("id", "duplicate", eid))
            if valid_proficiency(prof):
                out[eid] = float(prof)
            else:
                out[eid] = 0.0
        if details:
            raise SimApiError(400, BAD_REQUEST, f"Invalid {kind} assignment: " + "; ".join(problems[:10]), details)
        return out

    def parse_user_patch(self, user: User, body: Any) -> UserPatch:
        """Validate an ``UpdateUser`` body (without checking the version yet)."""
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object (UpdateUser).")
        version = body.get("version")
        if isinstance(version, bool) or not isinstance(version, int):
            raise bad_request("The version field is required and must be an integer.", detail("version", "required"))
        details: list[dict[str, str]] = []
        changes: dict[str, Any] = {}
        if "state" in body and body["state"] is not None:
            if body["state"] not in USER_STATES:
                details.append(detail("state", INVALID_VALUE))
            else:
                changes["state"] = body["state"]
        else:
            patch_text_fields(body, changes, details)
            if "manager" in body:
                patch_manager(body["manager"], user.id, self.users, changes, details)
            if "acdAutoAnswer" in body:
                if not isinstance(body["acdAutoAnswer"], bool):
                    details.append(detail("acdAutoAnswer", INVALID_VALUE))
                else:
                    changes["acdAutoAnswer"] = body["acdAutoAnswer"]
        if details:
            fields = ", ".join(d["fieldName"] for d in details)
            raise SimApiError(400, BAD_REQUEST, f"Invalid value for: {fields}", details, entity_id=user.id)
        return UserPatch(version, changes)

    # ------------------------------------------------------------------ mutations
    def apply_user_patch(self, user: User, patch: UserPatch) -> None:
        if patch.version != user.version:
            raise conflict(user.id)
        c = patch.changes
        if "state" in c and c["state"] != user.state:
            self.state_counts[user.state] -= 1
            self.state_counts[c["state"]] = self.state_counts.get(c["state"], 0) + 1
            user.state = c["state"]
        if "name" in c and c["name"] != user.name:
            user.name = c["name"]
            self._member_order.clear()
        if "department" in c:
            user.department = c["department"]
        if "title" in c:
            user.title = c["title"]
        if "email" in c:
            user.email = c["email"]
        if "preferredName" in c:
            user.preferred_name = c["preferredName"]
        if "manager" in c:
            user.manager_id = c["manager"]
        if "acdAutoAnswer" in c:
            user.acd_auto_answer = c["acdAutoAnswer"]
        user.version += 1

    def set_proficiencies(self, user: User, kind: str, values: dict[str, float], *, replace: bool) -> None:
        target = user.skills if kind == "skill" else user.languages
        if replace:
            target.clear()
        target.update(values)
        user.version += 1

    def remove_proficiency(self, user: User, kind: str, entity_id: str) -> None:
        target = user.skills if kind == "skill" else user.languages
        if entity_id not in target:
            raise not_found(f"{kind} assignment for user {user.id}", entity_id)
        del target[entity_id]
        user.version += 1

    def move_users(self, division: Division, user_ids: list[str]) -> None:
        for uid in user_ids:
            u = self.users[uid]
            u.division_id = division.id
            u.version += 1

    def add_members(self, queue: Queue, user_ids: list[str]) -> None:
        for uid in user_ids:
            queue.members.setdefault(uid, True)
        self._member_order.pop(queue.id, None)

    def remove_members(self, queue: Queue, user_ids: list[str]) -> None:
        for uid in user_ids:
            queue.members.pop(uid, None)
        self._member_order.pop(queue.id, None)

    def create_skill(self, name: str, division_id: str | None) -> Skill:
        if any(s.name.lower() == name.lower() and s.state != "deleted" for s in self.skills.values()):
            raise SimApiError(409, "general.conflict", f"A routing skill named '{name}' already exists.", refusal=DUPLICATE_NAME)
        division = self.division(division_id) if division_id else self.home_division()
        sid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bulkops-sim:{self.seed}:skill:{name}:{len(self.skills)}"))
        s = Skill(sid, name, division.id, now_iso())
        self.skills[sid] = s
        return s

    # ------------------------------------------------------------------ persistence
    def to_record(self) -> dict[str, Any]:
        """The whole org as plain JSON data (ids sorted where order is not meaningful)."""
        return {
            "seed": self.seed,
            "divisions": [{"id": d.id, "name": d.name, "description": d.description, "homeDivision": d.home} for d in self.divisions.values()],
            "skills": [
                {
                    "id": s.id,
                    "name": s.name,
                    "divisionId": s.division_id,
                    "dateModified": s.date_modified,
                    "state": s.state,
                    "version": s.version,
                }
                for s in self.skills.values()
            ],
            "languages": [
                {"id": x.id, "name": x.name, "dateModified": x.date_modified, "state": x.state, "version": x.version} for x in self.languages.values()
            ],
            "queues": [
                {
                    "id": q.id,
                    "name": q.name,
                    "divisionId": q.division_id,
                    "description": q.description,
                    "dateCreated": q.date_created,
                    "dateModified": q.date_modified,
                    "members": [{"id": uid, "joined": q.members[uid]} for uid in sorted(q.members)],
                    "memberGroups": [{"id": g.id, "name": g.name, "type": g.type, "members": sorted(g.members)} for g in q.member_groups],
                }
                for q in self.queues.values()
            ],
            "users": [_user_record(self.users[uid]) for uid in self.sorted_user_ids],
            "utilization": self.utilization.to_record(),
            "skillDefs": self.skilldefs.to_record(),
            "queueConfig": self.queueconfig.to_record(),
            "routingStatus": dict(sorted(self.routing_status.items())),
            "queueTraffic": dict(sorted(self.queue_traffic.items())),
        }

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Org:
        org = cls(int(rec["seed"]))
        for d in rec["divisions"]:
            org.divisions[d["id"]] = Division(d["id"], d["name"], d.get("description", ""), bool(d["homeDivision"]))
        for s in rec["skills"]:
            org.skills[s["id"]] = Skill(s["id"], s["name"], s["divisionId"], s["dateModified"], s["state"], int(s["version"]))
        for x in rec["languages"]:
            org.languages[x["id"]] = Language(x["id"], x["name"], x["dateModified"], x["state"], int(x["version"]))
        for q in rec["queues"]:
            org.queues[q["id"]] = Queue(
                q["id"],
                q["name"],
                q["divisionId"],
                q.get("description", ""),
                q["dateCreated"],
                q["dateModified"],
                {m["id"]: bool(m["joined"]) for m in q["members"]},
                [MemberGroup(g["id"], g["name"], set(g["members"]), g["type"]) for g in q.get("memberGroups", [])],
            )
        for u in rec["users"]:
            org.users[u["id"]] = User(
                id=u["id"],
                name=u["name"],
                email=u["email"],
                username=u["username"],
                department=u.get("department"),
                title=u.get("title"),
                manager_id=u.get("managerId"),
                division_id=u["divisionId"],
                version=int(u["version"]),
                state=u["state"],
                skills={k: float(v) for k, v in u["skills"].items()},
                languages={k: float(v) for k, v in u["languages"].items()},
                preferred_name=u.get("preferredName"),
                acd_auto_answer=bool(u.get("acdAutoAnswer", False)),
            )
        org.skilldefs = SkillDefsStore.from_record(rec.get("skillDefs"))
        org.queueconfig = QueueConfigStore.from_record(rec.get("queueConfig"))
        org.utilization = UtilizationStore.from_record(org.seed, rec.get("utilization"))
        org.routing_status = dict(rec.get("routingStatus", {}))
        org.queue_traffic = {k: dict(v) for k, v in rec.get("queueTraffic", {}).items()}
        org._reindex()
        return org

    def _reindex(self) -> None:
        self.sorted_user_ids = sorted(self.users)
        self.state_counts = {}
        for u in self.users.values():
            self.state_counts[u.state] = self.state_counts.get(u.state, 0) + 1


def valid_proficiency(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0.0 <= value <= 5.0


def _seeded_proficiency(rng: random.Random) -> float:
    p = float(rng.randint(0, 5))
    if p < 5 and rng.random() < 0.15:
        p += 0.5
    return p


def _user_record(u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "username": u.username,
        "department": u.department,
        "title": u.title,
        "managerId": u.manager_id,
        "divisionId": u.division_id,
        "state": u.state,
        "version": u.version,
        "skills": dict(sorted(u.skills.items())),
        "languages": dict(sorted(u.languages.items())),
        "preferredName": u.preferred_name,
        "acdAutoAnswer": u.acd_auto_answer,
    }
