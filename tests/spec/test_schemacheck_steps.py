"""The named steps of the schema checks' wording, on their own (table tests)."""

from __future__ import annotations

import pytest

from bulkops.kinds.utilization.schema import utilization_entry_issues, utilization_value_message


@pytest.mark.parametrize(
    "path, inst, message",
    [
        (("media", "call", "interruptableMediaTypes", 0), "fax", "media.call.interruptableMediaTypes[0] must be one of call, callback, chat, email, message"),
        (("labels", "VIP", "interruptingLabels", 2), 7, "labels.VIP.interruptingLabels[2] must be a label name"),
        (("media", "call", "maximumCapacity"), 30, "'media.call.maximumCapacity' must be an integer from 0 to 25, got 30"),
        (("media", "chat", "includeNonAcd"), "yes", "'media.chat.includeNonAcd' must be true or false, got a string"),
        (("inherit",), False, "'inherit' can only be true (leave it out otherwise), got false"),
        (("whole",), None, "'whole' can only be true (leave it out otherwise), got null"),
        (("user",), "", "'user' must be an email, username or user id (a non-empty string)"),
        (("media", "call", "interruptableMediaTypes"), "call", "'media.call.interruptableMediaTypes' must be an array, got a string"),
        (("labels", "VIP", "interruptingLabels"), {}, "'labels.VIP.interruptingLabels' must be an array, got an object"),
        (("media",), [], "'media' must be an object, got an array"),
    ],
)
def test_a_wrong_value_is_worded_by_its_last_key(path, inst, message):
    assert utilization_value_message(path, inst) == message


@pytest.mark.parametrize(
    "entry, expected",
    [
        ({"user": "a@x", "media": {"fax": {}}}, [(("media", "fax"), "key")]),
        ({"media": {"call": {"maximumCapacity": 1}}}, [((), "value")]),
        ({"user": "a@x"}, [((), "value")]),
        ({"user": "a@x", "media": {}}, [(("media",), "value")]),
        ({"user": "a@x", "labels": {"": {"maximumCapacity": 1}}}, [(("labels", ""), "key")]),
        ({"user": "a@x", "media": {"call": {"maximumCapacity": 99}}}, [(("media", "call", "maximumCapacity"), "value")]),
        ([], [((), "value")]),
    ],
)
def test_shape_and_value_issues_land_where_they_are(entry, expected):
    got = [(i[0], i[1]) for i in utilization_entry_issues(entry)]
    assert sorted(got, key=repr) == sorted(expected, key=repr)
