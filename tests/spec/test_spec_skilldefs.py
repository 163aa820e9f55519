"""Skill definitions in a spec (#17, spec side): JSON version 2's ``skills`` section and the
CSV form, every check pinned to line:column, version 1 unchanged, both forms agreeing."""

from __future__ import annotations

import json
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema.validators import validator_for

from bulkops.cli.main import cli
from bulkops.kinds.skills.intent import SkillDefinitionIntent
from bulkops.spec import open_spec
from bulkops.spec.validate import Problems

from .conftest import JOBS

D = SkillDefinitionIntent


def schema(version: int) -> dict[str, Any]:
    return json.loads(resources.files("bulkops.spec").joinpath(f"schema/jobspec-v{version}.schema.json").read_text())


def problems_of(path: str) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.message) for p in open_spec(path).validate()]


def doc(*entries: str, users: str | None = None) -> str:
    """A version 2 document with one entry per line, the first on line 3."""
    body = '{"version": 2,\n  "skills": [\n' + ",\n".join("    " + e for e in entries) + "\n  ]"
    if users is not None:
        body += ',\n  "users": ' + users
    return body + "\n}\n"


# ---------------------------------------------------------------- reading what is right


def test_json_v2_carries_skill_definitions_and_users(write) -> None:
    path = write(
        "j.json",
        doc(
            '{"create": "Billing Tier 2", "division": "Home"}',
            '{"move": " Sales ", "division": "EMEA"}',
            '{"migrate": "Retention", "into": "Billing Tier 2", "levels": {"1": 2, "2.5": 3, "5": 4}, "delete": true}',
            '{"migrate": "Outbound", "into": "Billing Tier 2", "proficiency": 1}',
            '{"delete": "Escalations"}',
            users='[{"user": "agent00001@example.com", "skills": {"Billing Tier 2": 3}}]',
        ),
    )
    spec = open_spec(path)
    problems = Problems(spec.path)
    users = list(spec.checked(problems))
    assert spec.finish(problems) == []
    assert [u.user for u in users] == ["agent00001@example.com"]
    os.unlink(path)  # definitions() reads nothing: the pass above kept them
    assert spec.section("skill") == [
        D("create", "Billing Tier 2", division="Home", line=3),
        D("move", "Sales", division="EMEA", line=4),
        D("migrate", "Retention", into="Billing Tier 2", levels={1.0: 2.0, 2.5: 3.0, 5.0: 4.0}, delete=True, line=5),
        D("migrate", "Outbound", into="Billing Tier 2", proficiency=1.0, line=6),
        D("delete", "Escalations", line=7),
    ]


def test_json_v2_may_have_only_skills_or_only_users(write) -> None:
    only_skills = write("s.json", '{"version": 2, "skills": [{"delete": "Sales"}], "users": []}')
    assert problems_of(only_skills) == []
    spec = open_spec(only_skills)
    assert spec.validate() == [] and spec.section("skill") == [D("delete", "Sales", line=1)]
    only_users = write("u.json", '{"version": 2, "mode": "replace", "users": [{"user": "a", "skills": {"Sales": 1}}]}')
    spec = open_spec(only_users)
    assert spec.mode == "replace" and spec.validate() == [] and spec.section("skill") == []
    assert [i.replace_skills for i in spec.intents()] == [True]


def test_csv_form_is_recognised_and_read(write) -> None:
    path = write(
        "defs.txt",  # recognised by its header, not its name
        "Action;SKILL;Division;into;proficiency;levels;delete\r\n"
        "create;Billing Tier 2;Home;;;;\r\n"
        "\r\n"
        "MOVE; Sales ;EMEA;;;;\r\n"
        'migrate;Retention;;Billing Tier 2;;"1:2; 2,5:3 |5:4";Yes\r\n'
        "migrate;Outbound;;Billing Tier 2;1,5;;no\r\n"
        "delete;Escalations;;;;;\r\n",
    )
    spec = open_spec(path)
    assert (spec.format, spec.delimiter) == ("csv-skills", ";")
    problems = Problems(spec.path)
    assert list(spec.checked(problems)) == [] and spec.finish(problems) == []
    assert spec.section("skill") == [
        D("create", "Billing Tier 2", division="Home", line=2),
        D("move", "Sales", division="EMEA", line=4),
        D("migrate", "Retention", into="Billing Tier 2", levels={1.0: 2.0, 2.5: 3.0, 5.0: 4.0}, delete=True, line=5),
        D("migrate", "Outbound", into="Billing Tier 2", proficiency=1.5, line=6),
        D("delete", "Escalations", line=7),
    ]


def test_csv_columns_after_skill_are_optional(write) -> None:
    spec = open_spec(write("d.csv", "action,skill\ncreate,A\ndelete,B\n"))
    assert spec.validate() == []
    assert spec.section("skill") == [D("create", "A", line=2), D("delete", "B", line=3)]


def test_an_entry_written_twice_alike_is_kept_once(write) -> None:
    spec = open_spec(write("j.json", doc('{"create": "New", "division": "Home"}', '{"create": "new", "division": "HOME"}')))
    assert spec.validate() == [] and spec.section("skill") == [D("create", "New", division="Home", line=3)]


def test_example_jobs_are_valid_and_say_the_same() -> None:
    as_json, as_csv = open_spec(JOBS / "skills-reorg.json"), open_spec(JOBS / "skills-reorg.csv")
    assert as_json.validate() == [] and as_csv.validate() == []
    assert as_csv.format == "csv-skills"
    actions = [d.action for d in as_json.section("skill")]
    assert actions == ["create", "move", "migrate"] and as_json.section("skill")[2].delete
    unlined = [[(d.action, d.skill, d.division, d.into, d.proficiency, dict(d.levels), d.delete) for d in s.section("skill")] for s in (as_json, as_csv)]
    assert unlined[0] == unlined[1]
    s2 = schema(2)
    assert list(validator_for(s2)(s2).iter_errors(json.loads((JOBS / "skills-reorg.json").read_text()))) == []


def test_validate_command_counts_the_definitions() -> None:
    for name, counts in (
        ("skills-reorg.json", "json, mode merge, 2 users, 3 skill definitions"),
        ("skills-reorg.csv", "csv-skills, mode merge, 0 users, 3 skill definitions"),
    ):
        result = CliRunner().invoke(cli, ["validate", str(JOBS / name)])
        assert result.exit_code == 0, result.output
        assert f"valid ({counts})" in result.output
    plain = CliRunner().invoke(cli, ["validate", str(JOBS / "reorg.json")])
    assert plain.exit_code == 0 and "valid (json, mode merge, 20 users);" in plain.output


def test_validate_command_lists_definition_problems(write) -> None:
    path = write("bad.csv", "action,skill,division\nmove,Sales,\n")
    result = CliRunner().invoke(cli, ["validate", path])
    assert result.exit_code == 4
    assert f"{path}:2:1: move 'Sales' needs a division" in result.output


# ---------------------------------------------------------------- version 1 and JSON Lines unchanged


def test_v1_reads_as_before_and_has_no_definitions(write) -> None:
    v1 = open_spec(JOBS / "reorg.json")
    assert v1.validate() == [] and v1.section("skill") == []
    path = write("v1.json", '{"version": 1,\n "skills": [{"create": "A"}],\n "users": [{"user": "a"}]}')
    assert problems_of(path) == [(2, 2, "unknown top-level key 'skills': skill definitions need \"version\": 2")]
    assert problems_of(write("e.json", '{"version": 1, "users": []}')) == [(1, 25, '"users" is empty: nothing to do')]
    for name in ("skills-wide.csv", "skills-long.csv"):
        spec = open_spec(JOBS / name)
        assert spec.validate() == [] and spec.section("skill") == []


def test_v2_schema_keeps_v1_users() -> None:
    v1, v2 = schema(1), schema(2)
    validator_for(v2).check_schema(v2)
    assert {k: v for k, v in v2["$defs"].items() if k in v1["$defs"]} == v1["$defs"]
    assert v2["properties"]["version"]["const"] == 2 and v2["required"] == ["version"]


def test_json_lines_stay_users_only(write) -> None:
    v2_header = write("l.jsonl", '{"version": 2, "mode": "merge"}\n{"user": "a", "skills": {"Sales": 1}}\n')
    spec = open_spec(v2_header)
    assert spec.validate() == [] and spec.section("skill") == []
    with_skills = write("m.jsonl", '{"version": 2, "skills": [{"create": "A"}]}\n{"user": "a"}\n')
    assert problems_of(with_skills) == [
        (1, 16, "unknown header key 'skills': JSON Lines carries users only; put skill definitions in a JSON document (version 2) or a CSV")
    ]
    assert problems_of(write("n.jsonl", '{"version": 3}\n{"user": "a"}\n')) == [(1, 13, "unsupported version 3; this bulkops reads versions 1 and 2")]


# ---------------------------------------------------------------- every check, located

JSON_CASES: list[tuple[list[str], list[tuple[int, int, str]]]] = [
    # structure (the schema)
    (['{"creat": "X"}'], [(3, 6, "unknown key 'creat' in a skills entry (did you mean 'create'?)")]),
    (["{}"], [(3, 5, "missing action: an entry is")]),
    (['"Sales"'], [(3, 5, "each skills entry must be a JSON object, got a string")]),
    (['{"create": "A", "delete": "B"}'], [(3, 21, "one action per entry: this one has 'create' and 'delete'")]),
    (
        ['{"migrate": "A", "into": "B", "delete": "A"}'],
        [(3, 35, "one action per entry: this one has 'migrate' and 'delete' (with migrate, 'delete' is true or false)")],
    ),
    (['{"create": " "}'], [(3, 16, "'create' must be a skill name or id (a non-empty string)")]),
    (['{"move": "A", "division": 7}'], [(3, 31, "'division' must be a division name or id (a non-empty string)")]),
    (['{"delete": 1}'], [(3, 16, "'delete' must be a skill name, or true with migrate; got a number")]),
    (['{"migrate": "A", "into": "B", "proficiency": 6}'], [(3, 50, "'proficiency': proficiency 6 is out of range (0-5)")]),
    (['{"migrate": "A", "into": "B", "proficiency": "3"}'], [(3, 50, "'proficiency' must be a number 0-5, got a string")]),
    (['{"migrate": "A", "into": "B", "proficiency": NaN}'], [(3, 50, "'proficiency': proficiency nan is out of range (0-5)")]),
    (['{"migrate": "A", "into": "B", "levels": {"6": 1}}'], [(3, 46, "levels: '6' is not a proficiency 0-5")]),
    (['{"migrate": "A", "into": "B", "levels": {"x": 1}}'], [(3, 46, "levels: 'x' is not a proficiency 0-5")]),
    (['{"migrate": "A", "into": "B", "levels": {"1": -1}}'], [(3, 51, "levels['1']: proficiency -1 is out of range (0-5)")]),
    (['{"migrate": "A", "into": "B", "levels": {"1": 2, "1.0": 3}}'], [(3, 54, "levels: '1.0' is the same proficiency as '1'")]),
    (['{"migrate": "A", "into": "B", "levels": [1]}'], [(3, 45, "'levels' must be an object of old proficiency: new proficiency, got an array")]),
    (['{"create": "A", "create": "B"}'], [(3, 21, "key 'create' appears more than once in this entry")]),
    (['{"create": "\\ud800"}'], [(3, 16, "not valid Unicode text")]),
    # which fields go with which action (shared with the CSV form)
    (['{"move": "Sales"}'], [(3, 6, "move 'Sales' needs a division")]),
    (['{"migrate": "A", "into": ""}'], [(3, 30, "'into' must be a skill name or id (a non-empty string)")]),  # refused, not missing
    (['{"migrate": "A"}'], [(3, 6, "migrate 'A' needs 'into'")]),
    (['{"migrate": "A", "into": "B", "division": "Home"}'], [(3, 47, "'division' goes only with create or move, not with migrate")]),
    (['{"delete": "A", "division": "Home"}'], [(3, 33, "'division' goes only with create or move, not with delete")]),
    (['{"create": "A", "into": "B"}'], [(3, 29, "'into' goes only with migrate, not with create")]),
    (['{"create": "A", "proficiency": 2}'], [(3, 36, "'proficiency' goes only with migrate, not with create")]),
    (['{"move": "A", "division": "D", "levels": {"1": 2}}'], [(3, 46, "'levels' goes only with migrate, not with move")]),
    (['{"migrate": "Sales", "into": " SALES"}'], [(3, 34, "migrate 'Sales' into itself")]),
    (['{"migrate": "A", "into": "B", "proficiency": 3, "levels": {"1": 2}}'], [(3, 63, "'proficiency' and 'levels' together")]),
    (['{"delete": true}'], [(3, 6, "'delete': true goes only with migrate")]),
    (['{"create": "A", "delete": true}'], [(3, 31, "'delete': true goes only with migrate")]),
    (['{"create": "A", "delete": false}'], []),
    # across entries (names compared case-insensitively)
    (['{"create": "New"}', '{"delete": "NEW"}'], [(4, 16, "skill 'NEW' is already in the entry on line 3 (create); this one (delete) contradicts it")]),
    (
        ['{"move": "A", "division": "D1"}', '{"move": "a", "division": "D2"}'],
        [(4, 14, "skill 'a' is already in the entry on line 3 (move to 'D1'); this one (move to 'D2') contradicts it")],
    ),
    (
        ['{"migrate": "A", "into": "B"}', '{"migrate": "A", "into": "C"}'],
        [(4, 17, "skill 'A' is already in the entry on line 3 (migrate into 'B'); this one (migrate into 'C') contradicts it")],
    ),
    (['{"migrate": "A", "into": "B"}', '{"delete": "b"}'], [(3, 30, "migrate 'A' into 'B', which this spec deletes (line 4)")]),
    (['{"migrate": "A", "into": "B"}', '{"migrate": "B", "into": "C", "delete": true}'], [(3, 30, "migrate 'A' into 'B', which this spec deletes (line 4)")]),
    (
        ['{"migrate": "A", "into": "B"}', '{"migrate": "B", "into": "C"}'],
        [(3, 30, "which this spec migrates into 'C' (line 4): migrate 'A' into 'C' directly")],
    ),
    (['{"migrate": "A", "into": "C"}', '{"migrate": "B", "into": "c"}', '{"create": "C"}'], []),  # a merge into a new skill
    (['{"migrate": "A", "into": "B", "delete": true}', '{"create": "B", "division": "Home"}'], []),  # a rename
]


@pytest.mark.parametrize(("entries", "expected"), JSON_CASES)
def test_json_checks_are_located(write, entries: list[str], expected: list[tuple[int, int, str]]) -> None:
    got = problems_of(write("j.json", doc(*entries)))
    assert len(got) == len(expected), got
    for (line, col, message), want in zip(got, expected):
        assert (line, col) == want[:2] and want[2] in message, (got, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"version": 2}',
            [(1, 1, 'nothing to do: "users", "skills", "queues", "utilizationLabels", "utilization" and "utilizationDefault" are all empty or missing')],
        ),
        (
            '{"version": 2, "skills": [], "users": []}',
            [(1, 1, 'nothing to do: "users", "skills", "queues", "utilizationLabels", "utilization" and "utilizationDefault" are all empty or missing')],
        ),
        ('{"version": 2, "skills": {"create": "A"}}', [(1, 26, "'skills' must be an array, got an object")]),
        ('{"version": 2, "skils": [{"create": "A"}], "users": [{"user": "a"}]}', [(1, 16, "unknown top-level key 'skils' (did you mean 'skills'?)")]),
        ('{"version": 2, "mode": "merge", "mode": "merge", "skills": [{"create": "A"}]}', [(1, 33, "key 'mode' appears more than once")]),
    ],
)
def test_json_document_checks_are_located(write, text: str, expected: list[tuple[int, int, str]]) -> None:
    got = problems_of(write("j.json", text))
    assert [(line, col) for line, col, _ in got] == [e[:2] for e in expected]
    assert all(want[2] in message for (_, _, message), want in zip(got, expected)), got


CSV_CASES: list[tuple[str, list[tuple[int, int, str]]]] = [
    ("frob,A,,,,,", [(2, 1, "unknown action 'frob'; actions are create, move, delete, migrate")]),
    ("creat,A,,,,,", [(2, 1, "unknown action 'creat' (did you mean 'create'?)")]),
    (",A,,,,,", [(2, 1, "missing action: one of create, move, delete, migrate")]),
    ("create, ,,,,,", [(2, 8, "missing skill name")]),
    ("move,Sales,,,,,", [(2, 1, "move 'Sales' needs a division")]),
    ("migrate,A,,,,,", [(2, 1, "migrate 'A' needs 'into'")]),
    ("migrate,A,Home,B,,,", [(2, 11, "'division' goes only with create or move, not with migrate")]),
    ("create,A,,B,,,", [(2, 11, "'into' goes only with migrate, not with create")]),
    ("migrate,A,,a,,,", [(2, 12, "migrate 'A' into itself")]),
    ("migrate,A,,B,6,,", [(2, 14, "proficiency 6 is out of range (0-5)")]),
    ("migrate,A,,B,-,,", [(2, 14, "proficiency: '-' is not a number 0-5")]),
    ("migrate,A,,B,,1:2;7:1,", [(2, 15, "levels '7:1', old: proficiency 7 is out of range (0-5)")]),
    ("migrate,A,,B,,1:x,", [(2, 15, "levels '1:x', new: 'x' is not a number 0-5")]),
    ("migrate,A,,B,,1-2,", [(2, 15, "levels: '1-2' is not old:new (e.g. 1:2;5:4)")]),
    ("migrate,A,,B,,1:2;1.0:3,", [(2, 15, "levels: proficiency 1 is mapped twice")]),
    ("migrate,A,,B,3,1:2,", [(2, 16, "'proficiency' and 'levels' together")]),
    ("migrate,A,,B,,,maybe", [(2, 16, "delete: 'maybe' is not true or false")]),
    ("delete,A,,,,,true", [(2, 14, "'delete': true goes only with migrate")]),
    ("delete,A,,,,,,extra", [(2, 15, "row has 8 cells but the header has 7")]),
    ("create,New,,,,,\ndelete,new,,,,,", [(3, 8, "skill 'new' is already in the entry on line 2 (create); this one (delete) contradicts it")]),
    ("migrate,A,,B,,,\ndelete,B,,,,,", [(2, 12, "migrate 'A' into 'B', which this spec deletes (line 3)")]),
]


@pytest.mark.parametrize(("rows", "expected"), CSV_CASES)
def test_csv_checks_are_located(write, rows: str, expected: list[tuple[int, int, str]]) -> None:
    got = problems_of(write("d.csv", "action,skill,division,into,proficiency,levels,delete\n" + rows + "\n"))
    assert len(got) == len(expected), got
    for (line, col, message), want in zip(got, expected):
        assert (line, col) == want[:2] and want[2] in message, (got, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "action,skil,division\ncreate,A,\n",
            [(1, 8, "unknown column 'skil' in a skill definition CSV (did you mean 'skill'?)"), (1, 1, "needs a 'skill' column")],
        ),
        ("action,skill,Skill\ncreate,A,B\n", [(1, 14, "duplicate column 'Skill' (same as column 2)")]),
        ("action,skill\n", [(1, 1, "no skill definition rows after the header")]),
    ],
)
def test_csv_header_checks_are_located(write, text: str, expected: list[tuple[int, int, str]]) -> None:
    got = problems_of(write("d.csv", text))
    assert sorted((line, col) for line, col, _ in got) == sorted(e[:2] for e in expected)
    for want in expected:
        assert any(want[2] in message for _, _, message in got), got


def test_long_form_with_action_first_is_still_long_form(write) -> None:
    spec = open_spec(write("l.csv", "action,user,skill,proficiency\nset,a,Sales,3\n"))
    assert spec.format == "csv-long" and spec.validate() == []


# ---------------------------------------------------------------- both forms agree (hypothesis)

_NAMES = st.sampled_from(["Sales", "sales", "Billing", "New Skill", "Retention"])
_LEVEL = st.sampled_from([0, 1, 2.5, 3, 5])


@st.composite
def _entries(draw: st.DrawFn) -> dict[str, Any]:
    action = draw(st.sampled_from(["create", "move", "delete", "migrate"]))
    entry: dict[str, Any] = {"action": action, "skill": draw(_NAMES)}
    for key, values in (("division", st.sampled_from(["Home", "EMEA"])), ("into", _NAMES), ("proficiency", _LEVEL)):
        if draw(st.booleans()) if action in ("migrate", "move") else draw(st.integers(0, 4)) == 0:
            entry[key] = draw(values)
    if draw(st.integers(0, 3)) == 0:
        entry["levels"] = draw(st.dictionaries(_LEVEL, _LEVEL, min_size=1, max_size=3))
    if action != "delete" and draw(st.integers(0, 2)) == 0:  # JSON cannot say delete X and delete: true
        entry["delete"] = True
    return entry


def _as_json(entry: dict[str, Any]) -> dict[str, Any]:
    out = {entry["action"]: entry["skill"], **{k: v for k, v in entry.items() if k not in ("action", "skill")}}
    if "levels" in out:
        out["levels"] = {f"{k:g}": v for k, v in out["levels"].items()}
    return out


def _as_row(entry: dict[str, Any]) -> str:
    levels = ";".join(f"{k:g}:{v:g}" for k, v in entry.get("levels", {}).items())
    cells = [entry["action"], entry["skill"], entry.get("division", ""), entry.get("into", "")]
    cells += [f"{entry['proficiency']:g}" if "proficiency" in entry else "", f'"{levels}"', "true" if entry.get("delete") else ""]
    return ",".join(cells)


def _written(text: str, suffix: str) -> str:
    fd, path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return path


@settings(max_examples=150)
@given(st.lists(_entries(), min_size=1, max_size=5))
def test_json_and_csv_forms_find_the_same_problems_and_definitions(entries: list[dict[str, Any]]) -> None:
    # one entry per line in both files, the first on line 2
    as_json = _written('{"version": 2, "skills": [\n' + ",\n".join(json.dumps(_as_json(e)) for e in entries) + "\n]}\n", ".json")
    as_csv = _written("action,skill,division,into,proficiency,levels,delete\n" + "\n".join(map(_as_row, entries)) + "\n", ".csv")
    try:
        specs = [open_spec(as_json), open_spec(as_csv)]
        found = [[(p.line, p.message) for p in s.validate()] for s in specs]
        assert found[0] == found[1]
        assert specs[0].section("skill") == specs[1].section("skill")
        if not found[0]:  # what a clean spec promises the engine
            defs = specs[0].section("skill")
            assert len({d.skill.casefold() for d in defs}) == len(defs)
            for d in defs:
                assert (d.into is not None) == (d.action == "migrate")
                assert d.action == "migrate" or not (d.delete or d.levels or d.proficiency is not None)
                assert d.division is None or d.action in ("create", "move")
                assert d.action != "move" or d.division is not None
    finally:
        for path in (as_json, as_csv):
            Path(path).unlink()
