"""The org default utilization as a job item (#19): what a spec's ``utilizationDefault`` says.

The default is what every user without a setting of their own works under, so a job changes it
only when it says so in its own section (never as a side effect of a user's entry), and then
only the media types and labels it names: the rest of the default is read and kept, as for a
user. Labels are kept by name until the run (a label the same job creates has no id at set-up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bulkops.domain.utilization import MediaUtilization, UtilizationChange
from bulkops.kinds.labels.intent import label_key
from bulkops.kinds.utilization.intent import LabelSettingIntent, label_utilizations

#: The one item's key: an org has one default.
ORG_KEY = "org"


@dataclass(frozen=True, slots=True)
class OrgUtilizationIntent:
    """The ``utilizationDefault`` section as written (labels by name)."""

    media: Mapping[str, MediaUtilization] = field(default_factory=dict)
    labels: Mapping[str, LabelSettingIntent] = field(default_factory=dict)
    line: int = 0

    def label_names(self) -> set[str]:
        """Every label named, folded as the API compares names."""
        return {label_key(n) for n in self.labels} | {label_key(i) for x in self.labels.values() for i in x.interrupting_labels}


def default_change(intent: OrgUtilizationIntent, label_ids: Mapping[str, str]) -> UtilizationChange:
    """The section with its labels as ids (``label_ids``: folded name -> id). Raises KeyError for a
    label the org does not have."""
    return UtilizationChange(media=dict(intent.media), labels=label_utilizations(intent.labels, label_ids))
