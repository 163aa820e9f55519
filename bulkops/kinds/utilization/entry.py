"""One JSON ``utilization`` entry (spec version 2) -> a ``UserUtilizationIntent`` plus its problems,
and one entry per user across the section (the ``utilizationDefault`` object reads its media types
and labels by the same rules: ``kinds/orgutil/section.py``).

The schema (``schemacheck.utilization_entry_issues``) says what is structurally wrong; this module
adds what it cannot: ``inherit`` goes alone, ``whole`` names every media type (and never goes with
``inherit``), a media type never interrupts itself, names listed twice (labels compared ignoring
case, as the API compares label names), keys repeated in the raw text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bulkops.domain.utilization import MediaUtilization
from bulkops.kinds.labels.intent import label_key
from bulkops.kinds.utilization.intent import LabelSettingIntent, UserUtilizationIntent, missing_media
from bulkops.kinds.utilization.schema import utilization_entry_issues
from bulkops.spec.cells import fold
from bulkops.spec.schemacheck import Issue, repeated_keys
from bulkops.spec.validate import At, Problems

LocateKey = Callable[[str], At]

INHERIT_ALONE = "'inherit': true goes alone: the user's own setting is deleted, so it cannot also set media types, labels or a whole setting"
WHOLE_NAMES_EVERY = "a whole setting ('whole': true) names every media type (the user's setting is written without a read, so nothing is kept)"


def read_utilization_entry(obj: Any, line: int) -> tuple[UserUtilizationIntent | None, list[Issue]]:
    """Validate one entry; the intent is None when it cannot be used."""
    issues = utilization_entry_issues(obj)
    if not isinstance(obj, dict):
        return None, issues
    issues += repeated_keys(obj, ())
    if issues:
        return None, issues
    if obj.get("inherit") and ("media" in obj or "labels" in obj or "whole" in obj):
        return None, [(("inherit",), "key", INHERIT_ALONE)]
    if obj.get("whole"):
        missing = missing_media(obj.get("media") or {})
        if missing:
            at: tuple[str, ...] = ("media",) if "media" in obj else ("whole",)
            issues.append((at, "key" if at == ("whole",) else "value", f"{WHOLE_NAMES_EVERY}; missing: {', '.join(missing)}"))
    media, labels = media_and_labels(obj, issues)
    if issues:
        return None, issues
    return UserUtilizationIntent(obj["user"].strip(), media, labels, bool(obj.get("inherit")), line, bool(obj.get("whole"))), []


def media_and_labels(obj: dict[str, Any], issues: list[Issue]) -> tuple[dict[str, MediaUtilization], dict[str, LabelSettingIntent]]:
    """An entry's ``media`` and ``labels`` (schema-valid) as read; what the schema cannot see goes to ``issues``."""
    media: dict[str, MediaUtilization] = {}
    for mt, m in (obj.get("media") or {}).items():
        types = m.get("interruptableMediaTypes") or []
        if mt in types:
            issues.append((("media", mt, "interruptableMediaTypes"), "value", f"media.{mt}: a media type cannot interrupt itself"))
        if len(set(types)) != len(types):
            issues.append((("media", mt, "interruptableMediaTypes"), "value", f"media.{mt}: a media type is listed twice in interruptableMediaTypes"))
        media[mt] = MediaUtilization(m["maximumCapacity"], frozenset(types), bool(m.get("includeNonAcd", False)))
    labels: dict[str, LabelSettingIntent] = {}
    seen: dict[str, str] = {}
    for name, x in (obj.get("labels") or {}).items():
        if label_key(name.strip()) in seen:
            issues.append((("labels", name), "key", f"label {name!r} is listed twice (as {seen[label_key(name.strip())]!r}; names are compared ignoring case)"))
        seen[label_key(name.strip())] = name
        others = tuple(n.strip() for n in x.get("interruptingLabels") or [])
        if label_key(name.strip()) in {label_key(n) for n in others}:
            issues.append((("labels", name, "interruptingLabels"), "value", f"labels.{name}: a label cannot interrupt itself"))
        if len({label_key(n) for n in others}) != len(others):
            issues.append((("labels", name, "interruptingLabels"), "value", f"labels.{name}: a label is listed twice in interruptingLabels"))
        labels[name.strip()] = LabelSettingIntent(x["maximumCapacity"], others)
    return media, labels


@dataclass
class UtilizationLedger:
    """One entry per user (refs folded); a second entry for a user is reported there, unless it
    says exactly the same (then it is kept once)."""

    entries: list[UserUtilizationIntent] = field(default_factory=list)
    _by_user: dict[str, int] = field(default_factory=dict)

    def admit(self, intent: UserUtilizationIntent, locate: LocateKey, problems: Problems) -> None:
        key = fold(intent.user)
        first = self._by_user.get(key)
        if first is None:
            self._by_user[key] = len(self.entries)
            self.entries.append(intent)
            return
        prev = self.entries[first]
        if (prev.media, prev.labels, prev.inherit, prev.whole) == (intent.media, intent.labels, intent.inherit, intent.whole):
            return
        problems.add(locate("user"), f"user {intent.user!r} is already in the utilization entry on line {prev.line}: one entry per user")

    def finish(self) -> list[UserUtilizationIntent]:
        return list(self.entries)
