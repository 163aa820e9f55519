"""Queue configuration: the settings a ``PUT /api/v2/routing/queues/{id}`` carries, wrap-up codes,
and the other administrator who edits a queue between a client's read and its write.

State and pure validation only (``org`` holds a :class:`QueueConfigStore`; nothing here imports
``org`` at run time). Field names, enums and nesting are the official SDK's ``QueueRequest``,
``QueueMediaSettings``/``MediaSettings``/``ServiceLevel``, ``AcwSettings``, ``Bullseye``/``Ring``/
``ExpansionCriterium``/``Actions``/``SkillsToRemove``, ``MemberGroup`` and ``WrapupCode``; the
ranges and which of them are guesses are in docs/simulator.md ("Queue configuration").
"""

from __future__ import annotations

import copy
import random
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bulkops.simulator.errors import BAD_REQUEST, INVALID_VALUE, SimApiError, detail
from bulkops.simulator.model import cgr

if TYPE_CHECKING:
    from bulkops.simulator.model.org import Org

SKILL_EVALUATION_METHODS = ("NONE", "BEST", "ALL")
SCORING_METHODS = ("TimestampAndPriority", "PriorityOnly")
LAST_AGENT_ROUTING_MODES = ("Disabled", "QueueMembersOnly", "AnyAgent")
MEDIA_TYPES = ("call", "callback", "chat", "email", "message")
WRAPUP_PROMPTS = ("MANDATORY", "OPTIONAL", "MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED")
#: ``AcwSettings.timeoutMs`` "can only be used when ACW is AGENT_REQUESTED, MANDATORY_TIMEOUT or MANDATORY_FORCED_TIMEOUT".
TIMEOUT_PROMPTS = ("MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED")
ACW_TIMEOUT_MS = (1_000, 3_600_000)  # SDK: "Min: 1 sec, Max: 60 min"
ALERTING_TIMEOUT_S = (7, 86_400)  # at least 7 (Terraform provider's check); the upper bound is a guess
SERVICE_LEVEL_MIN_MS = 1_000  # Terraform provider: "Must be >= 1000"
RING_TIMEOUT_S = (0.0, 259_200.0)  # Terraform provider: expansion timeout 0..259200 s
MAX_RINGS = 6
EXPANSION_TYPES = ("TIMEOUT_SECONDS",)
MEMBER_GROUP_TYPES = ("TEAM", "GROUP", "SKILLGROUP")
CALLBACK_MODES = ("AgentFirst", "CustomerFirst")
MAX_WRAPUP_CODES_PER_REQUEST = 100  # SDK: "Add up to 100 wrap-up codes to a queue"
MAX_JOINS_PER_REQUEST = 100  # SDK: "Join or unjoin a set of up to 100 users for a queue"

#: Fields of ``QueueRequest`` the queue record itself owns (name, description, division,
#: member groups) or the system sets (ids, dates, counts): never part of the stored settings.
OWN_FIELDS = frozenset({"id", "name", "description", "division", "memberGroups", "selfUri"})
READ_ONLY_FIELDS = frozenset({"dateCreated", "dateModified", "modifiedBy", "createdBy", "memberCount", "userMemberCount", "joinedMemberCount"})
_BOOL_FIELDS = ("autoAnswerOnly", "enableTranscription", "enableAudioMonitoring", "enableManualAssignment", "suppressInQueueCallRecording")
_STR_FIELDS = ("defaultMediaLanguage", "callingPartyName", "callingPartyNumber", "peerId")
_OBJECT_FIELDS = (
    "conditionalGroupRouting",
    "conditionalGroupActivation",
    "queueFlow",
    "emailInQueueFlow",
    "messageInQueueFlow",
    "whisperPrompt",
    "onHoldPrompt",
    "cannedResponseLibraries",
    "agentOwnedRouting",
    "directRouting",
    "defaultScripts",
    "outboundMessagingAddresses",
    "outboundEmailAddress",
)
_ENUMS = {
    "skillEvaluationMethod": SKILL_EVALUATION_METHODS,
    "scoringMethod": SCORING_METHODS,
    "lastAgentRoutingMode": LAST_AGENT_ROUTING_MODES,
}


def _media(alerting: int, percentage: float, duration_ms: int) -> dict[str, Any]:
    return {
        "enableAutoAnswer": False,
        "alertingTimeoutSeconds": alerting,
        "serviceLevel": {"percentage": percentage, "durationMs": duration_ms},
        "autoAnswerAlertToneSeconds": 0.0,
        "manualAnswerAlertToneSeconds": 0.0,
    }


def default_settings() -> dict[str, Any]:
    """What a queue nobody configured answers, and what a PUT that leaves a setting out resets it to."""
    return {
        "mediaSettings": {
            "call": _media(8, 0.8, 20_000),
            "callback": {**_media(30, 0.8, 20_000), "mode": "AgentFirst", "enableAutoDialAndEnd": False},
            "chat": _media(30, 0.8, 20_000),
            "email": _media(300, 0.8, 86_400_000),
            "message": _media(30, 0.8, 20_000),
        },
        "routingRules": [],
        "scoringMethod": "TimestampAndPriority",
        "lastAgentRoutingMode": "Disabled",
        "acwSettings": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 300_000},
        "skillEvaluationMethod": "BEST",
        "autoAnswerOnly": True,
        "enableTranscription": False,
        "enableAudioMonitoring": False,
        "enableManualAssignment": False,
        "suppressInQueueCallRecording": True,
    }


#: Settings another administrator may change (``queue_admin_edit_rate``): ones a bulk job is
#: unlikely to name, so a client that merges onto a fresh read keeps the edit.
ADMIN_EDITABLE = ("enableTranscription", "enableAudioMonitoring", "enableManualAssignment", "suppressInQueueCallRecording", "callingPartyName")
_CALLING_NAMES = ("Customer Care", "Acme Support", "Acme Sales", "Help Desk", "Service Team")
WRAPUP_NAMES = (
    "Resolved",
    "Escalated",
    "Callback Scheduled",
    "No Answer",
    "Transferred",
    "Billing Question",
    "Sales Opportunity",
    "Complaint Logged",
    "Follow-up Required",
    "Wrong Number",
    "Technical Issue",
    "Cancellation Request",
)


@dataclass(slots=True)
class WrapupCode:
    id: str
    name: str
    division_id: str
    description: str
    date_created: str
    date_modified: str


@dataclass(frozen=True, slots=True)
class QueueUpdate:
    """A validated ``QueueRequest``: the record's own fields and the settings to store."""

    name: str
    description: str
    division_id: str | None
    member_groups: list[dict[str, str]]  # [{id, type}], resolved by the route
    settings: dict[str, Any] = field(default_factory=dict)


class QueueConfigStore:
    """Per-queue settings (only queues someone configured; the rest answer the defaults),
    the org's wrap-up codes and each queue's, and the record of other administrators' edits."""

    def __init__(self) -> None:
        self.settings: dict[str, dict[str, Any]] = {}
        self.wrapup_codes: dict[str, WrapupCode] = {}
        self.queue_codes: dict[str, list[str]] = {}
        self.admin_edits: list[dict[str, Any]] = []

    def settings_of(self, queue_id: str) -> dict[str, Any]:
        """The queue's settings (a live dict: callers that change it own the change)."""
        s = self.settings.get(queue_id)
        if s is None:
            s = self.settings[queue_id] = default_settings()
        return s

    def peek(self, queue_id: str) -> dict[str, Any]:
        """The settings without storing the defaults (views must not grow the saved state)."""
        return self.settings.get(queue_id) or default_settings()

    def ring_skill_ids(self, queue_id: str) -> set[str]:
        rings = (self.peek(queue_id).get("bullseye") or {}).get("rings") or []
        return {s["id"] for ring in rings for s in (ring.get("actions") or {}).get("skillsToRemove") or []}

    def wrapup(self, code_id: str) -> WrapupCode:
        c = self.wrapup_codes.get(code_id)
        if c is None:
            raise SimApiError(404, "not.found", f"The requested wrap-up code was not found: {code_id}", entity_id=code_id)
        return c

    # ------------------------------------------------------------------ seeding
    def seed(self, org: Org, when: str) -> None:
        """The org's wrap-up codes and a few on each queue, from a generator of their own so the
        rest of the seeded org (users, skills, queues) stays exactly what it was before."""
        rng = random.Random(f"bulkops-sim-wrapup:{org.seed}")
        home = org.home_division().id
        for name in WRAPUP_NAMES:
            cid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            self.wrapup_codes[cid] = WrapupCode(cid, name, home, f"{name} wrap-up code", when, when)
        ids = list(self.wrapup_codes)
        for qid in org.queues:
            self.queue_codes[qid] = rng.sample(ids, rng.randint(3, min(6, len(ids))))

    # ------------------------------------------------------------------ persistence
    def to_record(self) -> dict[str, Any]:
        return {
            "settings": {qid: self.settings[qid] for qid in sorted(self.settings)},
            "wrapupCodes": [
                {
                    "id": c.id,
                    "name": c.name,
                    "divisionId": c.division_id,
                    "description": c.description,
                    "dateCreated": c.date_created,
                    "dateModified": c.date_modified,
                }
                for c in self.wrapup_codes.values()
            ],
            "queueWrapupCodes": {qid: list(codes) for qid, codes in sorted(self.queue_codes.items())},
            "adminEdits": list(self.admin_edits),
        }

    @classmethod
    def from_record(cls, rec: dict[str, Any] | None) -> QueueConfigStore:
        store = cls()
        rec = rec or {}
        store.settings = {qid: dict(s) for qid, s in rec.get("settings", {}).items()}
        for c in rec.get("wrapupCodes", []):
            store.wrapup_codes[c["id"]] = WrapupCode(c["id"], c["name"], c["divisionId"], c.get("description", ""), c["dateCreated"], c["dateModified"])
        store.queue_codes = {qid: list(codes) for qid, codes in rec.get("queueWrapupCodes", {}).items()}
        store.admin_edits = list(rec.get("adminEdits", []))
        return store


# ---------------------------------------------------------------------- PUT validation
def parse_queue_request(org: Org, body: Any) -> QueueUpdate:
    """Validate a whole ``QueueRequest`` before any of it is applied.

    The PUT replaces the queue: a setting left out goes back to its default (there is no
    partial update and no version). Read-only fields (ids, dates, counts) are ignored, as is
    anything ``QueueRequest`` does not have. Every problem is reported in one 400.
    """
    if not isinstance(body, dict):
        raise SimApiError(400, BAD_REQUEST, "The request body must be a JSON object (QueueRequest).")
    details: list[dict[str, str]] = []
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        details.append(detail("name", "required"))
        name = ""
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        details.append(detail("description", INVALID_VALUE))
    division_id = _division(org, body.get("division"), details)
    member_groups = _member_group_refs(body.get("memberGroups"), "memberGroups", details)
    defaults = default_settings()
    settings: dict[str, Any] = {}
    for key, allowed in _ENUMS.items():
        value = body.get(key)
        if value is None:
            settings[key] = defaults[key]
        elif value not in allowed:
            details.append(detail(key, INVALID_VALUE))
        else:
            settings[key] = value
    for key in _BOOL_FIELDS:
        _typed(body, key, bool, defaults, settings, details)
    for key in _STR_FIELDS:
        _typed(body, key, str, defaults, settings, details)
    for key in _OBJECT_FIELDS:
        _typed(body, key, dict, defaults, settings, details)
    _typed(body, "routingRules", list, defaults, settings, details)
    cgr.put_into(org, body, settings, details)  # rule 0 carrying its queue is refused (cgr.py)
    settings["mediaSettings"] = _media_settings(body.get("mediaSettings"), defaults["mediaSettings"], details)
    acw = _acw(body.get("acwSettings"), details)
    settings["acwSettings"] = acw if acw is not None else defaults["acwSettings"]
    bullseye = _bullseye(org, body.get("bullseye"), details)
    if bullseye is not None:
        settings["bullseye"] = bullseye
    if details:
        fields = ", ".join(d["fieldName"] for d in details[:10])
        raise SimApiError(400, BAD_REQUEST, f"Invalid queue: {fields}", details)
    return QueueUpdate(name.strip(), description or "", division_id, member_groups, settings)


def _typed(body: dict[str, Any], key: str, kind: type, defaults: dict[str, Any], settings: dict[str, Any], details: list[dict[str, str]]) -> None:
    value = body.get(key)
    if value is None:
        if key in defaults:
            settings[key] = copy.deepcopy(defaults[key])
    elif not isinstance(value, kind):
        details.append(detail(key, INVALID_VALUE))
    else:
        settings[key] = copy.deepcopy(value)


def _division(org: Org, value: Any, details: list[dict[str, str]]) -> str | None:
    if value is None:
        return None
    did = value.get("id") if isinstance(value, dict) else None
    if not isinstance(did, str) or not did:
        details.append(detail("division.id", "required"))
        return None
    if did not in org.divisions:
        details.append(detail("division.id", "not.found", did))
        return None
    return did


def _member_group_refs(value: Any, where: str, details: list[dict[str, str]]) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        details.append(detail(where, INVALID_VALUE))
        return []
    out: list[dict[str, str]] = []
    for i, g in enumerate(value):
        gid = g.get("id") if isinstance(g, dict) else None
        gtype = g.get("type") if isinstance(g, dict) else None
        if not isinstance(gid, str) or not gid:
            details.append(detail(f"{where}[{i}].id", "required"))
        elif gtype not in MEMBER_GROUP_TYPES:
            details.append(detail(f"{where}[{i}].type", INVALID_VALUE))
        else:
            out.append({"id": gid, "type": gtype})
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _media_settings(value: Any, defaults: dict[str, Any], details: list[dict[str, str]]) -> dict[str, Any]:
    out = copy.deepcopy(defaults)
    if value is None:
        return out
    if not isinstance(value, dict):
        details.append(detail("mediaSettings", INVALID_VALUE))
        return out
    for media, given in value.items():
        at = f"mediaSettings.{media}"
        if media not in MEDIA_TYPES:
            details.append(detail(at, INVALID_VALUE))
            continue
        if given is None:
            continue
        if not isinstance(given, dict):
            details.append(detail(at, INVALID_VALUE))
            continue
        details += media_problems(media, given, at)
        _merge_media(out[media], given)
    return out


def media_problems(media: str, given: dict[str, Any], at: str) -> list[dict[str, str]]:
    """One media type's settings checked: alerting timeout, service level, auto answer, alert tones, callback mode."""
    out: list[dict[str, str]] = []
    alerting = given.get("alertingTimeoutSeconds")
    if alerting is not None and (not _integer(alerting) or not ALERTING_TIMEOUT_S[0] <= alerting <= ALERTING_TIMEOUT_S[1]):
        out.append(detail(f"{at}.alertingTimeoutSeconds", INVALID_VALUE))
    out += _service_level_problems(given.get("serviceLevel"), f"{at}.serviceLevel")
    if "enableAutoAnswer" in given and not isinstance(given["enableAutoAnswer"], bool):
        out.append(detail(f"{at}.enableAutoAnswer", INVALID_VALUE))
    for tone in ("autoAnswerAlertToneSeconds", "manualAnswerAlertToneSeconds"):
        if given.get(tone) is not None and (not _number(given[tone]) or given[tone] < 0):
            out.append(detail(f"{at}.{tone}", INVALID_VALUE))
    if media == "callback" and given.get("mode") is not None and given["mode"] not in CALLBACK_MODES:
        out.append(detail(f"{at}.mode", INVALID_VALUE))
    return out


def _service_level_problems(level: Any, at: str) -> list[dict[str, str]]:
    if level is None:
        return []
    if not isinstance(level, dict):
        return [detail(at, INVALID_VALUE)]
    out: list[dict[str, str]] = []
    pct, ms = level.get("percentage"), level.get("durationMs")
    if pct is not None and (not _number(pct) or not 0.0 <= pct <= 1.0):
        out.append(detail(f"{at}.percentage", INVALID_VALUE))
    if ms is not None and (not _integer(ms) or ms < SERVICE_LEVEL_MIN_MS):
        out.append(detail(f"{at}.durationMs", INVALID_VALUE))
    return out


def _merge_media(merged: dict[str, Any], given: dict[str, Any]) -> None:
    """The given settings over the current ones (None leaves one as is; the service level key by key)."""
    for key, v in given.items():
        if v is None:
            continue
        if key == "serviceLevel" and isinstance(v, dict):
            merged["serviceLevel"] = {**merged.get("serviceLevel", {}), **{k: x for k, x in v.items() if x is not None}}
        else:
            merged[key] = copy.deepcopy(v)


def _acw(value: Any, details: list[dict[str, str]]) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        details.append(detail("acwSettings", INVALID_VALUE))
        return None
    prompt = value.get("wrapupPrompt")
    if prompt not in WRAPUP_PROMPTS:
        details.append(detail("acwSettings.wrapupPrompt", INVALID_VALUE if prompt is not None else "required"))
    out: dict[str, Any] = {"wrapupPrompt": prompt}
    timeout = value.get("timeoutMs")
    if timeout is not None:
        if not _integer(timeout) or not ACW_TIMEOUT_MS[0] <= timeout <= ACW_TIMEOUT_MS[1]:
            details.append(detail("acwSettings.timeoutMs", INVALID_VALUE))
        elif prompt in WRAPUP_PROMPTS and prompt not in TIMEOUT_PROMPTS:
            details.append(detail("acwSettings.timeoutMs", "not.allowed"))
        out["timeoutMs"] = timeout
    return out


def _bullseye(org: Org, value: Any, details: list[dict[str, str]]) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        details.append(detail("bullseye", INVALID_VALUE))
        return None
    rings = value.get("rings")
    if rings is None:
        return None
    if not isinstance(rings, list):
        details.append(detail("bullseye.rings", INVALID_VALUE))
        return None
    if len(rings) > MAX_RINGS:
        details.append(detail("bullseye.rings", "max.size.exceeded"))
        return None
    out = []
    for i, ring in enumerate(rings):
        at = f"bullseye.rings[{i}]"
        if not isinstance(ring, dict):
            details.append(detail(at, INVALID_VALUE))
            continue
        entry: dict[str, Any] = {"expansionCriteria": _criteria(ring, at, details), "actions": {"skillsToRemove": _skills_to_remove(org, ring, at, details)}}
        groups = _member_group_refs(ring.get("memberGroups"), f"{at}.memberGroups", details)
        if groups:
            entry["memberGroups"] = groups
        out.append(entry)
    return {"rings": out}


def _criteria(ring: dict[str, Any], at: str, details: list[dict[str, str]]) -> list[dict[str, Any]]:
    """A ring's expansion criteria: each of a known type with a timeout in range."""
    criteria = []
    for j, c in enumerate(ring.get("expansionCriteria") or []):
        cat = f"{at}.expansionCriteria[{j}]"
        if not isinstance(c, dict) or c.get("type") not in EXPANSION_TYPES:
            details.append(detail(f"{cat}.type", INVALID_VALUE))
            continue
        threshold = c.get("threshold")
        if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not RING_TIMEOUT_S[0] <= threshold <= RING_TIMEOUT_S[1]:
            details.append(detail(f"{cat}.threshold", INVALID_VALUE))
            continue
        criteria.append({"type": c["type"], "threshold": float(threshold)})
    return criteria


def _skills_to_remove(org: Org, ring: dict[str, Any], at: str, details: list[dict[str, str]]) -> list[dict[str, str]]:
    """A ring's skills to remove: each an active skill of the org, by id."""
    to_remove = []
    actions = ring.get("actions") or {}
    for j, s in enumerate((actions.get("skillsToRemove") or []) if isinstance(actions, dict) else []):
        sid = s.get("id") if isinstance(s, dict) else None
        problem = skill_ref_problem(sid, org.skills.get(sid) if isinstance(sid, str) else None)
        if problem is None:
            to_remove.append({"id": str(sid)})  # a non-empty string: no problem
        else:
            details.append(detail(f"{at}.actions.skillsToRemove[{j}].id", *problem))
    return to_remove


def skill_ref_problem(sid: Any, skill: Any) -> tuple[str] | tuple[str, str] | None:
    """Why a ring cannot remove skill ``sid`` (the org's ``skill`` by that id, or None): the error code (and the id), or None."""
    if not isinstance(sid, str) or not sid:
        return ("required",)
    if skill is None or skill.state == "deleted":
        return ("not.found", sid)
    if skill.state != "active":
        return ("inactive", sid)
    return None


# ---------------------------------------------------------------------- views
def settings_view(org: Org, queue_id: str) -> dict[str, Any]:
    """The settings as ``Queue`` renders them: ring skills with their current name and URI."""
    out = copy.deepcopy(org.queueconfig.peek(queue_id))
    cgr.render(out, queue_id)
    for ring in (out.get("bullseye") or {}).get("rings") or []:
        for s in ring["actions"]["skillsToRemove"]:
            skill = org.skills.get(s["id"])
            s["name"] = skill.name if skill is not None else None
            s["selfUri"] = f"/api/v2/routing/skills/{s['id']}"
    return out


# ---------------------------------------------------------------------- the other administrator
def admin_edit(org: Org, queue_id: str, rng: random.Random, *, trigger: str, now: float, at: str) -> dict[str, Any]:
    """Change one setting in :data:`ADMIN_EDITABLE` of the queue, as another administrator
    would between a client's read and its write, and describe the change."""
    settings = org.queueconfig.settings_of(queue_id)
    key = ADMIN_EDITABLE[rng.randrange(len(ADMIN_EDITABLE))]
    before = settings.get(key)
    if key == "callingPartyName":
        after: Any = rng.choice([n for n in _CALLING_NAMES if n != before])
    else:
        after = not bool(before)
    settings[key] = after
    record = {"queueId": queue_id, "field": key, "before": before, "after": after, "trigger": trigger, "time": now, "at": at}
    org.queueconfig.admin_edits.append(record)
    return record
