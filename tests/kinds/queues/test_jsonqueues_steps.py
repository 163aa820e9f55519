"""The named steps of reading one JSON ``queues`` entry, on their own (table tests)."""

from __future__ import annotations

import math

import pytest

from bulkops.kinds.queues.entry import _media_intents, _ring_intents, _Values, both_alls, read_queue_entry
from bulkops.kinds.queues.intent import MediaIntent, RingIntent


@pytest.mark.parametrize(
    "members, count",
    [
        ({"activateAll": True, "deactivateAll": True}, 1),
        ({"activateAll": True}, 0),
        ({"activateAll": True, "deactivateAll": False}, 0),
        ("x", 0),
        (None, 0),
    ],
)
def test_both_alls_is_one_issue(members, count):
    assert len(both_alls({"queue": "Q", "members": members})) == count


@pytest.mark.parametrize(
    "path, value, kind, bad, ok, issues",
    [
        (("a",), 3, int, set(), True, 0),
        (("a",), None, int, set(), False, 0),
        (("a",), True, int, set(), False, 0),  # a boolean is not a number here
        (("a",), "3", int, set(), False, 0),
        (("a",), 3, int, {("a",)}, False, 0),  # already at fault
        (("a", "b"), math.nan, (int, float), set(), False, 1),  # NaN: a new issue
        (("a",), 2.5, (int, float), set(), True, 0),
    ],
)
def test_a_value_is_taken_only_when_usable(path, value, kind, bad, ok, issues):
    values = _Values(set(bad), [])
    assert values.ok(path, value, kind) is ok
    assert len(values.issues) == issues


@pytest.mark.parametrize(
    "entry, bad, expected",
    [
        ({"media": {"call": {"alertingTimeoutSeconds": 8}}}, set(), {"call": MediaIntent(8, None, None)}),
        ({"media": {"email": {"serviceLevel": {"percentage": 1, "durationMs": 20}}}}, set(), {"email": MediaIntent(None, 1.0, 20)}),
        ({"media": {"call": {"alertingTimeoutSeconds": 8}}}, {("media", "call")}, {}),
        ({"media": {"call": "x"}}, set(), {}),
        ({"media": []}, set(), {}),
    ],
)
def test_media_intents(entry, bad, expected):
    assert _media_intents(entry, _Values(bad, [])) == expected


@pytest.mark.parametrize(
    "entry, bad, expected",
    [
        ({"rings": {"1": {"timeoutSeconds": 5, "skillsToRemove": [" Sales "]}}}, set(), {1: RingIntent(5.0, ("Sales",))}),
        ({"rings": {"2": {"skillsToRemove": ["A"]}}}, {("rings", "2", "skillsToRemove", 0)}, {2: RingIntent(None, None)}),
        ({"rings": {"2": {"timeoutSeconds": 5}}}, {("rings", "2")}, {}),
        ({"rings": "x"}, set(), {}),
    ],
)
def test_ring_intents(entry, bad, expected):
    assert _ring_intents(entry, _Values(bad, [])) == expected


def test_nan_issues_come_in_the_entrys_order():
    _, issues = read_queue_entry({"queue": "Q", "acw": {"timeoutMs": 1}, "media": {"email": {"serviceLevel": {"percentage": math.nan}}}}, 1)
    assert [p for p, _, m in issues if "NaN" in m] == [("media", "email", "serviceLevel", "percentage")]
