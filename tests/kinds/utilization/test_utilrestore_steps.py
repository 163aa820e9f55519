"""Which parts of a utilization setting a job changed (``setting_parts_changed``), as a table."""

from __future__ import annotations

import pytest

from bulkops.kinds.utilization.restore import setting_parts_changed

CALL1 = {"maximumCapacity": 1}
CALL2 = {"maximumCapacity": 2}
VIP = {"maximumCapacity": 1, "interruptingLabelIds": []}


@pytest.mark.parametrize(
    "before, after, on_default, restore, written",
    [
        ({"utilization": {"call": CALL1}}, {"utilization": {"call": CALL2}}, False, {"media.call": CALL1}, {"media.call": CALL2}),
        ({"utilization": {"call": CALL1}}, {"utilization": {"call": CALL1}}, False, {}, {}),
        (
            {},
            {"utilization": {"chat": CALL1}, "labelUtilizations": {"l-1": VIP}},
            False,
            {"label.l-1": None, "media.chat": None},
            {"label.l-1": VIP, "media.chat": CALL1},
        ),
        # put on the org default: nothing of their own after, whatever the after line shows
        ({"utilization": {"call": CALL1}}, {"utilization": {"call": CALL2}}, True, {"media.call": CALL1}, {"media.call": None}),
        ({"utilization": None}, {"labelUtilizations": None}, False, {}, {}),
    ],
)
def test_setting_parts_changed(before, after, on_default, restore, written):
    got_restore, got_written = setting_parts_changed(before, after, on_default_after=on_default)
    assert (got_restore, got_written) == (restore, written)
    assert list(got_restore) == list(got_written)
