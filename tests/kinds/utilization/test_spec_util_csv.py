"""Per-user utilization as CSV columns (#19): ``util:`` headers in the wide form and ``util:`` rows in
the long form give the same intents as the JSON ``utilization`` section, every problem at
file:line:column, and a file of util: columns only changes no user's skills."""

from __future__ import annotations

import json

import pytest

from bulkops.domain.utilization import MEDIA_TYPES
from bulkops.engine.setup.job import check_locally
from bulkops.errors import SpecError
from bulkops.kinds.utilization.csv import UtilColumn, util_column
from bulkops.spec.cells import CellError

WIDE_BAD = """email,Billing,util:email,util:email.interruptable,util:email.nonacd,util:label:VIP,util:label:VIP.interrupting,util:setting,util:fax,util:email.foo,util:label:vip,util:,util:label:
a@example.com,,30,call;fax,maybe,1,vip,
b@example.com,,3,,,,,inherit
c@example.com,,,call,,,,
d@example.com,,3,,,,,whole
e@example.com,,3,,,,,whatever
,,3
f@example.com,,3
f@example.com,,4
g@example.com,,3,email;call;call,,1,Gold;gold
"""

LONG_BAD = """user,skill,proficiency,action
c@example.com,util:email,3,set
c@example.com,util:email,4,
c@example.com,util:fax,4,
c@example.com,util:chat,4,remove
c@example.com,util:chat,,
,util:chat,1,
d@example.com,util:setting,whole,
d@example.com,util:email,3,
e@example.com,util:setting,inherit,
e@example.com,util:label:VIP,2,
"""

ENTRIES = [
    {
        "user": "a@example.com",
        "media": {"email": {"maximumCapacity": 3, "interruptableMediaTypes": ["call", "chat"], "includeNonAcd": True}},
        "labels": {"V.I.P": {"maximumCapacity": 1, "interruptingLabels": ["Gold"]}},
    },
    {"user": "b@example.com", "inherit": True},
    {"user": "c@example.com", "whole": True, "media": {m: {"maximumCapacity": 2} for m in MEDIA_TYPES}},
    {"user": "d@example.com", "media": {"chat": {"maximumCapacity": 0}}},
]
WIDE = (
    "email,util:email,util:email.interruptable,util:email.nonacd,util:label:V.I.P,util:label:V.I.P.interrupting,util:setting,"
    + ",".join(f"util:{m}" for m in MEDIA_TYPES if m != "email")
    + "\n"
    + "a@example.com,3,call|chat,yes,1,Gold,,,,,\n"
    + "b@example.com,,,,,,inherit,,,,\n"
    + "c@example.com,2,none,no,,,whole,2,2,2,2\n"
    + "d@example.com,,,,,,,,,0,\n"
)
LONG = (
    "user,skill,proficiency\n"
    "a@example.com,util:email,3\n"
    "d@example.com,util:chat,0\n"
    "a@example.com,util:email.interruptable,call;chat\n"
    "a@example.com,util:email.nonacd,true\n"
    "a@example.com,util:label:V.I.P,1\n"
    "a@example.com,util:label:V.I.P.interrupting,Gold\n"
    "b@example.com,util:setting,inherit\n"
    "c@example.com,util:setting,whole\n" + "".join(f"c@example.com,util:{m},2\n" for m in MEDIA_TYPES)
)


def said(intents):
    return sorted((i.user, dict(i.media), dict(i.labels), i.inherit, i.whole) for i in intents)


def test_the_csv_forms_say_what_the_json_section_says(tmp_path):
    doc = tmp_path / "u.json"
    doc.write_text(json.dumps({"version": 2, "utilization": ENTRIES}))
    wide, long = tmp_path / "w.csv", tmp_path / "l.csv"
    wide.write_text(WIDE)
    long.write_text(LONG)
    from_json = said(check_locally(doc).sections["utilization"])
    assert len(from_json) == 4
    assert said(check_locally(wide).sections["utilization"]) == from_json
    assert said(check_locally(long).sections["utilization"]) == from_json


def test_a_file_of_util_columns_only_changes_no_users_skills(tmp_path):
    wide, long = tmp_path / "w.csv", tmp_path / "l.csv"
    wide.write_text(WIDE)
    long.write_text(LONG)
    assert check_locally(wide).intents == 0 and check_locally(long).intents == 0


def test_util_columns_sit_beside_skills_and_the_rows_line_is_the_entrys(tmp_path):
    spec = tmp_path / "w.csv"
    spec.write_text("email,Billing,lang:Spanish,util:email\na@example.com,3,,4\nb@example.com,2,1,\n")
    checked = check_locally(spec)
    assert checked.intents == 2
    assert [(i.user, i.media["email"].maximum_capacity, i.line) for i in checked.sections["utilization"]] == [("a@example.com", 4, 2)]


def test_every_problem_of_the_wide_util_columns_is_located(tmp_path):
    spec = tmp_path / "w.csv"
    spec.write_text(WIDE_BAD)
    with pytest.raises(SpecError) as err:
        check_locally(spec)
    assert [(p.line, p.column, p.message) for p in err.value.problems] == [
        (1, 125, "unknown utilization column 'util:fax': util: takes a media type (call, callback, chat, email, message), label:NAME or setting"),
        (1, 134, "unknown part 'foo' in column 'util:email.foo': a media type takes .interruptable or .nonacd"),
        (1, 149, "duplicate column 'util:label:vip' (same as column 6)"),
        (1, 164, "column 'util:' names nothing after 'util:': a media type (call, callback, chat, email, message), label:NAME or setting"),
        (1, 170, "column 'util:label:' has no label name after 'util:label:'"),
        (2, 16, "util:email: maximumCapacity '30' is not an integer from 0 to 25 (leave the cell blank to leave it alone)"),
        (2, 19, "util:email.interruptable: unknown media type 'fax' (media types: call, callback, chat, email, message)"),
        (2, 28, "util:email.nonacd: 'maybe' is not true or false (yes/no, 1/0)"),
        (2, 36, "util:label:VIP.interrupting: a label cannot interrupt itself"),
        (3, 22, "util:setting inherit goes alone: the user's own setting is deleted, so the row's other util: cells cannot be set (leave them blank)"),
        (4, 17, "util:email.interruptable needs util:email (the capacity) on the same row: a media type is named whole"),
        (
            5,
            22,
            "util:setting whole makes the row the user's whole setting (written without a read, so nothing is kept): every media type needs its capacity cell; missing: util:call, util:callback, util:chat, util:message",
        ),
        (6, 22, "util:setting 'whatever' is neither inherit (back to the org default) nor whole (the row is the user's whole setting)"),
        (7, 1, "missing user in the first column"),
        (9, 1, "user 'f@example.com' is already in the utilization entry on line 8: one entry per user"),
        (10, 18, "util:email.interruptable: a media type cannot interrupt itself"),
        (10, 37, "util:label:VIP.interrupting: a label is listed twice"),
    ]


def test_every_problem_of_the_long_util_rows_is_located(tmp_path):
    spec = tmp_path / "l.csv"
    spec.write_text(LONG_BAD)
    with pytest.raises(SpecError) as err:
        check_locally(spec)
    assert [(p.line, p.column, p.message) for p in err.value.problems] == [
        (3, 26, "user 'c@example.com': util:email is '3' on line 2 and '4' here"),
        (4, 15, "unknown utilization column 'util:fax': util: takes a media type (call, callback, chat, email, message), label:NAME or setting"),
        (5, 27, "util:chat: action 'remove' does not go with a util: row (leave it blank or use set)"),
        (6, 25, "util:chat: missing value in the proficiency column"),
        (7, 1, "missing user"),
        (
            8,
            28,
            "util:setting whole makes the row the user's whole setting (written without a read, so nothing is kept): every media type needs its capacity cell; missing: util:call, util:callback, util:chat, util:message",
        ),
        (10, 28, "util:setting inherit goes alone: the user's own setting is deleted, so the row's other util: cells cannot be set (leave them blank)"),
    ]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("util:Email", UtilColumn("media", "email", "capacity")),
        (" UTIL:email.Interruptable ", UtilColumn("media", "email", "interruptable")),
        ("util:chat.includeNonAcd", UtilColumn("media", "chat", "nonacd")),
        ("util:label:V.I.P", UtilColumn("label", "V.I.P", "capacity")),
        ("util:label:V.I.P.interrupting", UtilColumn("label", "V.I.P", "interrupting")),
        ("util:Label: Gold ", UtilColumn("label", "Gold", "capacity")),
        ("util:setting", UtilColumn("setting", "", "setting")),
    ],
)
def test_util_headers(header, column):
    assert util_column(header) == column


def test_a_label_column_is_the_same_column_whatever_its_case():
    assert util_column("util:label:vip").key == util_column("util:label:VIP").key


@pytest.mark.parametrize("header", ["util:", "util:fax", "util:email.foo", "util:label:", "util:label:.interrupting"])
def test_bad_util_headers(header):
    with pytest.raises(CellError):
        util_column(header)
