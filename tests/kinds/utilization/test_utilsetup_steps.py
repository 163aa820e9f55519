"""The label check of one per-user utilization entry (``utilsetup.entry_label_problems``), as a table."""

from __future__ import annotations

import pytest

from bulkops.kinds.utilization.intent import LabelSettingIntent, UserUtilizationIntent
from bulkops.kinds.utilization.setup import entry_label_problems

KNOWN = {"vip": "VIP", "gold": "Gold", "new": "New"}  # the org's and the job's creates, by folded name


@pytest.mark.parametrize(
    "labels, deleted, messages",
    [
        ({"VIP": LabelSettingIntent(1, ("gold",))}, set(), []),
        ({"new": LabelSettingIntent(1)}, set(), []),
        ({"VIP": LabelSettingIntent(1)}, {"vip"}, ["utilization label 'VIP' is deleted by this job"]),
        ({"VPI": LabelSettingIntent(1)}, set(), ["utilization label 'VPI' is not in the org (did you mean 'VIP'?)"]),
        (
            {"Zed": LabelSettingIntent(1, ("Amber", "Gold"))},
            {"gold"},
            ["utilization label 'Amber' is not in the org", "utilization label 'Gold' is deleted by this job", "utilization label 'Zed' is not in the org"],
        ),
        ({}, set(), []),
    ],
)
def test_entry_label_problems(labels, deleted, messages):
    assert entry_label_problems(UserUtilizationIntent("a@x.com", labels=labels), KNOWN, deleted) == messages
