"""The bad-input corpus: each file shows one kind of problem (some several at once);
every expected problem is pinned to line:column plus a message fragment, and nothing
else may be reported."""

from __future__ import annotations

import pytest

from bulkops.spec import open_spec

from .conftest import CORPUS, make_directory

NOT_UNICODE = "not valid Unicode text: a \\uD800-\\uDFFF escape without its other half"

# file -> [(line, column, message fragment), ...] in report order
EXPECTED: dict[str, list[tuple[int, int, str]]] = {
    "empty.csv": [(1, 1, "empty file")],
    "not-utf8.csv": [(3, 26, "not valid UTF-8 (byte 0xE9)"), (3, 26, "is not a number")],
    "utf16.csv": [(1, 1, "UTF-16")],
    "bad-user-header.csv": [(1, 1, "first column must identify the user; header 'name'")],
    "duplicate-header.csv": [
        (1, 21, "duplicate column 'billing' (same as column 2)"),
        (1, 42, "duplicate column 'lang:spanish' (same as column 5)"),
    ],
    "bad-headers.csv": [
        (1, 15, "unknown reserved column '@departmnt' (did you mean 'department'?)"),
        (1, 26, "'lang:' has no language name"),
    ],
    "bad-proficiency.csv": [
        (2, 24, "skill 'Billing': proficiency 'high' is not a number"),
        (3, 26, "skill 'Sales': proficiency 7 is out of range (0-5)"),
        (3, 28, "skill 'Retention': proficiency -1 is out of range"),
        (4, 28, "proficiency 5.01 is out of range"),
        (4, 33, "proficiency 'nan' is not a number"),
    ],
    "conflicting-user.csv": [(5, 1, "user 'agent00002@example.com' appears again with different values (first on line 3)")],
    "too-many-cells.csv": [(3, 26, "row has 3 cells but the header has 2")],
    "unclosed-quote.csv": [(2, 1, "quoted field starting on line 2 is never closed")],
    "reorg-cells.csv": [
        (2, 1, "missing user in the first column"),
        (3, 25, "@department: '-' cannot clear a value"),
        (3, 27, "queue 'Sales' is both joined and left"),
    ],
    "cap-exceeded.csv": [
        (2, 1, "would hold 4 skills; at most 3 per user"),
        (2, 1, "would hold 4 languages; at most 3 per user"),
    ],
    "header-only.csv": [(1, 1, "no user rows after the header")],
    "long-unknown-column.csv": [(1, 31, "unknown column 'note' in long form")],
    "long-conflict.csv": [
        (5, 32, "skill 'Billing' is set to 3 on line 2 and set to 4 here"),
        (6, 32, "skill 'Billing' is set to 2 on line 3 and removed here"),
    ],
    "long-bad-rows.csv": [
        (2, 34, "unknown action 'add'"),
        (3, 30, "missing proficiency"),
        (4, 34, "action 'remove' takes no proficiency"),
        (5, 1, "missing user"),
        (6, 24, "missing skill name"),
        (7, 24, "'lang:' names no language"),
        (8, 30, "action 'set' needs a proficiency"),
        (9, 34, "missing proficiency"),
    ],
    "json-syntax.json": [(4, 64, "invalid JSON: Expecting property name")],
    "json-semantic.json": [
        (2, 14, "unsupported version 3; this bulkops reads versions 1 and 2"),
        (3, 11, "'mode' must be \"merge\" or \"replace\", got 'upsert'"),
        (4, 3, "unknown top-level key 'userz' (did you mean 'users'?)"),
        (8, 7, "unknown key 'skils' (did you mean 'skills'?)"),
        (9, 29, "skills['Billing']: proficiency 6 is out of range"),
        (9, 41, "skills['Sales']: proficiency must be a number 0-5, got a string"),
        (9, 46, "'sales' is listed twice in 'skills' (also as 'Sales')"),
        (10, 37, "removeSkills[1] must be a non-empty string"),
        (11, 21, "'department' must be a non-empty string"),
        (12, 21, "'joinQueues' must be an array of names, got a string"),
        (14, 5, "missing key 'user'"),
        (15, 5, "each user must be a JSON object, got a string"),
        (16, 51, "skill 'Billing' is both set and removed for user 'agent00003@example.com'"),
        (17, 57, "key 'title' appears more than once"),
    ],
    # structural problems the shipped JSON Schema finds, worded by where they are
    "json-schema-errors.json": [
        (2, 14, "'$schema' must be a string, got a number"),
        (4, 18, "'description' must be a string, got an array"),
        (6, 14, "'user' must be a non-empty string"),
        (7, 51, "empty name in 'skills'"),
        (7, 68, "skills['Sales']: proficiency nan is out of range (0-5)"),  # NaN: checked in code, no schema can
        (7, 87, "'languages' must be an object of name: proficiency, got an array"),
        (7, 100, "'title' must be a non-empty string"),
    ],
    "json-duplicate-user.json": [(5, 12, "user 'agent00002@example.com' appears again with different values (first on line 3)")],
    "json-no-users.json": [(1, 25, '"users" is empty')],
    "json-not-object.json": [(1, 1, "must be a JSON object, got an array")],
    "jsonl-bad-lines.jsonl": [
        (3, 60, "invalid JSON: Expecting ',' delimiter"),
        (4, 58, "skills['Billing']: proficiency 9 is out of range"),
        (6, 61, "languages['Spanish']: proficiency must be a number 0-5, got a boolean"),
        (6, 114, "queue 'support en' is both joined and left"),
    ],
    # inputs that used to escape as tracebacks (issue #12)
    "json-too-deep.json": [(5, 90, "nested more than 32 levels deep")],
    "jsonl-too-deep.jsonl": [
        (3, 237, "nested more than 32 levels deep"),  # brackets inside a string (line 5) do not count
        (4, 58, "skills['Billing']: proficiency 9 is out of range"),
    ],
    "json-huge-number.json": [(5, 62, "a number 5,000 digits long cannot be read")],
    "jsonl-huge-numbers.jsonl": [
        (1, 58, "a number 4,301 digits long cannot be read"),
        (2, 58, "skills['Billing']: proficiency inf is out of range"),
        (3, 61, "languages['Spanish']: proficiency -inf is out of range"),
        (4, 58, "skills['Billing']: proficiency inf is out of range"),  # a 5,000-digit float
    ],
    "json-surrogate.json": [
        (3, 18, NOT_UNICODE),  # description
        (5, 54, NOT_UNICODE),  # department
        (6, 51, NOT_UNICODE),  # a skill name (a key)
        (6, 101, NOT_UNICODE),  # a queue name
        (8, 52, NOT_UNICODE),  # a pair in the wrong order; a right pair and an escaped backslash on line 7 are fine
    ],
    "jsonl-surrogate.jsonl": [(1, 31, NOT_UNICODE), (2, 45, NOT_UNICODE), (4, 10, NOT_UNICODE)],
    "csv-surrogate.csv": [(3, 28, "file is not valid UTF-8 (byte 0xED)")],  # an encoded surrogate
    "self-manager.csv": [(3, 26, "manager 'AGENT00002@example.com' is user 'agent00002@example.com' themselves")],
    "self-manager.json": [(4, 62, "manager 'agent00003' is user 'agent00003' themselves")],
    # resolution against the directory from conftest.make_directory(10)
    "resolve-self-manager.csv": [
        (3, 30, "manager 'u2' is user 'agent00002@example.com' themselves"),
        (4, 10, "manager 'agent00003' is user 'u3' themselves"),
    ],
    "unknown-names.csv": [
        (1, 21, "skill 'Bilings' is not in the org (did you mean 'Billing'?)"),
        (1, 29, "language 'Spansh' is not in the org (did you mean 'Spanish'?)"),
        (3, 1, "user 'agent00999@example.com' is not in the org (did you mean 'agent00009@example.com'"),
        (3, 29, "manager 'nobody@example.com' is not in the org"),
        (3, 48, "division 'Hom' is not in the org (did you mean 'Home'?)"),
        (3, 52, "queue 'Suport EN' is not in the org (did you mean 'Support EN' or 'Support FR'?); used 2 times"),
    ],
    "unknown-names-long.csv": [
        (3, 1, "user 'agent0001@example.com' is not in the org (did you mean 'agent00001@example.com'"),
        (3, 23, "skill 'Biling' is not in the org (did you mean 'Billing'?); used 2 times"),
        (5, 24, "language 'Frnch' is not in the org (did you mean 'French'?)"),
    ],
    "unknown-names.json": [
        (4, 65, "skill 'Sals' is not in the org (did you mean 'Sales'?)"),
        (4, 88, "manager 'agent0002@example.com' is not in the org (did you mean 'agent00002@example.com'"),
        (5, 60, "language 'Spanis' is not in the org (did you mean 'Spanish'?)"),
        (5, 83, "division 'Hme' is not in the org (did you mean 'Home'?)"),
        (5, 120, "queue 'Suport FR' is not in the org (did you mean 'Support FR'"),
    ],
}

MISSING_SKILLS = {"unknown-names.csv": ["Bilings"], "unknown-names-long.csv": ["Biling"], "unknown-names.json": ["Sals"]}


def test_every_corpus_file_has_expectations() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus(name: str) -> None:
    path = str(CORPUS / name)
    spec = open_spec(path, max_skills_per_user=3 if name.startswith("cap") else 1000)
    directory = make_directory(10) if name.startswith(("unknown", "resolve")) else None
    problems = spec.validate(directory)
    got = [(p.line, p.column, p.message) for p in problems]
    expected = EXPECTED[name]
    assert len(got) == len(expected), "\n".join(map(str, problems))
    for (line, col, msg), (eline, ecol, fragment) in zip(got, expected):
        assert (line, col) == (eline, ecol) and fragment in msg, f"{line}:{col}: {msg!r} != {eline}:{ecol}: {fragment!r}"
    assert all(p.path == path for p in problems)
    assert str(problems[0]).startswith(f"{path}:{problems[0].line}:{problems[0].column}: ")
    if name in MISSING_SKILLS:
        assert spec.missing_skills == MISSING_SKILLS[name]
