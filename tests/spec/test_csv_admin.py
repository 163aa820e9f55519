"""The admin UI's people-import CSV as a job spec (#15 section 5): header recognition,
bulkops's semantics for each column, every problem at file:line:column, ignored columns."""

from __future__ import annotations

import csv
import io
import os
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkops.domain.model import UserIntent
from bulkops.spec import open_spec
from bulkops.spec.csv_admin import ADMIN_COLUMNS, describe_ignored, is_admin_header, reads_as_admin

from .conftest import JOBS

FULL = ",".join(ADMIN_COLUMNS)


def intents(path: str, **kw) -> list[UserIntent]:
    spec = open_spec(path, **kw)
    assert spec.validate() == []
    return list(spec.intents())


def located(path: str, directory=None) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.message) for p in open_spec(path).validate(directory)]


# ---------------------------------------------------------------- header recognition


@pytest.mark.parametrize(
    "header",
    [
        FULL,
        "name,email",
        "name,email,skills",
        "name,email,title,department,queues",
        "name,email,division",
        " Name , EMAIL ,Skills",  # case and outer spaces do not matter
        "name,email,skills,,",  # trailing padding from a spreadsheet
    ],
)
def test_the_layout_and_its_in_order_subsets_are_recognised(header: str) -> None:
    cells = next(csv.reader([header]))
    assert is_admin_header(cells) and reads_as_admin(cells)


@pytest.mark.parametrize(
    "header",
    [
        "email,name",  # out of order
        "name,email,skills,queues",  # out of order
        "name,title,department",  # no email
        "email,title,department,skills",  # no name: a wide matrix's user column
        "name,email,Billing",  # a column the layout lacks
        "name,email,title,title",  # a repeat
        "name,email,,skills",  # an empty header in between
        "name,e-mail",  # only exact names (up to case and spaces)
    ],
)
def test_anything_else_is_not_the_layout(header: str) -> None:
    assert not is_admin_header(next(csv.reader([header])))


def test_which_files_open_as_the_admin_layout(write) -> None:
    assert open_spec(write("a.csv", "name,email\nA,a@x.com\n")).format == "csv-admin"
    # a near miss that starts with name: no other form takes it, so this layout explains why not
    assert open_spec(write("b.csv", "name,email,Billing\nA,a@x.com,3\n")).format == "csv-admin"
    # email and only columns of the layout that set something: the layout without its name (#28), not a
    # matrix of a skill called "title"; a skill column among them keeps it a matrix
    assert open_spec(write("c.csv", "email,title\na@x.com,3\n")).format == "csv-admin"
    assert open_spec(write("f.csv", "email,Billing,title\na@x.com,3,3\n")).format == "csv-wide"
    assert open_spec(write("e.csv", "name,Billing\na@x.com,3\n")).format == "csv-wide"  # a matrix with a bad user column
    assert open_spec(write("d.csv", "user,skill,proficiency\na,Billing,3\n")).format == "csv-long"


def test_an_out_of_order_header_says_the_order(write) -> None:
    p = write("a.csv", "name,email,skills,queues\nA,a@x.com,Billing:3,Sales\n")
    problems = located(p)
    assert (1, 19, problems[1][2]) == problems[1]
    assert "'queues' is out of order" in problems[1][2] and FULL in problems[1][2]
    assert "read as the admin UI's people-import layout" in problems[0][2] and problems[0][:2] == (1, 1)


def test_header_problems_each_at_its_column(write) -> None:
    p = write("a.csv", "name,Email,title,Titel,title\nA,a@x.com,T,,\n")
    got = [(line, col, msg.split(";")[0].split(" (")[0]) for line, col, msg in located(p)]
    assert (1, 18, "unknown column 'Titel'") in got
    assert (1, 24, "duplicate column 'title'") in got
    assert "did you mean 'title'" in " ".join(m for _, _, m in located(p))


def test_a_header_without_email(write) -> None:
    (first, second) = located(write("a.csv", "name,title\nA,T\n"))
    assert "needs an email column" in first[2] + second[2]


# ---------------------------------------------------------------- semantics


def test_every_applied_column(write) -> None:
    p = write(
        "a.csv",
        FULL + "\n"
        'Ann Agent,ann@x.com,+1 555 0100,2001,Senior Agent,Customer Care,boss@x.com,Dublin,"Employee:Home",'
        '"Support EN, Support FR",Europe,"Billing:4,Technical Support:2.5"\n',
    )
    spec = open_spec(p)
    assert (spec.format, spec.mode, spec.delimiter) == ("csv-admin", "merge", ",")
    (a,) = intents(p)
    assert a == UserIntent(
        user="ann@x.com",
        skills={"Billing": 4.0, "Technical Support": 2.5},
        fields={"title": "Senior Agent", "department": "Customer Care", "manager": "boss@x.com"},
        division="Europe",
        join_queues=frozenset({"Support EN", "Support FR"}),
        line=2,
    )


def test_blank_cells_leave_fields_alone_and_nothing_is_removed(write) -> None:
    p = write("a.csv", FULL + "\nBob,bob@x.com,,,,,,,,,,\nCy,cy@x.com,,,,Sales Floor,,,,,,Sales:1\n")
    bob, cy = intents(p)
    assert bob == UserIntent(user="bob@x.com", line=2) and bob.is_empty()
    assert cy == UserIntent(user="cy@x.com", skills={"Sales": 1.0}, fields={"department": "Sales Floor"}, line=3)
    assert not (cy.remove_skills or cy.leave_queues or cy.replace_skills)


def test_replace_mode_replaces_only_where_skills_are_listed(write) -> None:
    p = write("a.csv", "name,email,skills\nA,a@x.com,Billing:3\nB,b@x.com,\n")
    a, b = intents(p, mode="replace")
    assert a.replace_skills and a.skills == {"Billing": 3.0}
    assert not b.replace_skills  # a blank cell leaves the user's skills alone even in replace mode


def test_a_removal_is_asked_for_explicitly(write) -> None:
    (a,) = intents(write("a.csv", 'name,email,skills\nA,a@x.com,"Billing:-,Sales:remove,Retention:0"\n'))
    assert a.remove_skills == {"Billing", "Sales"} and a.skills == {"Retention": 0.0}


def test_skill_names_with_colons_and_spaces(write) -> None:
    (a,) = intents(write("a.csv", 'name,email,skills\nA,a@x.com," Tier: 2 : 4 , Billing:3,"\n'))
    assert a.skills == {"Tier: 2": 4.0, "Billing": 3.0}


def test_semicolon_files_keep_commas_inside_cells(write) -> None:
    (a,) = intents(write("a.csv", "name;email;queues;skills\nA;a@x.com;Support EN,Support FR;Billing:3,Sales:2.5\n"))
    assert a.join_queues == {"Support EN", "Support FR"} and a.skills == {"Billing": 3.0, "Sales": 2.5}


def test_bom_crlf_and_blank_rows(write) -> None:
    p = write("a.csv", b"\xef\xbb\xbfname,email,title\r\nA,a@x.com,T\r\n,,\r\n\r\nB,b@x.com,\r\n")
    assert [i.user for i in intents(p)] == ["a@x.com", "b@x.com"]


def test_the_same_user_twice(write) -> None:
    p = write("a.csv", "name,email,title\nA,a@x.com,T\nA,A@X.com,T\nA,a@x.com,U\n")
    assert located(p) == [(4, 3, "user 'a@x.com' appears again with different values (first on line 2)")]


# ---------------------------------------------------------------- problems, located


def test_every_row_problem_at_its_line_and_column(write) -> None:
    text = (
        "name,email,title,email_manager,queues,skills\n"
        'A,a@x.com,-,a@x.com,-,"Billing:9, Sales ,:3,Spanish:x,lang:French:2,Billing:4,Retention:"\n'
        "B,,T,,,\n"
        "C,c@x.com,,,,Billing:3,extra\n"
    )
    got = located(write("a.csv", text))
    col = text.splitlines()[1].index('"') + 2  # the skills cell's first character inside its quote
    line2 = text.splitlines()[1]
    at = {msg: (line, c) for line, c, msg in got}
    assert at["title: '-' cannot clear a value; leave the cell blank to keep it"] == (2, 11)
    assert at["manager 'a@x.com' is user 'a@x.com' themselves; a user cannot be their own manager"] == (2, 13)
    assert at["queues: '-' cannot leave queues; this layout only joins the queues it lists"] == (2, 21)
    assert at["skill 'Billing': proficiency 9 is out of range (0-5)"] == (2, col)
    assert at["skills: 'Sales' is not Skill:proficiency (e.g. Billing:4); pairs are separated by commas"] == (2, line2.index("Sales") + 1)
    assert at["skills: ':3' is not Skill:proficiency (e.g. Billing:4); pairs are separated by commas"] == (2, line2.index(":3") + 1)
    assert at["skill 'Spanish': proficiency 'x' is not a number (use 0-5, '-' or 'remove' to remove, blank to leave alone)"] == (2, line2.index("Spanish") + 1)
    lang = "skills: 'lang:French' is a language; the admin UI's layout has skills only (languages go in a wide or long CSV)"
    assert at[lang] == (2, line2.index("lang:") + 1)
    assert at["skill 'Retention' has no proficiency after the colon (0-5)"] == (2, line2.index("Retention") + 1)
    assert at["missing email: bulkops finds each user by email"] == (3, 3)
    assert at["row has 7 cells but the header has 6"] == (4, len("C,c@x.com,,,,Billing:3,") + 1)
    assert len(got) == 11


def test_a_skill_twice_in_one_cell(write) -> None:
    line = 'A,a@x.com,"Billing:3,billing:3,BILLING:4"'
    got = located(write("a.csv", "name,email,skills\n" + line + "\n"))
    assert got == [(2, line.index("BILLING") + 1, "skill 'BILLING' is given twice in this cell, with different proficiencies")]


def test_a_doubled_quote_before_the_pair_keeps_the_column(write) -> None:
    line = 'A,a@x.com,"Say ""Hi"":3,Sales:9"'
    (got,) = located(write("a.csv", "name,email,skills\n" + line + "\n"))
    assert got == (2, line.index("Sales") + 1, "skill 'Sales': proficiency 9 is out of range (0-5)")


def test_names_the_org_lacks_point_at_their_item(write, directory) -> None:
    line = 'Ann,agent00001@example.com,nobody@x.com,"Support EN,Suport FR",Mars,"Billing:3,Biling:2"'
    got = located(write("a.csv", "name,email,email_manager,queues,division,skills\n" + line + "\n"), directory)
    at = {msg.split(" is not in the org")[0]: (c) for _, c, msg in got}
    assert at["skill 'Biling'"] == line.index("Biling:") + 1
    assert at["queue 'Suport FR'"] == line.index("Suport") + 1
    assert at["division 'Mars'"] == line.index("Mars") + 1
    assert at["manager 'nobody@x.com'"] == line.index("nobody") + 1


def test_an_unknown_user_is_the_usual_problem(write, directory) -> None:
    got = located(write("a.csv", "name,email,skills\nNew Hire,new@x.com,Billing:3\n"), directory)
    assert [(line, c) for line, c, _ in got] == [(2, 10)] and "user 'new@x.com' is not in the org" in got[0][2]


def test_no_rows(write) -> None:
    assert located(write("a.csv", "name,email\n")) == [(1, 1, "no user rows after the header")]


# ---------------------------------------------------------------- ignored columns


def test_ignored_columns_are_counted(write) -> None:
    p = write(
        "a.csv",
        FULL + "\nA,a@x.com,+1 555,100,,,,Dublin,Employee:Home,,,\nB,b@x.com,,101,,,,,,,,\n,c@x.com,,,,,,,,,,\n",
    )
    spec = open_spec(p)
    assert spec.ignored_columns() == []  # nothing read yet
    assert spec.validate() == []
    got = {c.name: (c.column, c.rows_with_values, c.rows) for c in spec.ignored_columns()}
    assert got == {"name": (1, 2, 3), "phone_work": (3, 1, 3), "extension": (4, 2, 3), "location_work": (8, 1, 3), "roles_divisions": (9, 1, 3)}
    words = [describe_ignored(c) for c in spec.ignored_columns()]
    assert words[1] == "ignored: column 3 'phone_work' (a value on 1 of 3 rows): bulkops does not change phone numbers"


def test_only_columns_present_are_reported(write) -> None:
    spec = open_spec(write("a.csv", "name,email,skills\nA,a@x.com,Billing:1\n"))
    spec.validate()
    assert [c.name for c in spec.ignored_columns()] == ["name"]
    wide = open_spec(write("w.csv", "email,Billing\na@x.com,1\n"))
    wide.validate()
    assert wide.ignored_columns() == []


def test_the_example_job_is_valid(directory) -> None:
    spec = open_spec(JOBS / "admin-ui-import.csv")
    assert spec.format == "csv-admin" and spec.validate() == []
    assert {c.name for c in spec.ignored_columns()} >= {"phone_work", "roles_divisions"}


# ---------------------------------------------------------------- round trip

_skill = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters='\x7f,"', blacklist_categories=("Cc", "Cs")), min_size=1, max_size=10
).map(str.strip)
_skill = _skill.filter(lambda s: s and not s.endswith(":") and not s.casefold().startswith("lang:"))
_word = (
    st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF, blacklist_characters="\x7f,", blacklist_categories=("Cc", "Cs")), min_size=1, max_size=10)
    .map(str.strip)
    .filter(bool)
)
_value = _word.filter(lambda s: s.casefold() not in ("-", "remove"))  # a remove marker is a problem in a field or queues cell


@st.composite
def admin_rows(draw):
    columns = [c for c in ADMIN_COLUMNS if c in ("name", "email") or draw(st.booleans())]
    users = draw(st.lists(st.from_regex(r"[a-z][a-z0-9.]{0,8}@ex\.com", fullmatch=True), min_size=1, max_size=6, unique_by=str.casefold))
    rows = []
    for user in users:
        names = draw(st.lists(_skill, max_size=4, unique_by=str.casefold))
        rows.append(
            {
                "name": draw(_word),
                "email": user,
                "phone_work": draw(st.one_of(st.just(""), _word)),
                "title": draw(st.one_of(st.just(""), _value)),
                "queues": draw(st.lists(_value, max_size=3, unique_by=str.casefold)),
                "skills": {n: draw(st.sampled_from([0.0, 1.0, 2.5, 5.0])) for n in names},
            }
        )
    return columns, rows


def _cell(row: dict, column: str) -> str:
    if column == "queues":
        return ",".join(row["queues"])
    if column == "skills":
        return ",".join(f"{k}:{v:g}" for k, v in row["skills"].items())
    return row.get(column, "")


@settings(max_examples=60)
@given(admin_rows(), st.sampled_from([",", ";", "\t"]))
def test_a_written_file_reads_back(layout, delimiter) -> None:
    """Whatever the subset of columns and the delimiter, csv.writer's file reads back as written."""
    columns, rows = layout
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    w.writerow(columns)
    w.writerows([_cell(r, c) for c in columns] for r in rows)
    fd, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(out.getvalue())
        got = intents(path)
    finally:
        os.unlink(path)
    assert [i.user for i in got] == [r["email"] for r in rows]
    for i, r in zip(got, rows, strict=True):
        assert dict(i.skills) == (r["skills"] if "skills" in columns else {})
        assert i.join_queues == (frozenset(r["queues"]) if "queues" in columns else frozenset())
        assert dict(i.fields) == ({"title": r["title"].strip()} if "title" in columns and r["title"].strip() else {})
