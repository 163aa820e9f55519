"""Every format feature: CSV wide and long (delimiters, BOM, quotes, CRLF, decimal comma,
language and reorg columns, remove markers), JSON and JSON Lines, modes, hashing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulkops.domain.model import UserIntent
from bulkops.errors import SpecError
from bulkops.spec import load_and_validate, open_spec
from bulkops.spec.validate import Problems

from .conftest import JOBS


def intents(path: str, **kw) -> list[UserIntent]:
    spec = open_spec(path, **kw)
    assert spec.validate() == []
    return list(spec.intents())


# ---------------------------------------------------------------- CSV wide


def test_wide_basic_cells(write) -> None:
    p = write("w.csv", "email,Billing,Sales,Retention,lang:Spanish\na@x.com,3,2.5,-,4\nb@x.com,,REMOVE,0,\n")
    spec = open_spec(p)
    assert (spec.format, spec.mode, spec.delimiter) == ("csv-wide", "merge", ",")
    a, b = intents(p)
    assert a == UserIntent(
        user="a@x.com",
        skills={"Billing": 3.0, "Sales": 2.5},
        remove_skills=frozenset({"Retention"}),
        languages={"Spanish": 4.0},
        line=2,
    )
    assert b.skills == {"Retention": 0.0} and b.remove_skills == {"Sales"} and b.line == 3


@pytest.mark.parametrize("header", ["user", "Email", "USERNAME", "id"])
def test_wide_user_column_names(write, header: str) -> None:
    assert intents(write("w.csv", f"{header},Billing\nx,1\n"))[0].user == "x"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_wide_delimiters_bom_crlf_quotes(write, delimiter: str) -> None:
    d = delimiter
    text = f'email{d}"Tech, Support"{d}Sales\r\n"a@x.com"{d}"4"{d}1\r\nb@x.com{d}{d}"2"\r\n'
    p = write("w.csv", b"\xef\xbb\xbf" + text.encode())
    spec = open_spec(p)
    assert spec.delimiter == d
    a, b = intents(p)
    assert a.skills == {"Tech, Support": 4.0, "Sales": 1.0}
    assert b.skills == {"Sales": 2.0}


def test_semicolon_file_with_commas_in_header(write) -> None:
    p = write("w.csv", "user;Billing, East;Sales\na;3,5;4\n")
    spec = open_spec(p)
    assert spec.delimiter == ";"
    assert intents(p)[0].skills == {"Billing, East": 3.5, "Sales": 4.0}  # decimal comma


def test_decimal_comma_not_accepted_with_comma_delimiter(write) -> None:
    p = write("w.csv", 'user,Billing\na,"3,5"\n')
    assert "not a number" in open_spec(p).validate()[0].message


def test_quoted_newline_keeps_line_numbers(write) -> None:
    p = write("w.csv", 'email,@title,Billing\na@x.com,"Senior\nAgent",3\nb@x.com,,x\n')
    problems = open_spec(p).validate()
    # the newline itself is refused (#25 §8d: it would print a line of its own), and the record after it keeps its line
    assert [(q.line, q.column) for q in problems] == [(2, 9), (4, 10)]
    assert "a newline" in problems[0].message


def test_wide_reorg_columns(write) -> None:
    p = write(
        "w.csv",
        "email,@department,@Title,@manager,@division,@join_queues,@leave-queues,Billing\n"
        "a@x.com,Care,Lead,boss@x.com,Europe,Support EN; Support FR,Old|Older,\n"
        "b@x.com,,,,,,,2\n",
    )
    a, b = intents(p)
    assert a.fields == {"department": "Care", "title": "Lead", "manager": "boss@x.com"}
    assert a.division == "Europe"
    assert a.join_queues == {"Support EN", "Support FR"} and a.leave_queues == {"Old", "Older"}
    assert not a.skills
    assert b.fields == {} and b.division is None and not b.join_queues


def test_wide_blank_rows_and_trailing_padding_ignored(write) -> None:
    p = write("w.csv", "email,Billing,,\n\na@x.com,1,,\n,,,\n\n")
    assert [i.user for i in intents(p)] == ["a@x.com"]


def test_row_with_no_changes_still_yields_intent(write) -> None:
    # a user listed with nothing to do is harmless; the engine can skip empty intents
    (a,) = intents(write("w.csv", "email,Billing\na@x.com,\n"))
    assert a.is_empty()


def test_identical_repeat_is_merged(write) -> None:
    p = write("w.csv", "email,Billing\na@x.com,3\nA@X.com,3.0\nb@x.com,1\n")
    assert [i.user for i in intents(p)] == ["a@x.com", "b@x.com"]


def test_replace_mode_for_csv(write) -> None:
    p = write("w.csv", "email,Billing,Sales\na@x.com,3,\n")
    spec = open_spec(p, mode="replace")
    assert spec.mode == "replace"
    (a,) = spec.intents()
    assert a.replace_skills and a.skills == {"Billing": 3.0}


# ---------------------------------------------------------------- CSV long


def test_long_form_groups_users_across_rows(write) -> None:
    p = write(
        "l.csv",
        "user,skill,proficiency,action\n"
        "a@x.com,Billing,3,set\n"
        "b@x.com,Billing,,remove\n"
        "a@x.com,lang:Spanish,2,\n"
        "a@x.com,Sales,-,\n"
        "a@x.com,Billing,3.0,set\n"  # identical repeat is fine
        "b@x.com,LANG:French,,REMOVE\n",
    )
    assert open_spec(p).format == "csv-long"
    a, b = intents(p)
    assert a == UserIntent(user="a@x.com", skills={"Billing": 3.0}, remove_skills=frozenset({"Sales"}), languages={"Spanish": 2.0}, line=2)
    assert b.remove_skills == {"Billing"} and b.remove_languages == {"French"} and b.line == 3


def test_long_form_without_action_column_any_order_and_tabs(write) -> None:
    p = write("l.tsv", "proficiency\tEmail\tskill\r\n4\ta@x.com\tBilling\r\n")
    (a,) = intents(p)
    assert a.user == "a@x.com" and a.skills == {"Billing": 4.0}


def test_long_form_replace(write) -> None:
    (a,) = intents(write("l.csv", "user,skill,proficiency\na,Billing,1\n"), mode="replace")
    assert a.replace_skills


# ---------------------------------------------------------------- JSON and JSON Lines


def test_json_document(write) -> None:
    doc = {
        "version": 1,
        "mode": "replace",
        "users": [
            {
                "user": "a@x.com",
                "skills": {"Billing": 4, "Sales": 2.5},
                "removeSkills": ["Retention"],
                "languages": {"Spanish": 3},
                "removeLanguages": ["French"],
                "department": "Care",
                "title": None,
                "manager": "lead@x.com",
                "division": "Europe",
                "joinQueues": ["Support EN"],
                "leaveQueues": ["Support FR"],
            }
        ],
    }
    p = write("j.json", json.dumps(doc, indent=2))
    spec = open_spec(p)
    assert (spec.format, spec.mode) == ("json", "replace")
    (a,) = intents(p)
    assert a == UserIntent(
        user="a@x.com",
        skills={"Billing": 4.0, "Sales": 2.5},
        remove_skills=frozenset({"Retention"}),
        languages={"Spanish": 3.0},
        remove_languages=frozenset({"French"}),
        fields={"department": "Care", "manager": "lead@x.com"},
        division="Europe",
        join_queues=frozenset({"Support EN"}),
        leave_queues=frozenset({"Support FR"}),
        replace_skills=True,
        line=5,
    )


def test_json_mode_default_and_requested(write) -> None:
    p = write("j.json", '{"version": 1, "users": [{"user": "a"}]}')
    assert open_spec(p).mode == "merge"
    assert open_spec(p, mode="replace").mode == "replace"
    q = write("k.json", '{"version": 1, "mode": "merge", "users": [{"user": "a"}]}')
    (problem,) = open_spec(q, mode="replace").validate()
    assert (problem.line, problem.column) == (1, 24) and "declares mode 'merge'" in problem.message


def test_json_lines(write) -> None:
    p = write(
        "j.jsonl",
        '{"version": 1, "mode": "replace"}\n\n{"user": "a", "skills": {"Billing": 1}}\r\n{"user": "b", "department": "Care"}\n',
    )
    spec = open_spec(p)
    assert (spec.format, spec.mode) == ("jsonl", "replace")
    a, b = intents(p)
    assert (a.line, b.line) == (3, 4) and a.replace_skills and b.fields == {"department": "Care"}


def test_json_lines_without_header_and_sniffed_by_content(write) -> None:
    p = write("users.txt", '{"user": "a", "skills": {"Billing": 1}}\n{"user": "b"}\n')
    spec = open_spec(p)
    assert (spec.format, spec.mode) == ("jsonl", "merge")
    assert [i.user for i in intents(p)] == ["a", "b"]
    assert open_spec(write("doc", '\ufeff {"version": 1, "users": [{"user": "a"}]}')).format == "json"


def test_json_bom_accepted(write) -> None:
    p = write("j.json", b'\xef\xbb\xbf{"version": 1, "users": [{"user": "a"}]}')
    assert [i.user for i in intents(p)] == ["a"]


# ---------------------------------------------------------------- API behaviour


def test_content_hash_is_sha256_of_bytes(write) -> None:
    import hashlib

    data = b"email,Billing\na,1\n"
    spec = open_spec(write("w.csv", data))
    assert spec.content_hash == hashlib.sha256(data).hexdigest()


def test_intents_raise_on_invalid_spec(write) -> None:
    spec = open_spec(write("w.csv", "email,Billing\na,1\nb,9\nc,1\n"))
    with pytest.raises(SpecError) as err:
        list(spec.intents())
    assert [(p.line, p.column) for p in err.value.problems] == [(3, 3)]


def test_load_and_validate(write) -> None:
    with pytest.raises(SpecError) as err:
        load_and_validate(write("w.csv", "email,Billing,Sales\na,9,x\n"))
    assert len(err.value.problems) == 2 and "2 problem(s)" in str(err.value)
    assert load_and_validate(write("ok.csv", "email,Billing\na,1\n")).format == "csv-wide"


def test_missing_file_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot open the spec: no such file"):
        open_spec(tmp_path / "nope.csv")


def test_problem_count_is_capped(write) -> None:
    from bulkops.spec.validate import Problems

    p = write("w.csv", "email,Billing\n" + "".join(f"u{i},x\n" for i in range(30)))
    spec = open_spec(p)
    problems = Problems(p, limit=10)
    list(spec._reader.read(problems))
    out = problems.finish(spec._reader.fixer)
    assert len(out) == 11 and "20 more problem(s)" in out[-1].message


# ---------------------------------------------------------------- example jobs and schema


def test_example_jobs_are_valid() -> None:
    expected = {"skills-wide.csv": ("csv-wide", 30), "skills-long.csv": ("csv-long", 12), "reorg.json": ("json", 20)}
    for name, (fmt, users) in expected.items():
        spec = load_and_validate(JOBS / name)
        assert spec.format == fmt and sum(1 for _ in spec.intents()) == users


def test_example_jobs_resolve_against_catalogue_names(directory) -> None:
    from .conftest import make_directory

    for name in ("skills-wide.csv", "skills-long.csv", "reorg.json"):
        spec = open_spec(JOBS / name)
        assert spec.validate(make_directory(200)) == [], name


@pytest.mark.parametrize(
    "cell, department, problem",
    [
        ("Sales", "Sales", None),
        ("'-", "-", None),  # a department literally called "-", as `bulkops export` writes it
        ("'remove", "remove", None),
        ("'REMOVE", "REMOVE", None),
        ("'=x", "=x", None),
        ("''remove", "'remove", None),  # a value starting with ' gets one more
        ("'Hello", "'Hello", None),  # a hand-written apostrophe before anything else stays
        ("-", None, "cannot clear a value"),
        ("Remove", None, "cannot clear a value"),
    ],
)
def test_a_reorg_cell_marker_is_refused_and_its_quoted_form_is_the_value(tmp_path, cell, department, problem):
    path = tmp_path / "s.csv"
    path.write_text(f"email,@department\na@example.com,{cell}\n", encoding="utf-8")
    spec = open_spec(path)
    problems = Problems(str(path))
    intents = list(spec.checked(problems))
    found = spec.finish(problems)
    if problem is None:
        assert not found and intents[0].fields == {"department": department}
    else:
        assert len(found) == 1 and problem in found[0].message and (found[0].line, found[0].column) == (2, 15)
