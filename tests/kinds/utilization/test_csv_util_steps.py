"""The named steps of reading a row's ``util:`` cells, on their own (table tests)."""

from __future__ import annotations

import pytest

from bulkops.kinds.utilization.csv import UtilColumn, capacity_missing


@pytest.mark.parametrize(
    "col, present, message",
    [
        (UtilColumn("media", "call", "nonacd"), {"media:call:capacity"}, None),
        (UtilColumn("media", "call", "nonacd"), set(), "util:call.nonacd needs util:call (the capacity) on the same row: a media type is named whole"),
        (
            UtilColumn("media", "chat", "interruptable"),
            {"media:call:capacity"},
            "util:chat.interruptable needs util:chat (the capacity) on the same row: a media type is named whole",
        ),
        (UtilColumn("label", "VIP", "interrupting"), {"label:vip:capacity"}, None),  # label names compared ignoring case
        (
            UtilColumn("label", "VIP", "interrupting"),
            set(),
            "util:label:VIP.interrupting needs util:label:VIP (the capacity) on the same row: a label is named whole",
        ),
    ],
)
def test_a_part_needs_its_capacity_on_the_row(col, present, message):
    assert capacity_missing(col, present) == message
