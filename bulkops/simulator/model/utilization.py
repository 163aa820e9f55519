"""Agent utilization and utilization labels: the records, the rules the platform enforces, and
every mutation, independent of HTTP (``routes_utilization`` serves them, ``utilization_wire``
renders them).

Where the contract is silent the rule is a conservative guess; each one, and its source, is in
docs/simulator.md ("Utilization and utilization labels").
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeGuard

from bulkops.simulator.errors import BAD_REQUEST, CONFLICT, INVALID_VALUE, SimApiError, bad_request, detail, not_found
from bulkops.simulator.refusals import DUPLICATE_NAME
from bulkops.simulator.refusals import LABEL_IN_USE as LABEL_IN_USE_REFUSAL

#: ``MediaUtilization``'s documented values ("call, chat, email, callback, and message").
DOCUMENTED_MEDIA_TYPES = ("call", "callback", "chat", "email", "message")
#: What the platform serves: the documented five and ``workitem`` (the SDK's routing media types,
#: e.g. ``RoutePathRequest.mediaType``, add Workitem; the utilization map's keys are open, "Map of
#: media type to utilization settings"). bulkops does not know ``workitem``: it must keep it (#27 §6).
MEDIA_TYPES = (*DOCUMENTED_MEDIA_TYPES, "workitem")
#: "The maximum capacity for each interaction type is 25" (help centre); the Terraform provider
#: validates 0..25 for media types and labels alike.
MAX_CAPACITY = 25
#: Guess: the same range as a media type's capacity (the SDK gives none).
MAX_INBOUND_CALLS = 25
#: "A unique name is limited to 256 characters ... cannot be only whitespace and cannot contain []:*".
MAX_LABEL_NAME = 256
LABEL_NAME_FORBIDDEN = "[]:*"
#: "You can create up to 100 labels per organization."
DEFAULT_LABEL_LIMIT = 100
#: Guess: the platform's code for "the label is in use" is not published.
LABEL_IN_USE = "utilization.label.in.use"
LABELS_LIMIT_KEY = "utilization.labels.max"


class Report(Protocol):
    """How a parse reports one problem: the field, the error code, a message, the entity."""

    def __call__(self, where: str, code: str, message: str, entity_id: str | None = None) -> None: ...


AGENT = "Agent"
ORGANIZATION = "Organization"


@dataclass(frozen=True, slots=True)
class MediaSetting:
    maximum_capacity: int
    interruptable: tuple[str, ...] = ()
    include_non_acd: bool = False


@dataclass(frozen=True, slots=True)
class LabelSetting:
    maximum_capacity: int
    interrupting: tuple[str, ...] = ()


#: A label created without ``utilization`` (guess: one at a time, interrupted by nothing).
DEFAULT_LABEL_SETTING = LabelSetting(1)


@dataclass(slots=True)
class Setting:
    """A ``UtilizationRequest`` once validated: media types, labels (by id), max inbound calls."""

    media: dict[str, MediaSetting] = field(default_factory=dict)
    labels: dict[str, LabelSetting] = field(default_factory=dict)
    max_inbound_calls: int | None = None

    def copy(self) -> Setting:
        return Setting(dict(self.media), dict(self.labels), self.max_inbound_calls)


def system_default() -> Setting:
    """What an org starts with: one call, up to four chats, one email, one message, one callback;
    email may be interrupted by every other type (help centre, "About agent utilization")."""
    others = tuple(m for m in DOCUMENTED_MEDIA_TYPES if m != "email")  # whether workitem interrupts email: a guess (no)
    media = {m: MediaSetting(4 if m == "chat" else 1) for m in MEDIA_TYPES}
    media["email"] = MediaSetting(1, others)
    return Setting(media)


@dataclass(slots=True)
class Label:
    id: str
    name: str


def label_name_key(name: str) -> str:
    """Names are compared ignoring case (guess, the conservative reading: 'VIP' and 'vip' clash)."""
    return name.casefold()


class UtilizationStore:
    """The org default, the labels, and each user's own setting (absent: the org default applies)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.org = system_default()
        self.labels: dict[str, Label] = {}
        self.users: dict[str, Setting] = {}
        self._created = 0

    # ------------------------------------------------------------------ lookups
    def label(self, label_id: str) -> Label:
        found = self.labels.get(label_id)
        if found is None:
            raise not_found("utilization label", label_id)
        return found

    def effective(self, user_id: str) -> tuple[Setting, str]:
        """The setting a user works under and its ``level``."""
        own = self.users.get(user_id)
        return (own, AGENT) if own is not None else (self.org, ORGANIZATION)

    def label_users(self, label_id: str) -> list[str]:
        """Users whose own setting names the label: what a delete without force refuses on."""
        return sorted(uid for uid, s in self.users.items() if label_id in s.labels)

    def labels_named(self, pattern: str | None, *, descending: bool = False) -> list[Label]:
        match = name_matcher(pattern) if pattern else None
        found = [x for x in self.labels.values() if match is None or match(x.name)]
        return sorted(found, key=lambda x: (label_name_key(x.name), x.id), reverse=descending)

    # ------------------------------------------------------------------ validation
    def parse_request(self, body: Any) -> Setting:
        """Validate a whole ``UtilizationRequest`` before any of it is applied."""
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object (UtilizationRequest).")
        details: list[dict[str, str]] = []
        problems: list[str] = []

        def bad(where: str, code: str, message: str, entity_id: str | None = None) -> None:
            details.append(detail(where, code, entity_id))
            problems.append(message)

        out = Setting()
        media = body.get("utilization")
        if media is not None and not isinstance(media, dict):
            bad("utilization", INVALID_VALUE, "utilization must be an object keyed by media type")
        for mt, raw in (media or {}).items() if isinstance(media, dict) else ():
            where = f"utilization.{mt}"
            if mt not in MEDIA_TYPES:
                bad(where, INVALID_VALUE, f"unknown media type {mt!r} (known: {', '.join(MEDIA_TYPES)})")
                continue
            parsed = self._media(mt, raw, where, bad)
            if parsed is not None:
                out.media[mt] = parsed
        labels = body.get("labelUtilizations")
        if labels is not None and not isinstance(labels, dict):
            bad("labelUtilizations", INVALID_VALUE, "labelUtilizations must be an object keyed by label id")
        for label_id, raw in (labels or {}).items() if isinstance(labels, dict) else ():
            where = f"labelUtilizations.{label_id}"
            if label_id not in self.labels:
                bad(where, "not.found", f"utilization label {label_id} does not exist", label_id)
                continue
            parsed_label = self.parse_label_setting(label_id, raw, where, bad)
            if parsed_label is not None:
                out.labels[label_id] = parsed_label
        calls = body.get("maxInboundCalls")
        if calls is not None:
            if _capacity(calls, MAX_INBOUND_CALLS):
                out.max_inbound_calls = calls
            else:
                bad("maxInboundCalls", INVALID_VALUE, f"maxInboundCalls {calls!r} is not an integer from 0 to {MAX_INBOUND_CALLS}")
        if details:
            raise SimApiError(400, BAD_REQUEST, "Invalid utilization: " + "; ".join(problems[:10]), details)
        return out

    def _media(self, mt: str, raw: Any, where: str, bad: Report) -> MediaSetting | None:
        if not isinstance(raw, dict):
            bad(where, INVALID_VALUE, f"{mt}: not an object (MediaUtilization)")
            return None
        ok = True
        cap = raw.get("maximumCapacity")
        capacity = cap if _capacity(cap, MAX_CAPACITY) else None
        if capacity is None:
            bad(f"{where}.maximumCapacity", INVALID_VALUE, f"{mt}: maximumCapacity {cap!r} is not an integer from 0 to {MAX_CAPACITY}")
        kinds = raw.get("interruptableMediaTypes")
        if kinds is None:
            kinds = []
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            bad(f"{where}.interruptableMediaTypes", INVALID_VALUE, f"{mt}: interruptableMediaTypes must be a list of media types")
            kinds, ok = [], False
        for k in kinds:
            if k not in MEDIA_TYPES:
                bad(f"{where}.interruptableMediaTypes", INVALID_VALUE, f"{mt}: unknown interrupting media type {k!r}")
                ok = False
            elif k == mt:
                bad(f"{where}.interruptableMediaTypes", INVALID_VALUE, f"{mt}: a media type cannot interrupt itself")
                ok = False
        if len(set(kinds)) != len(kinds):
            bad(f"{where}.interruptableMediaTypes", "duplicate", f"{mt}: an interrupting media type is listed twice")
            ok = False
        non_acd = raw.get("includeNonAcd", False)
        if non_acd is None:
            non_acd = False
        if not isinstance(non_acd, bool):
            bad(f"{where}.includeNonAcd", INVALID_VALUE, f"{mt}: includeNonAcd must be true or false")
            ok = False
        return MediaSetting(capacity, tuple(sorted(kinds)), non_acd) if ok and capacity is not None else None

    def parse_label_setting(self, label_id: str | None, raw: Any, where: str, bad: Report) -> LabelSetting | None:
        """A ``LabelUtilizationRequest``; ``label_id`` is the label it is for (None: one being created)."""
        if not isinstance(raw, dict):
            bad(where, INVALID_VALUE, "a label utilization must be an object (LabelUtilizationRequest)")
            return None
        ok = True
        cap = raw.get("maximumCapacity")
        capacity = cap if _capacity(cap, MAX_CAPACITY) else None
        if capacity is None:
            bad(f"{where}.maximumCapacity", INVALID_VALUE, f"label maximumCapacity {cap!r} is not an integer from 0 to {MAX_CAPACITY}")
        ids = raw.get("interruptingLabelIds")
        if ids is None:
            ids = []
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            bad(f"{where}.interruptingLabelIds", INVALID_VALUE, "interruptingLabelIds must be a list of label ids")
            ids, ok = [], False
        for other in ids:
            if other == label_id:
                bad(f"{where}.interruptingLabelIds", INVALID_VALUE, "a label cannot interrupt itself", other)
                ok = False
            elif other not in self.labels:
                bad(f"{where}.interruptingLabelIds", "not.found", f"interrupting label {other} does not exist", other)
                ok = False
        if len(set(ids)) != len(ids):
            bad(f"{where}.interruptingLabelIds", "duplicate", "an interrupting label is listed twice")
            ok = False
        return LabelSetting(capacity, tuple(sorted(ids))) if ok and capacity is not None else None

    def check_label_name(self, name: Any, *, renaming: str | None = None) -> str:
        """The name rules (help centre and the Terraform provider) and uniqueness; returns the name."""
        if not isinstance(name, str) or not name.strip():
            raise bad_request("A utilization label needs a name that is not only whitespace.", detail("name", "required"))
        if len(name) > MAX_LABEL_NAME:
            raise bad_request(f"A utilization label name is limited to {MAX_LABEL_NAME} characters.", detail("name", INVALID_VALUE))
        if name != name.strip():
            raise bad_request("A utilization label name cannot start or end with whitespace.", detail("name", INVALID_VALUE))
        bad_chars = sorted({c for c in name if c in LABEL_NAME_FORBIDDEN})
        if bad_chars:
            raise bad_request(f"A utilization label name cannot contain {' '.join(bad_chars)} (none of {LABEL_NAME_FORBIDDEN}).", detail("name", INVALID_VALUE))
        key = label_name_key(name)
        for other in self.labels.values():
            if other.id != renaming and label_name_key(other.name) == key:
                raise SimApiError(
                    409,
                    CONFLICT,
                    f"A utilization label named '{other.name}' already exists.",
                    [detail("name", "duplicate", other.id)],
                    entity_id=other.id,
                    refusal=DUPLICATE_NAME,
                )
        return name

    # ------------------------------------------------------------------ mutations
    def put_user(self, user_id: str, setting: Setting) -> None:
        """PUT replaces the whole setting; omitted media types take the org default's values."""
        own = setting.copy()
        for mt in MEDIA_TYPES:
            own.media.setdefault(mt, self.org.media[mt])
        self.users[user_id] = own

    def clear_user(self, user_id: str) -> None:
        """Back to the org default (a user without a setting of their own is no error)."""
        self.users.pop(user_id, None)

    def put_org(self, setting: Setting) -> None:
        """PUT replaces the org default; omitted media types take the system default's values."""
        own = setting.copy()
        defaults = system_default()
        for mt in MEDIA_TYPES:
            own.media.setdefault(mt, defaults.media[mt])
        self.org = own

    def clear_org(self) -> None:
        self.org = system_default()

    def create_label(self, name: Any, utilization: Any, *, limit: int) -> Label:
        """Validated in full (name, limit, utilization) before anything changes."""
        checked = self.check_label_name(name)
        if len(self.labels) >= limit:
            raise SimApiError(
                400,
                BAD_REQUEST,
                f"The organization already has {len(self.labels)} utilization labels; the limit is {limit}.",
                [detail("name", "limit.exceeded")],
                limit={"key": LABELS_LIMIT_KEY, "namespace": "routing", "value": limit},
            )
        setting: LabelSetting | None = None
        if utilization is not None:
            details: list[dict[str, str]] = []

            def note(where: str, code: str, message: str, entity_id: str | None = None) -> None:
                details.append(detail(where, code, entity_id))

            setting = self.parse_label_setting(None, utilization, "utilization", note)
            if setting is None:
                raise SimApiError(400, BAD_REQUEST, "Invalid utilization for the new label.", details)
        self._created += 1
        lid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bulkops-sim:{self.seed}:utilization-label:{checked}:{self._created}"))
        label = Label(lid, checked)
        self.labels[lid] = label
        if setting is not None:
            self.org.labels[lid] = setting
        return label

    def rename_label(self, label_id: str, name: Any) -> Label:
        label = self.label(label_id)
        label.name = self.check_label_name(name, renaming=label_id)
        return label

    def delete_label(self, label_id: str, *, force: bool) -> None:
        """Refused while users name it, unless ``force``: then it leaves every setting."""
        self.label(label_id)
        users = self.label_users(label_id)
        if users and not force:
            raise SimApiError(
                409,
                LABEL_IN_USE,
                f"The utilization label is used by {len(users)} agent(s); remove it from them first or delete with forceDelete=true.",
                [detail("labelId", LABEL_IN_USE, label_id)],
                entity_id=label_id,
                refusal=LABEL_IN_USE_REFUSAL,
            )
        del self.labels[label_id]
        for setting in (self.org, *self.users.values()):
            _forget_label(setting, label_id)

    def concurrent_edit(self, user_id: str, rng: random.Random) -> dict[str, Any]:
        """Another administrator changes one media type's capacity for ``user_id`` (the user gets a
        setting of their own if they had none); returns what changed, for the conflict record."""
        current, _level = self.effective(user_id)
        mt = rng.choice(MEDIA_TYPES)
        before = current.media[mt].maximum_capacity
        after = rng.choice([c for c in range(1, 6) if c != before])
        own = current.copy()
        own.media[mt] = replace(current.media[mt], maximum_capacity=after)
        self.put_user(user_id, own)
        return {
            "userId": user_id,
            "kind": "utilization",
            "field": f"utilization.{mt}.maximumCapacity",
            "id": None,
            "name": mt,
            "before": before,
            "after": after,
        }

    # ------------------------------------------------------------------ persistence
    def to_record(self) -> dict[str, Any]:
        return {
            "labels": [{"id": x.id, "name": x.name} for x in self.labels.values()],
            "created": self._created,
            "org": _setting_record(self.org),
            "users": {uid: _setting_record(self.users[uid]) for uid in sorted(self.users)},
        }

    @classmethod
    def from_record(cls, seed: int, rec: dict[str, Any] | None) -> UtilizationStore:
        """A saved store; a state file from before utilization existed gives the fresh one."""
        store = cls(seed)
        if not rec:
            return store
        store.labels = {x["id"]: Label(x["id"], x["name"]) for x in rec["labels"]}
        store._created = int(rec.get("created", len(store.labels)))
        store.org = _setting_from(rec["org"])
        store.users = {uid: _setting_from(s) for uid, s in rec["users"].items()}
        return store


def name_matcher(pattern: str) -> Callable[[str], bool]:
    """The listing's ``name`` filter: exact (ignoring case), ``*`` a wildcard anywhere."""
    parts = [label_name_key(p) for p in pattern.split("*")]
    if len(parts) == 1:
        return lambda n: label_name_key(n) == parts[0]

    def match(name: str) -> bool:
        n = label_name_key(name)
        if not (n.startswith(parts[0]) and n.endswith(parts[-1])) or len(n) < len(parts[0]) + len(parts[-1]):
            return False
        at = len(parts[0])
        for middle in parts[1:-1]:
            found = n.find(middle, at, len(n) - len(parts[-1]))
            if found < 0:
                return False
            at = found + len(middle)
        return True

    return match


def _capacity(value: Any, hi: int) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= hi


def _forget_label(setting: Setting, label_id: str) -> None:
    setting.labels.pop(label_id, None)
    for other, s in list(setting.labels.items()):
        if label_id in s.interrupting:
            setting.labels[other] = LabelSetting(s.maximum_capacity, tuple(i for i in s.interrupting if i != label_id))


def _setting_record(s: Setting) -> dict[str, Any]:
    return {
        "media": {m: {"cap": x.maximum_capacity, "interruptable": list(x.interruptable), "nonAcd": x.include_non_acd} for m, x in s.media.items()},
        "labels": {lid: {"cap": x.maximum_capacity, "interrupting": list(x.interrupting)} for lid, x in s.labels.items()},
        "maxInboundCalls": s.max_inbound_calls,
    }


def _setting_from(rec: dict[str, Any]) -> Setting:
    return Setting(
        {m: MediaSetting(int(x["cap"]), tuple(x["interruptable"]), bool(x["nonAcd"])) for m, x in rec["media"].items()},
        {lid: LabelSetting(int(x["cap"]), tuple(x["interrupting"])) for lid, x in rec["labels"].items()},
        rec.get("maxInboundCalls"),
    )
