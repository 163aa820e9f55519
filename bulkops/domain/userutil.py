"""Per-user utilization as job items (#19): what a spec's ``utilization`` entry says of one user.

Labels are kept by name until the run: a label the same job creates has no id at set-up, and
the kind resolves names against one listing of the org's labels when it reads (after the
creates). ``change`` turns an item into the domain's ``UtilizationChange`` once ids are known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bulkops.domain.utilabels import label_key
from bulkops.domain.utilization import LabelUtilization, MediaUtilization, UtilizationChange


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


@dataclass(frozen=True, slots=True)
class UserUtilizationItem:
    """One user the run handles: the user's id and how people name them."""

    user_id: str
    user: str
    media: Mapping[str, MediaUtilization] = field(default_factory=dict)
    labels: Mapping[str, LabelSettingIntent] = field(default_factory=dict)
    inherit: bool = False
    line: int = 0

    def label_names(self) -> set[str]:
        return {label_key(n) for n in self.labels} | {label_key(i) for x in self.labels.values() for i in x.interrupting_labels}


def change(item: UserUtilizationItem, label_ids: Mapping[str, str]) -> UtilizationChange:
    """The item with its labels as ids (``label_ids``: folded name -> id). Raises KeyError for a
    label the org does not have."""
    if item.inherit:
        return UtilizationChange(inherit=True)
    labels = {
        label_ids[label_key(n)]: LabelUtilization(x.maximum_capacity, frozenset(label_ids[label_key(i)] for i in x.interrupting_labels))
        for n, x in item.labels.items()
    }
    return UtilizationChange(media=dict(item.media), labels=labels)
