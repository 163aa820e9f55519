"""The named steps of the utilizationDefault set-up, on their own (table tests)."""

from __future__ import annotations

import pytest

from bulkops.domain.utilization import LabelUtilization, MediaUtilization, Utilization
from bulkops.kinds.labels.intent import LabelIntent
from bulkops.kinds.orgutil.intent import OrgUtilizationIntent
from bulkops.kinds.orgutil.setup import label_changes, label_problems, media_changes
from bulkops.kinds.utilization.intent import LabelSettingIntent

ORG = {"vip": ("l-1", "VIP"), "gold": ("l-2", "Gold")}


@pytest.mark.parametrize(
    "labels, jobs, messages",
    [
        ({"VIP": LabelSettingIntent(2, ("gold",))}, [], []),
        ({"New": LabelSettingIntent(1)}, [LabelIntent("create", "new")], []),
        ({"VIP": LabelSettingIntent(1)}, [LabelIntent("delete", "vip")], ["utilizationDefault: utilization label 'VIP' is deleted by this job"]),
        ({"VPI": LabelSettingIntent(1)}, [], ["utilizationDefault: utilization label 'VPI' is not in the org (did you mean 'VIP'?)"]),
        (
            {"Zed": LabelSettingIntent(1, ("Amber",))},
            [],
            ["utilizationDefault: utilization label 'Amber' is not in the org", "utilizationDefault: utilization label 'Zed' is not in the org"],
        ),
    ],
)
def test_a_named_label_must_be_in_the_org_or_created_and_not_deleted(labels, jobs, messages):
    assert label_problems(OrgUtilizationIntent(labels=labels), ORG, jobs) == messages


CURRENT = Utilization(
    media={"call": MediaUtilization(1), "chat": MediaUtilization(3, frozenset({"call"}))},
    labels={"l-1": LabelUtilization(2, frozenset({"l-2"}))},
    label_names={"l-2": "Gold"},
)


@pytest.mark.parametrize(
    "media, changes, already",
    [
        ({"call": MediaUtilization(1)}, [], ["call"]),
        (
            {"chat": MediaUtilization(2), "call": MediaUtilization(1)},
            [
                {
                    "setting": "chat",
                    "before": {"maximumCapacity": 3, "interruptableMediaTypes": ["call"], "includeNonAcd": False},
                    "after": {"maximumCapacity": 2, "interruptableMediaTypes": [], "includeNonAcd": False},
                }
            ],
            ["call"],
        ),
        (
            {"email": MediaUtilization(1, include_non_acd=True)},
            [{"setting": "email", "before": None, "after": {"maximumCapacity": 1, "interruptableMediaTypes": [], "includeNonAcd": True}}],
            [],
        ),
    ],
)
def test_media_changes(media, changes, already):
    assert media_changes(OrgUtilizationIntent(media=media), CURRENT) == (changes, already)


@pytest.mark.parametrize(
    "labels, changes, already",
    [
        ({"vip": LabelSettingIntent(2, ("GOLD",))}, [], ["label vip"]),
        (
            {"VIP": LabelSettingIntent(3)},
            [
                {
                    "setting": "label VIP",
                    "before": {"maximumCapacity": 2, "interruptingLabels": ["Gold"]},
                    "after": {"maximumCapacity": 3, "interruptingLabels": []},
                }
            ],
            [],
        ),
        ({"Gold": LabelSettingIntent(1)}, [{"setting": "label Gold", "before": None, "after": {"maximumCapacity": 1, "interruptingLabels": []}}], []),
    ],
)
def test_label_changes(labels, changes, already):
    assert label_changes(OrgUtilizationIntent(labels=labels), CURRENT, ORG) == (changes, already)
