"""The spec's ``utilization`` section (#19): every problem at file:line:column (the schema's and
the reader's), one entry per user, ``whole`` naming every media type, and what a good section reads as."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulkops.domain.utilization import MEDIA_TYPES, MediaUtilization
from bulkops.engine.setup.job import check_locally
from bulkops.errors import SpecError
from bulkops.kinds.orgutil.intent import OrgUtilizationIntent
from bulkops.kinds.utilization.intent import LabelSettingIntent, UserUtilizationIntent

BAD = """{"version": 2,
 "utilization": [
   {"user": "a@example.com", "media": {"email": {"maximumCapacity": 3}}},
   {"user": "A@example.com", "media": {"email": {"maximumCapacity": 4}}},
   {"media": {"email": {"maximumCapacity": 1}}},
   {"user": "b@example.com"},
   {"user": "c@example.com", "media": {}},
   {"user": "d@example.com", "labels": {"": {"maximumCapacity": 1}}},
   "e@example.com",
   {"user": "f@example.com", "media": {"email": {"maximumCapacity": 1, "interruptableMediaTypes": ["fax"]}}},
   {"user": "g@example.com", "labels": {"VIP": {"maximumCapacity": 1, "interruptingLabels": [5]}}},
   {"user": "h@example.com", "media": {"email": {"maximumCapacity": 30}}},
   {"user": "i@example.com", "media": {"email": {"maximumCapacity": 1, "includeNonAcd": "yes"}}},
   {"user": "j@example.com", "inherit": false},
   {"user": "k@example.com", "whole": false, "media": {"email": {"maximumCapacity": 1}}},
   {"user": 5, "inherit": true},
   {"user": "l@example.com", "media": []},
   {"user": "m@example.com", "media": {"email": {"maximumCapacity": 1, "interruptableMediaTypes": "call"}}},
   {"user": "n@example.com", "media": {"fax": {"maximumCapacity": 1}}},
   {"user": "o@example.com", "inherti": true},
   {"user": "p@example.com", "media": {"email": {}}},
   {"user": "q@example.com", "media": {"email": {"maximumCapacity": 1}, "email": {"maximumCapacity": 2}}},
   {"user": "r@example.com", "inherit": true, "media": {"email": {"maximumCapacity": 1}}},
   {"user": "s@example.com", "whole": true, "media": {"email": {"maximumCapacity": 1}}},
   {"user": "t@example.com", "whole": true, "labels": {"VIP": {"maximumCapacity": 1}}},
   {"user": "u@example.com", "whole": true, "inherit": true},
   {"user": "v@example.com", "media": {"email": {"maximumCapacity": 1, "interruptableMediaTypes": ["email", "call", "call"]}}},
   {"user": "w@example.com", "labels": {"VIP": {"maximumCapacity": 1}, "vip": {"maximumCapacity": 2}}},
   {"user": "x@example.com", "labels": {"VIP": {"maximumCapacity": 1, "interruptingLabels": ["vip", "Gold", "GOLD"]}}},
   {"user": "y@example.com", "labels": {"VIP": {"maximumCapacity": 1, "interruptingLabels": "Gold"}}},
   {"user": "z@example.com", "labels": {"VIP": {"capacity": 1}}}
 ]}
"""


def test_every_problem_of_a_utilization_section_is_located(tmp_path):
    spec = tmp_path / "u.json"
    spec.write_text(BAD)
    with pytest.raises(SpecError) as err:
        check_locally(spec)
    assert [(p.line, p.column, p.message) for p in err.value.problems] == [
        (4, 13, "user 'A@example.com' is already in the utilization entry on line 3: one entry per user"),
        (5, 4, "missing key 'user' (the user's email, username or id)"),
        (6, 4, 'a utilization entry names nothing: give "media", "labels" or "inherit": true'),
        (7, 39, "'media' is empty: name something or leave it out"),
        (8, 41, "'labels': a label name cannot be empty"),
        (9, 4, "each utilization entry must be a JSON object, got a string"),
        (10, 100, "media.email.interruptableMediaTypes[0] must be one of call, callback, chat, email, message"),
        (11, 94, "labels.VIP.interruptingLabels[0] must be a label name"),
        (12, 69, "'media.email.maximumCapacity' must be an integer from 0 to 25, got 30"),
        (13, 89, "'media.email.includeNonAcd' must be true or false, got a string"),
        (14, 41, "'inherit' can only be true (leave it out otherwise), got false"),
        (15, 39, "'whole' can only be true (leave it out otherwise), got false"),
        (16, 13, "'user' must be an email, username or user id (a non-empty string)"),
        (17, 39, "'media' must be an object, got an array"),
        (18, 99, "'media.email.interruptableMediaTypes' must be an array, got a string"),
        (19, 40, "unknown media type 'fax'; media types are call, callback, chat, email, message"),
        (20, 30, "unknown key 'inherti' in a utilization entry (did you mean 'inherit'?)"),
        (21, 49, "missing key 'maximumCapacity' in 'media.email'"),
        (22, 73, "key 'email' appears more than once"),
        (23, 30, "'inherit': true goes alone: the user's own setting is deleted, so it cannot also set media types, labels or a whole setting"),
        (
            24,
            54,
            "a whole setting ('whole': true) names every media type (the user's setting is written without a read, so nothing is kept); missing: call, callback, chat, message",
        ),
        (
            25,
            30,
            "a whole setting ('whole': true) names every media type (the user's setting is written without a read, so nothing is kept); missing: call, callback, chat, email, message",
        ),
        (26, 45, "'inherit': true goes alone: the user's own setting is deleted, so it cannot also set media types, labels or a whole setting"),
        (27, 99, "media.email: a media type cannot interrupt itself"),
        (27, 99, "media.email: a media type is listed twice in interruptableMediaTypes"),
        (28, 72, "label 'vip' is listed twice (as 'VIP'; names are compared ignoring case)"),
        (29, 93, "labels.VIP: a label cannot interrupt itself"),
        (29, 93, "labels.VIP: a label is listed twice in interruptingLabels"),
        (30, 93, "'labels.VIP.interruptingLabels' must be an array, got a string"),
        (31, 48, "missing key 'maximumCapacity' in 'labels.VIP'"),
        (31, 49, "unknown key 'capacity' in 'labels.VIP' (did you mean 'maximumCapacity'?)"),
    ]


def test_a_good_section_is_read_as_intents(tmp_path):
    spec = tmp_path / "u.json"
    whole = {m: {"maximumCapacity": 1} for m in MEDIA_TYPES}
    entries = [
        {"user": "a@example.com", "media": {"email": {"maximumCapacity": 3, "interruptableMediaTypes": ["call"], "includeNonAcd": True}}},
        {"user": " b@example.com ", "labels": {"VIP": {"maximumCapacity": 1, "interruptingLabels": ["Gold"]}}},
        {"user": "c@example.com", "inherit": True},
        {"user": "d@example.com", "whole": True, "media": whole},
        {"user": "A@example.com", "media": {"email": {"maximumCapacity": 3, "interruptableMediaTypes": ["call"], "includeNonAcd": True}}},
    ]
    spec.write_text(json.dumps({"version": 2, "utilization": entries}, indent=1))
    got = check_locally(spec).sections["utilization"]
    one = {m: MediaUtilization(1) for m in MEDIA_TYPES}
    assert [(i.user, i.media, i.labels, i.inherit, i.whole) for i in got] == [
        ("a@example.com", {"email": MediaUtilization(3, frozenset({"call"}), True)}, {}, False, False),
        ("b@example.com", {}, {"VIP": LabelSettingIntent(1, ("Gold",))}, False, False),
        ("c@example.com", {}, {}, True, False),
        ("d@example.com", one, {}, False, True),
    ]  # the same user again, saying the same, is kept once
    assert [i.line for i in got] == [4, 16, 27, 31]


def test_utilization_needs_version_2(tmp_path):
    spec = tmp_path / "u.json"
    spec.write_text('{"version": 1, "users": [{"user": "a@example.com", "title": "x"}], "utilization": [{"user": "a@example.com", "inherit": true}]}')
    with pytest.raises(SpecError) as err:
        check_locally(spec)
    assert [p.message for p in err.value.problems] == ["unknown top-level key 'utilization': per-user utilization needs \"version\": 2"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"whole": True, "inherit": True},
        {"whole": True, "media": {"email": MediaUtilization(1)}},
    ],
)
def test_an_intent_that_is_not_a_whole_setting_cannot_say_it_is(kwargs):
    with pytest.raises(ValueError):
        UserUtilizationIntent("a@example.com", **kwargs)


DEFAULT_BAD = """{"version": 2,
 "utilizationDefault": {
   "media": {"email": {"maximumCapacity": 2, "interruptableMediaTypes": ["email"]}, "fax": {"maximumCapacity": 1}},
   "labels": {"VIP": {"maximumCapacity": 30}, "Gold": {"maximumCapacity": 1, "interruptingLabels": ["gold"]}},
   "mediaa": 1
 }
}
"""


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            DEFAULT_BAD,
            [
                (3, 85, "unknown media type 'fax'; media types are call, callback, chat, email, message"),
                (4, 42, "'labels.VIP.maximumCapacity' must be an integer from 0 to 25, got 30"),
                (5, 4, "unknown key 'mediaa' in 'utilizationDefault' (did you mean 'media'?)"),
            ],
        ),
        ('{"version": 2, "utilizationDefault": {}}', [(1, 38, '\'utilizationDefault\' names nothing: give "media" or "labels" (or leave it out)')]),
        ('{"version": 2, "utilizationDefault": [1]}', [(1, 38, "'utilizationDefault' must be an object, got an array")]),
        (
            '{"version": 2, "utilizationDefault": {"media": {"email": {"maximumCapacity": 2, "interruptableMediaTypes": ["email"]}}}}',
            [(1, 108, "media.email: a media type cannot interrupt itself")],
        ),
        (
            '{"version": 2, "utilizationDefault": {"labels": {"VIP": {"maximumCapacity": 1, "interruptingLabels": ["vip"]}}}}',
            [(1, 102, "labels.VIP: a label cannot interrupt itself")],
        ),
    ],
)
def test_every_problem_of_the_default_is_located(tmp_path, text, problems):
    spec = tmp_path / "d.json"
    spec.write_text(text)
    with pytest.raises(SpecError) as err:
        check_locally(spec)
    assert [(p.line, p.column, p.message) for p in err.value.problems] == problems


def test_the_default_alone_is_a_job_and_reads_as_its_intent(tmp_path):
    spec = tmp_path / "d.json"
    spec.write_text('{"version": 2,\n "utilizationDefault": {"media": {"email": {"maximumCapacity": 2}}, "labels": {"VIP": {"maximumCapacity": 1}}}}')
    got = check_locally(spec).sections["utilization_default"]
    assert got == OrgUtilizationIntent({"email": MediaUtilization(2)}, {"VIP": LabelSettingIntent(1)}, 2)


def test_the_default_needs_version_2(tmp_path):
    spec = tmp_path / "d.json"
    spec.write_text('{"version": 1, "users": [{"user": "a@example.com", "title": "x"}], "utilizationDefault": {"media": {"email": {"maximumCapacity": 2}}}}')
    with pytest.raises(SpecError) as err:
        check_locally(spec)
    assert [p.message for p in err.value.problems] == ["unknown top-level key 'utilizationDefault': the org default utilization needs \"version\": 2"]


def test_the_example_job_is_valid_against_the_published_schema_and_reads_every_section():
    from jsonschema.validators import validator_for

    from bulkops.spec.schemacheck import SCHEMA_V2

    job = Path(__file__).resolve().parents[3] / "jobs" / "utilization.json"
    assert list(validator_for(SCHEMA_V2)(SCHEMA_V2).iter_errors(json.loads(job.read_text()))) == []
    checked = check_locally(job)
    assert len(checked.sections["label"]) == 1 and len(checked.sections["utilization"]) == 6 and checked.sections["utilization_default"] is not None
    assert [i.whole for i in checked.sections["utilization"]].count(True) == 1
