"""Queue settings in a job (#18): what a spec names, merged into a queue body read just before the write.

The queue PUT replaces the whole queue and carries no version (the last writer wins), so the
job never sends a body of its own: it reads the queue, sets only the settings the spec names
(``merge``), and sends that. Everything else is kept as read. ``settings_diff`` says which
named settings differ from a body ("nothing": the queue is already so, or a resumed run's write
landed before the kill). ``unnamed_digests`` fingerprints every part of a body the job does not
name, so a change another administrator made since set-up read the queue is seen and recorded.

Settings are addressed by path into the ``QueueRequest`` body (``mediaSettings.email.serviceLevel.percentage``);
bullseye rings by number (1-based) with their timeout and the skills they drop (ids).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from bulkops.kinds.members.intent import MemberActivationIntent

MEDIA_TYPES = ("call", "callback", "chat", "email", "message")
SKILL_EVALUATION_METHODS = ("NONE", "BEST", "ALL")
WRAPUP_PROMPTS = ("MANDATORY", "OPTIONAL", "MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED")
#: ``AcwSettings.timeoutMs`` "can only be used when ACW is AGENT_REQUESTED, MANDATORY_TIMEOUT or MANDATORY_FORCED_TIMEOUT" (SDK).
TIMEOUT_PROMPTS = ("MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED")
MAX_RINGS = 6
#: ``Queue`` fields the system sets: never compared, never sent.
READ_ONLY = frozenset({"id", "selfUri", "dateCreated", "dateModified", "modifiedBy", "createdBy", "memberCount", "userMemberCount", "joinedMemberCount"})
RING_TIMEOUT = "TIMEOUT_SECONDS"


@dataclass(frozen=True, slots=True)
class MediaIntent:
    """One media type's settings as written (None: not named)."""

    alerting_timeout_seconds: int | None = None
    service_level_percentage: float | None = None
    service_level_duration_ms: int | None = None


@dataclass(frozen=True, slots=True)
class RingIntent:
    """One bullseye ring as written: its expansion timeout, the skills it drops (names or ids)."""

    timeout_seconds: float | None = None
    skills_to_remove: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class QueueSelector:
    """Many queues named at once: names matching ``name_pattern`` (``*`` any run of characters,
    case ignored) and/or the queues of ``division``; both given, a queue must match both."""

    name_pattern: str | None = None
    division: str | None = None

    def describe(self) -> str:
        said = [f"name pattern {self.name_pattern!r}"] if self.name_pattern else []
        said += [f"division {self.division!r}"] if self.division else []
        return " in ".join(said)


@dataclass(frozen=True, slots=True)
class QueueSettingsIntent:
    """One entry of a spec's ``queues`` section, refs as written (queue, skills, wrap-up codes, users)."""

    queue: str
    skill_evaluation_method: str | None = None
    acw_wrapup_prompt: str | None = None
    acw_timeout_ms: int | None = None
    media: Mapping[str, MediaIntent] = field(default_factory=dict)
    rings: Mapping[int, RingIntent] = field(default_factory=dict)
    add_wrapup_codes: tuple[str, ...] = ()
    remove_wrapup_codes: tuple[str, ...] = ()
    line: int = 0
    #: Member activation (``members``): its own kind of item (``kinds/members/kind.py``).
    members: MemberActivationIntent | None = None
    #: Many queues (``queues``: a name pattern, a division) instead of one (``queue`` is then "").
    selector: QueueSelector | None = None

    def fields(self) -> dict[str, Any]:
        """The named scalar settings by body path (rings and wrap-up codes apart)."""
        out: dict[str, Any] = {}
        if self.skill_evaluation_method is not None:
            out["skillEvaluationMethod"] = self.skill_evaluation_method
        if self.acw_wrapup_prompt is not None:
            out["acwSettings.wrapupPrompt"] = self.acw_wrapup_prompt
        if self.acw_timeout_ms is not None:
            out["acwSettings.timeoutMs"] = self.acw_timeout_ms
        for media, m in sorted(self.media.items()):
            at = f"mediaSettings.{media}"
            if m.alerting_timeout_seconds is not None:
                out[f"{at}.alertingTimeoutSeconds"] = m.alerting_timeout_seconds
            if m.service_level_percentage is not None:
                out[f"{at}.serviceLevel.percentage"] = m.service_level_percentage
            if m.service_level_duration_ms is not None:
                out[f"{at}.serviceLevel.durationMs"] = m.service_level_duration_ms
        return out

    def names_settings(self) -> bool:
        """True when the entry names a setting or a wrap-up code (a queue settings item)."""
        return bool(self.fields() or self.rings or self.add_wrapup_codes or self.remove_wrapup_codes)

    def names_anything(self) -> bool:
        return self.names_settings() or (self.members is not None and self.members.names_anything())


@dataclass(frozen=True, slots=True)
class RingSetting:
    """A resolved ring: number (1-based), timeout (None: left as is), skill ids dropped (None: left as is)."""

    number: int
    timeout_seconds: float | None = None
    skills_to_remove: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """What the job sets on one queue, resolved: body paths -> values, and rings."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    rings: tuple[RingSetting, ...] = ()

    @property
    def drops_acw_timeout(self) -> bool:
        """A prompt that takes no timeout: the queue's ``timeoutMs`` goes (the API refuses the two together)."""
        prompt = self.fields.get("acwSettings.wrapupPrompt")
        return prompt is not None and prompt not in TIMEOUT_PROMPTS and "acwSettings.timeoutMs" not in self.fields

    def named_paths(self) -> frozenset[str]:
        """Every path the job writes (a ring as ``bullseye.rings.<n>``)."""
        dropped = {"acwSettings.timeoutMs"} if self.drops_acw_timeout else set()
        return frozenset(self.fields) | {f"bullseye.rings.{r.number}" for r in self.rings} | dropped


@dataclass(frozen=True, slots=True)
class SettingChange:
    """One named setting: its path, the value read and the value the job sets."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class QueueChange:
    """What one queue item writes: settings that differ, codes to add and to remove (ids)."""

    settings: tuple[SettingChange, ...] = ()
    add_codes: tuple[str, ...] = ()
    remove_codes: tuple[str, ...] = ()
    #: Wrap-up code id -> name, for people (the audit and items.csv).
    code_names: Mapping[str, str] = field(default_factory=dict, hash=False)


# ---------------------------------------------------------------------- paths into a body
def get_path(body: Mapping[str, Any], path: str) -> Any:
    node: Any = body
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _set_path(body: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = body
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = node[part] = {}
        node = nxt
    node[parts[-1]] = value


def _rings(body: Mapping[str, Any]) -> list[Any]:
    rings = get_path(body, "bullseye.rings")
    return rings if isinstance(rings, list) else []


def ring_timeout(ring: Any) -> float | None:
    for c in (ring.get("expansionCriteria") or []) if isinstance(ring, Mapping) else []:
        if isinstance(c, Mapping) and c.get("type") == RING_TIMEOUT and isinstance(c.get("threshold"), (int, float)):
            return float(c["threshold"])
    return None


def ring_skills(ring: Any) -> tuple[str, ...]:
    actions = ring.get("actions") if isinstance(ring, Mapping) else None
    skills = actions.get("skillsToRemove") if isinstance(actions, Mapping) else None
    return tuple(s["id"] for s in skills or [] if isinstance(s, Mapping) and isinstance(s.get("id"), str))


def ring_count(body: Mapping[str, Any]) -> int:
    return len(_rings(body))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return bool(a == b)


# ---------------------------------------------------------------------- merge and diff (pure)
def merge_settings(body: Mapping[str, Any], settings: QueueSettings) -> dict[str, Any]:
    """``body`` (a read, as a PUT body) with the named settings set and everything else as read.
    The ring after the last is appended (with no member groups; set-up refuses one further out); a ring's skills are sent by id."""
    out = {k: copy.deepcopy(v) for k, v in body.items() if k not in READ_ONLY}
    for path, value in settings.fields.items():
        _set_path(out, path, value)
    acw = out.get("acwSettings")
    if settings.drops_acw_timeout and isinstance(acw, dict):
        acw.pop("timeoutMs", None)
    if settings.rings:
        bullseye = out.get("bullseye")
        if not isinstance(bullseye, dict):
            bullseye = out["bullseye"] = {}
        rings = bullseye.get("rings")
        if not isinstance(rings, list):
            rings = bullseye["rings"] = []
        for r in sorted(settings.rings, key=lambda r: r.number):
            if r.number > len(rings) + 1:
                raise ValueError(f"ring {r.number} of a queue with {len(rings)} ring(s): rings are added one after the last")
            if r.number == len(rings) + 1:
                rings.append({"expansionCriteria": [], "actions": {"skillsToRemove": []}})
            ring = rings[r.number - 1]
            if r.timeout_seconds is not None:
                criteria = [c for c in ring.get("expansionCriteria") or [] if not (isinstance(c, dict) and c.get("type") == RING_TIMEOUT)]
                ring["expansionCriteria"] = [{"type": RING_TIMEOUT, "threshold": float(r.timeout_seconds)}, *criteria]
            if r.skills_to_remove is not None:
                actions = ring.get("actions") if isinstance(ring.get("actions"), dict) else {}
                ring["actions"] = {**actions, "skillsToRemove": [{"id": s} for s in r.skills_to_remove]}
    return out


def settings_diff(body: Mapping[str, Any], settings: QueueSettings) -> tuple[SettingChange, ...]:
    """Each named setting whose value in ``body`` is not the one the job sets (numbers compared
    as numbers, a ring's skills as a set); empty when the queue is already so."""
    out = [SettingChange(p, get_path(body, p), v) for p, v in settings.fields.items() if not _same(get_path(body, p), v)]
    if settings.drops_acw_timeout and get_path(body, "acwSettings.timeoutMs") is not None:
        out.append(SettingChange("acwSettings.timeoutMs", get_path(body, "acwSettings.timeoutMs"), None))
    rings = _rings(body)
    for r in sorted(settings.rings, key=lambda r: r.number):
        ring = rings[r.number - 1] if r.number <= len(rings) else None
        at = f"bullseye.rings.{r.number}"
        if r.timeout_seconds is not None and (ring is None or not _same(ring_timeout(ring), r.timeout_seconds)):
            out.append(SettingChange(f"{at}.timeoutSeconds", ring_timeout(ring) if ring else None, float(r.timeout_seconds)))
        if r.skills_to_remove is not None and (ring is None or set(ring_skills(ring)) != set(r.skills_to_remove)):
            out.append(SettingChange(f"{at}.skillsToRemove", list(ring_skills(ring)) if ring else None, list(r.skills_to_remove)))
    return tuple(out)


def codes_diff(held: Iterable[str], add: Iterable[str], remove: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(codes to add, codes to remove): only what the queue lacks, only what it has."""
    have = set(held)
    return tuple(c for c in dict.fromkeys(add) if c not in have), tuple(c for c in dict.fromkeys(remove) if c in have)


def queue_change(body: Mapping[str, Any], held_codes: Iterable[str], settings: QueueSettings, add: Iterable[str], remove: Iterable[str]) -> QueueChange | None:
    """What takes the queue read to what the job names; None when nothing is left to do."""
    changed = settings_diff(body, settings)
    to_add, to_remove = codes_diff(held_codes, add, remove)
    if not (changed or to_add or to_remove):
        return None
    return QueueChange(changed, to_add, to_remove)


def _without(body: Mapping[str, Any], named: Iterable[str]) -> dict[str, Any]:
    """A copy of ``body`` with every named path (and a named ring) taken out."""
    out = {k: copy.deepcopy(v) for k, v in body.items() if k not in READ_ONLY}
    for path in named:
        parts = path.split(".")
        if parts[:2] == ["bullseye", "rings"] and len(parts) == 3:
            rings = _rings(out)
            n = int(parts[2])
            if n <= len(rings):
                rings[n - 1] = None
            while rings and rings[-1] is None:  # a ring the job appended is not someone else's change
                rings.pop()
            if not rings and out.get("bullseye") == {"rings": []}:
                del out["bullseye"]  # no bullseye and one whose only rings are the job's are alike
            continue
        node: Any = out
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(parts[-1], None)
    return out


def _digest(value: Any) -> str:
    return hashlib.blake2b(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), digest_size=6).hexdigest()


def unnamed_digests(body: Mapping[str, Any], named: Iterable[str]) -> dict[str, str]:
    """Top-level field -> a short digest of what the job does not name in it. Two reads whose
    digests differ at a field were changed there by someone else (the job writes none of it)."""
    return {k: _digest(v) for k, v in sorted(_without(body, named).items())}


def changed_fields(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[str, ...]:
    """Fields whose digests differ (present in one only included)."""
    return tuple(sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)))


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A resolved queue settings item, as the run store keeps it: one per queue.

    ``baseline``: set-up's read of the queue, as the digests of what the job does not name
    (``unnamed_digests``): the run compares its own read with it to see another writer's change."""

    queue_id: str
    name: str
    settings: QueueSettings
    add_codes: tuple[str, ...] = ()
    remove_codes: tuple[str, ...] = ()
    baseline: Mapping[str, str] = field(default_factory=dict)
    line: int = 0
    #: Wrap-up code id -> name for the codes the item adds and removes.
    code_names: Mapping[str, str] = field(default_factory=dict)

    @property
    def names_codes(self) -> bool:
        return bool(self.add_codes or self.remove_codes)


@dataclass(frozen=True, slots=True)
class QueueState:
    """A queue as one read found it: its body as a PUT body, the wrap-up codes the item names
    that it holds (None: not read, the item names none), when it was read (monotonic seconds),
    the fields someone else changed since set-up's read, and the named settings as read."""

    id: str
    name: str
    body: Mapping[str, Any] = field(hash=False)
    codes: frozenset[str] | None = None
    read_at: float = 0.0
    changed_since_plan: tuple[str, ...] = ()
    #: The named settings as read (path -> value), for the audit's before and after.
    view: Mapping[str, Any] = field(default_factory=dict, hash=False)
