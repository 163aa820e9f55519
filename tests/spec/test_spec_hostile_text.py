"""Hostile text in a spec (#25 §8c, §8d): lone surrogates, control and bidi characters, values past
the platform's field limits, each a located problem (file:line:column) in every form, never a
traceback and never a value passed on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.safetext import BIDI_CONTROLS, escaped, is_unsafe, unsafe_char
from bulkops.spec import open_spec
from bulkops.spec.textrules import MAX_VALUE

ADMIN_HEADER = "name,email,phone_work,extension,title,department,email_manager,location_work,roles_divisions,queues,division,skills"


def problems_of(path: Path) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.message) for p in open_spec(str(path)).validate()]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- c. lone surrogates in JSON keys and values ------------------------------------------------

SURROGATE_DOCS = {
    "a skills key": '{"version": 1, "mode": "merge", "users": [\n  {"user": "a@example.com", "skills": {"Bill\\ud800": 3}}]}\n',
    "a languages key": '{"version": 1, "mode": "merge", "users": [\n  {"user": "a@example.com", "skills": {"B": 3}, "languages": {"E\\udc00": 2}}]}\n',
    "a user value": '{"version": 1, "mode": "merge", "users": [\n  {"user": "a\\ud800@example.com", "skills": {"B": 3}}]}\n',
    "a top-level key": '{"\\ud800": 1, "version": 1, "mode": "merge", "users": [\n  {"user": "a@example.com", "skills": {"B": 3}}]}\n',
    "a queue entry": '{"version": 2, "queues": [\n  {"queue": "Q\\ud800", "addWrapupCodes": ["W"]}]}\n',
}


@pytest.mark.parametrize("text", list(SURROGATE_DOCS.values()), ids=list(SURROGATE_DOCS))
def test_a_lone_surrogate_in_json_is_a_located_problem(tmp_path, text):
    path = write(tmp_path, "s.json", text)
    found = problems_of(path)
    surrogate = [p for p in found if "lone surrogate" in p[2]]
    assert len(surrogate) == 1, found
    line, column, _ = surrogate[0]
    raw_line = text.splitlines()[line - 1]
    assert raw_line[column - 1] == '"' and "\\ud" in raw_line[column - 1 :].split('"', 2)[1].lower()


def test_a_lone_surrogate_in_json_lines_is_located_on_its_line(tmp_path):
    path = write(
        tmp_path,
        "s.jsonl",
        '{"version": 1, "mode": "merge"}\n{"user": "a@example.com", "skills": {"B": 3}}\n{"user": "b@example.com", "languages": {"\\ud800": 3}}\n',
    )
    assert [(line, col) for line, col, m in problems_of(path) if "lone surrogate" in m] == [(3, 41)]


def test_the_validate_command_reports_a_surrogate_key_without_a_traceback(tmp_path):
    from click.testing import CliRunner

    from bulkops.cli.main import cli

    path = write(tmp_path, "s.json", SURROGATE_DOCS["a languages key"])
    result = CliRunner().invoke(cli, ["validate", str(path)], catch_exceptions=False)
    assert result.exit_code == 4 and "Traceback" not in result.output
    assert "s.json:2:" in result.output and "lone surrogate" in result.output


# -- d. control and bidi characters, in every form ----------------------------------------------

HOSTILE = {"newline": "Boss\nusers: 0 to change", "escape": "\x1b[2J", "RLO": "\u202eSales", "tab": "A\tB", "C1": "x\x9by", "isolate": "x\u2066y"}


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_json_refuses_a_hostile_title_at_the_value(tmp_path, value):
    text = '{"version": 1, "mode": "merge", "users": [\n  {"user": "a@example.com", "title": ' + json.dumps(value) + "}]}\n"
    found = problems_of(write(tmp_path, "t.json", text))
    column = text.splitlines()[1].index(json.dumps(value)) + 1
    assert [(line, col) for line, col, m in found if "refused" in m] == [(2, column)], found


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_json_refuses_a_hostile_skill_name_key(tmp_path, value):
    text = '{"version": 1, "mode": "merge", "users": [\n  {"user": "a@example.com", "skills": {' + json.dumps(value) + ": 3}}]}\n"
    found = problems_of(write(tmp_path, "k.json", text))
    column = text.splitlines()[1].index(json.dumps(value)) + 1
    assert [(line, col) for line, col, m in found if "refused" in m] == [(2, column)], found


def csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize(
    ("name", "template", "column"),
    [
        ("wide.csv", "email,@title,Billing\nagent00001@example.com,{v},3\n", 24),
        ("long.csv", "user,skill,proficiency\nagent00001@example.com,{v},3\n", 24),
        ("admin.csv", ADMIN_HEADER + "\nAgent One,agent00001@example.com,,,{v},,,,,,,\n", 36),
    ],
    ids=["wide", "long", "admin"],
)
def test_every_csv_form_refuses_a_hostile_cell_at_the_cell(tmp_path, name, template, column, value):
    found = problems_of(write(tmp_path, name, template.format(v=csv_cell(value))))
    hits = [(line, col) for line, col, m in found if "refused" in m]
    assert hits == [(2, column)], found
    assert not any(is_unsafe(c) for _, _, m in found for c in m)  # messages carry the value escaped


# -- d. field limits -------------------------------------------------------------------------------


def test_a_2_mb_title_is_refused_in_json_at_the_value(tmp_path):
    text = '{"version": 1, "mode": "merge", "users": [\n  {"user": "a@example.com", "title": "' + "x" * 2_000_000 + '"}]}\n'
    found = problems_of(write(tmp_path, "big.json", text))
    assert found == [(2, 38, f"title is 2,000,000 characters long: at most {MAX_VALUE} (the platform's field limit)")]


@pytest.mark.parametrize(
    ("name", "template", "column", "what"),
    [
        ("wide.csv", "email,@department,Billing\nagent00001@example.com,{v},3\n", 24, "department"),
        ("long.csv", "user,skill,proficiency\nagent00001@example.com,{v},3\n", 24, "skill name"),
        ("admin.csv", ADMIN_HEADER + "\nAgent One,agent00001@example.com,,,{v},,,,,,,\n", 36, "title"),
        ("admin-q.csv", ADMIN_HEADER + "\nAgent One,agent00001@example.com,,,,,,,,{v},,\n", 41, "queue name"),
    ],
    ids=["wide department", "long skill", "admin title", "admin queue"],
)
def test_csv_forms_refuse_a_value_past_the_limit_at_the_cell(tmp_path, name, template, column, what):
    found = problems_of(write(tmp_path, name, template.format(v="y" * (MAX_VALUE + 1))))
    assert (2, column, f"{what} is {MAX_VALUE + 1:,} characters long: at most {MAX_VALUE} (the platform's field limit)") in found, found


def test_a_value_at_the_limit_is_accepted(tmp_path):
    text = '{"version": 1, "mode": "merge", "users": [\n  {"user": "a@example.com", "title": "' + "x" * MAX_VALUE + '"}]}\n'
    assert problems_of(write(tmp_path, "ok.json", text)) == []


# -- the pure functions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", None),
        ("café 東京 🙂", None),
        ("a\nb", (1, "a newline")),
        ("\x00", (0, "U+0000 (a control character)")),
        ("ok\u202e", (2, "U+202E (a bidi override or isolate)")),
        ("\ud800", (0, "U+D800 (an unpaired surrogate)")),
        ("\x7f", (0, "U+007F (a control character)")),
    ],
)
def test_unsafe_char_table(text, expected):
    assert unsafe_char(text) == expected


@given(st.text())
def test_escaped_text_is_always_safe_and_unchanged_when_safe(text):
    out = escaped(text)
    assert unsafe_char(out) is None
    if unsafe_char(text) is None:
        assert out == text
    assert "\n" not in out and not BIDI_CONTROLS & set(out)


def test_the_skills_and_queues_sections_refuse_names_past_the_limit_at_the_value(tmp_path):
    long = "x" * (MAX_VALUE + 1)
    entries = {
        "skills": [{"create": long}, {"migrate": "Sales", "into": long}],
        "queues": [{"queue": long, "addWrapupCodes": [long], "rings": {"1": {"skillsToRemove": [long]}}}],
    }
    text = json.dumps({"version": 2, **entries}, indent=1) + "\n"
    found = problems_of(write(tmp_path, "v2.json", text))
    lines = text.splitlines()
    at = [(lines[line - 1][column - 1 :][:4], message.split(" is ")[0]) for line, column, message in found]
    # a name in a list is placed at its list (the setting's path), any other at the name itself
    assert at == [('"xxx', "skill name"), ('"xxx', "skill name"), ('"xxx', "queue name"), ("[", "wrap-up code name"), ("[", "skill name")], found


def test_the_csv_forms_of_skills_and_queues_refuse_names_past_the_limit_at_the_cell(tmp_path):
    long = "y" * (MAX_VALUE + 1)
    defs = write(tmp_path, "defs.csv", f"action,skill,division,into,proficiency,levels,delete\ncreate,{long},,,,,\n")
    assert [(line, col) for line, col, _ in problems_of(defs)] == [(2, 8)]
    queues = write(tmp_path, "queues.csv", f"queue,addWrapupCodes\nBilling,{long}\n")
    assert [(line, col, m.split(" is ")[0]) for line, col, m in problems_of(queues)] == [(2, 9, "wrap-up code name")]
    hostile = write(tmp_path, "queues-bidi.csv", "queue,addWrapupCodes\nBilling,Esc\u202ealated\n")
    assert [(line, col) for line, col, m in problems_of(hostile) if "refused" in m] == [(2, 9)]
