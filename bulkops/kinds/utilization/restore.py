"""Taking back a job's utilization change (#20): a user's setting, or the org default (pure).

The audit keeps a utilization setting as the request body that makes it (``encode_utilization``)
with its ``level``. An undo restores, part by part, only the media types and labels the job
changed (``media.<type>``, ``label.<id>``: the body's entry, or None where the setting had none):
every other part of the setting is carried over from a read just before the write, as the job's
own merge does. A user who worked under the org default before the job is put back on it (a
DELETE), compared as a whole: the setting must still be the one the job wrote. A setting the job
wrote without reading it (``whole``) has no before: it cannot be undone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.domain.utilization import (
    AGENT,
    ORGANIZATION,
    DeleteToInherit,
    LabelUtilization,
    Level,
    MediaUtilization,
    NothingToDo,
    PutSetting,
    Utilization,
    UtilizationWrite,
)

MEDIA_PART, LABEL_PART, SETTING_PART = "media.", "label.", "setting"
#: The ``setting`` part of a user on the org default.
ON_DEFAULT = "the org default"


@dataclass(frozen=True, slots=True)
class UtilizationRestore:
    """An undo item of a utilization kind: per media type and label id the entry before the job
    (None: the setting had none), or ``inherit``: back to the org default."""

    user_id: str  # the user's id, or ``domain.orgutil.ORG_KEY`` for the org default
    user: str
    media: Mapping[str, MediaUtilization | None] = field(default_factory=dict)
    labels: Mapping[str, LabelUtilization | None] = field(default_factory=dict)
    inherit: bool = False
    line: int = 0
    whole: bool = False  # never: an undo item is always merged into a read

    def label_names(self) -> set[str]:
        """Labels by name (none: an undo names labels by id)."""
        return set()

    def to_json(self) -> dict[str, Any]:
        return {
            "restore": True,
            "user_id": self.user_id,
            "user": self.user,
            "media": {k: None if m is None else media_body(m) for k, m in self.media.items()},
            "labels": {k: None if x is None else label_body(x) for k, x in self.labels.items()},
            "inherit": self.inherit,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> UtilizationRestore:
        media = {k: None if v is None else media_of(v) for k, v in (d.get("media") or {}).items()}
        labels = {k: None if v is None else label_of(v) for k, v in (d.get("labels") or {}).items()}
        return cls(str(d["user_id"]), str(d.get("user") or d["user_id"]), media, labels, bool(d.get("inherit")))

    def keep(self, parts: frozenset[str]) -> UtilizationRestore | None:
        """Restoring only ``parts``; None when none is left."""
        if self.inherit:
            return self if SETTING_PART in parts else None
        media = {k: v for k, v in self.media.items() if MEDIA_PART + k in parts}
        labels = {k: v for k, v in self.labels.items() if LABEL_PART + k in parts}
        return UtilizationRestore(self.user_id, self.user, media, labels) if media or labels else None


def media_body(m: MediaUtilization) -> dict[str, Any]:
    return {"maximumCapacity": m.maximum_capacity, "interruptableMediaTypes": sorted(m.interruptable_media_types), "includeNonAcd": m.include_non_acd}


def label_body(x: LabelUtilization) -> dict[str, Any]:
    return {"maximumCapacity": x.maximum_capacity, "interruptingLabelIds": sorted(x.interrupting_label_ids)}


def media_of(d: Mapping[str, Any]) -> MediaUtilization:
    return MediaUtilization(int(d["maximumCapacity"]), frozenset(d.get("interruptableMediaTypes") or ()), bool(d.get("includeNonAcd")))


def label_of(d: Mapping[str, Any]) -> LabelUtilization:
    return LabelUtilization(int(d["maximumCapacity"]), frozenset(d.get("interruptingLabelIds") or ()))


def parts_of(setting: Utilization | None, item: UtilizationRestore, *, level: Level = AGENT) -> dict[str, Any]:
    """The parts ``item`` restores as ``setting`` has them (a user on the org default has none of
    their own; ``level``: whose setting is restored, the user's or the org's)."""
    if item.inherit:
        if setting is None:
            return {SETTING_PART: None}
        return {SETTING_PART: ON_DEFAULT if setting.level == ORGANIZATION else setting_body(setting)}
    own = setting is not None and setting.level == level
    out: dict[str, Any] = {}
    for k in item.media:
        m = setting.media.get(k) if own and setting is not None else None
        out[MEDIA_PART + k] = None if m is None else media_body(m)
    for k in item.labels:
        x = setting.labels.get(k) if own and setting is not None else None
        out[LABEL_PART + k] = None if x is None else label_body(x)
    return out


def setting_body(setting: Utilization) -> dict[str, Any]:
    """The whole setting as the audit shows it, without its level."""
    return {
        "utilization": {k: media_body(m) for k, m in sorted(setting.media.items())},
        "labelUtilizations": {k: label_body(x) for k, x in sorted(setting.labels.items())},
    }


def restore_write(current: Utilization, item: UtilizationRestore, *, level: Level = AGENT) -> UtilizationWrite:
    """The one write that puts ``item``'s parts back into ``current`` (as read), the rest kept."""
    if item.inherit:
        return NothingToDo() if current.level == ORGANIZATION else DeleteToInherit()
    own = current.level == level
    media = dict(current.media) if own else {}
    labels = dict(current.labels) if own else {}
    for k, m in item.media.items():
        if m is None:
            media.pop(k, None)
        else:
            media[k] = m
    for k, x in item.labels.items():
        if x is None:
            labels.pop(k, None)
        else:
            labels[k] = x
    if own and media == dict(current.media) and labels == dict(current.labels):
        return NothingToDo()
    calls = current.max_inbound_calls if own else None
    return PutSetting(Utilization(media=media, labels=labels, level=level, max_inbound_calls=calls, label_names=current.label_names))


def invert_setting(
    key: str, name: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *, user: bool
) -> tuple[UtilizationRestore, dict[str, Any], dict[str, Any]] | str | None:
    """(the undo item, restore, written) from a setting's audit before and after; a reason it
    cannot be undone; or None when the job left it as it was."""
    if before is None or after is None:
        return None
    if before.get("read") is False:
        return "the job wrote the user's whole setting without reading it: what it was before is not known"
    if user and before.get("level") == ORGANIZATION:
        if after.get("level") == ORGANIZATION:
            return None
        whole: dict[str, Any] = {SETTING_PART: {k: after.get(k) or {} for k in ("utilization", "labelUtilizations")}}
        return UtilizationRestore(key, name, inherit=True), {SETTING_PART: ON_DEFAULT}, whole
    restore, written = setting_parts_changed(before, after, on_default_after=user and after.get("level") == ORGANIZATION)
    media = {p.removeprefix(MEDIA_PART): None if v is None else media_of(v) for p, v in restore.items() if p.startswith(MEDIA_PART)}
    labels = {p.removeprefix(LABEL_PART): None if v is None else label_of(v) for p, v in restore.items() if p.startswith(LABEL_PART)}
    if not restore:
        return None
    return UtilizationRestore(key, name, media, labels), restore, written


def setting_parts_changed(before: Mapping[str, Any], after: Mapping[str, Any], *, on_default_after: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each media type and label (by part) whose setting the job changed: the value before (to
    restore) and after (what an undo expects); a user put on the default has none of their own after."""
    restore: dict[str, Any] = {}
    written: dict[str, Any] = {}
    for section, prefix in (("utilization", MEDIA_PART), ("labelUtilizations", LABEL_PART)):
        was: Mapping[str, Any] = before.get(section) or {}
        now: Mapping[str, Any] = {} if on_default_after else after.get(section) or {}
        for k in sorted(set(was) | set(now)):
            if was.get(k) != now.get(k):
                restore[prefix + k], written[prefix + k] = was.get(k), now.get(k)
    return restore, written
