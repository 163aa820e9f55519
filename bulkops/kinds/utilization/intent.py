"""Per-user utilization as job items (#19): what a spec's ``utilization`` entry says of one user.

Labels are kept by name until the run: a label the same job creates has no id at set-up, and
the kind resolves names against one listing of the org's labels when it reads (after the
creates). ``change`` turns an item into the domain's ``UtilizationChange`` once ids are known.

An entry that states the user's whole setting (``whole``: every media type named, the labels
named are all the labels) is written without a read: nothing of the user's setting is carried
over, and a PUT of a whole setting is idempotent, so a resumed run simply sends it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bulkops.domain.utilization import MEDIA_TYPES, LabelUtilization, MediaUtilization, PutSetting, UtilizationChange, whole
from bulkops.kinds.labels.intent import label_key


@dataclass(frozen=True, slots=True)
class LabelSettingIntent:
    """One label of a user's setting, by name: capacity and the labels that may interrupt it."""

    maximum_capacity: int
    interrupting_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UserUtilizationIntent:
    """One ``utilization`` entry as written (the user as a ref, labels by name)."""

    user: str
    media: Mapping[str, MediaUtilization] = field(default_factory=dict)
    labels: Mapping[str, LabelSettingIntent] = field(default_factory=dict)
    inherit: bool = False
    line: int = 0
    #: The entry is the user's whole setting: written without reading the user's setting first.
    whole: bool = False

    def __post_init__(self) -> None:
        _check_whole(self.whole, self.inherit, self.media)


@dataclass(frozen=True, slots=True)
class UserUtilizationItem:
    """One user the run handles: the user's id and how people name them."""

    user_id: str
    user: str
    media: Mapping[str, MediaUtilization] = field(default_factory=dict)
    labels: Mapping[str, LabelSettingIntent] = field(default_factory=dict)
    inherit: bool = False
    line: int = 0
    whole: bool = False

    def __post_init__(self) -> None:
        _check_whole(self.whole, self.inherit, self.media)

    def label_names(self) -> set[str]:
        return {label_key(n) for n in self.labels} | {label_key(i) for x in self.labels.values() for i in x.interrupting_labels}


def change(item: UserUtilizationItem, label_ids: Mapping[str, str]) -> UtilizationChange:
    """The item with its labels as ids (``label_ids``: folded name -> id). Raises KeyError for a
    label the org does not have."""
    if item.inherit:
        return UtilizationChange(inherit=True)
    return UtilizationChange(media=dict(item.media), labels=label_utilizations(item.labels, label_ids))


def label_utilizations(labels: Mapping[str, LabelSettingIntent], label_ids: Mapping[str, str]) -> dict[str, LabelUtilization]:
    """Labels by name -> by id (``label_ids``: folded name -> id). Raises KeyError for a label the org does not have."""
    return {
        label_ids[label_key(n)]: LabelUtilization(x.maximum_capacity, frozenset(label_ids[label_key(i)] for i in x.interrupting_labels))
        for n, x in labels.items()
    }


def whole_setting(item: UserUtilizationItem, label_ids: Mapping[str, str]) -> PutSetting:
    """The PUT of a ``whole`` item, labels as ids: no read to merge into. Raises KeyError for a
    label the org does not have."""
    wanted = change(item, label_ids)
    return whole(wanted.media, wanted.labels)


def missing_media(media: Mapping[str, MediaUtilization]) -> list[str]:
    """The media types a whole setting must name and ``media`` does not."""
    return [m for m in MEDIA_TYPES if m not in media]


def _check_whole(is_whole: bool, inherit: bool, media: Mapping[str, MediaUtilization]) -> None:
    if not is_whole:
        return
    if inherit:
        raise ValueError("a whole setting, or inherit the org default: not both")
    missing = missing_media(media)
    if missing:
        raise ValueError(f"a whole setting names every media type; missing: {', '.join(missing)}")
