"""items.csv's change column for the two utilization kinds (#26 §1: it was empty for both)."""

from __future__ import annotations

import pytest

from bulkops.report.itemchange import change_text

PUT = {
    "write": "PUT",
    "body": {
        "utilization": {
            "call": {"maximumCapacity": 1, "interruptableMediaTypes": [], "includeNonAcd": False},
            "email": {"maximumCapacity": 2, "interruptableMediaTypes": ["call", "chat"], "includeNonAcd": False},
        },
        "labelUtilizations": {"l-vip": {"maximumCapacity": 1, "interruptingLabelIds": ["l-gold"]}},
    },
}


@pytest.mark.parametrize("kind", ["utilization_default", "utilization"])
@pytest.mark.parametrize(
    ("changes", "names", "said"),
    [
        (PUT, {"l-vip": "VIP", "l-gold": "Gold"}, "PUT call 1, email 2 (interrupts call, chat); label VIP 1 (interrupts Gold)"),
        (PUT, {}, "PUT call 1, email 2 (interrupts call, chat); label l-vip 1 (interrupts l-gold)"),
        ({"write": "PUT", "body": {"utilization": {}, "labelUtilizations": {}}}, {}, "PUT (nothing named)"),
        ({"write": "DELETE"}, {}, "DELETE (back to the org default)"),
        ({"write": "none"}, {}, None),
        ({}, {}, None),
    ],
)
def test_a_utilization_write_says_what_it_wrote(kind, changes, names, said):
    assert change_text(kind, changes, names) == said


def test_the_other_kinds_say_what_they_said_before():
    assert change_text("skill", {"op": "create", "division": "Home"}, {}) == "create Home"
    assert change_text("label", {"op": "delete"}, {}) == "delete"
    assert change_text(None, {"op": "create"}, {}) == "create"
