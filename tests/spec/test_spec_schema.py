"""The JSON Schema file is what the reader enforces.

The schema is a valid schema of the draft it declares, the example jobs conform, every
key the reader accepts appears in it, and the reader's fast screen (``plain_user``)
never accepts a user object the schema rejects.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema.validators import validator_for

from bulkops.spec import open_spec, schemacheck
from bulkops.spec.schemacheck import HEADER_KEYS, TOP_KEYS, USER_KEYS, plain_user, user_issues

from .conftest import CORPUS, JOBS


def load_schema() -> dict[str, Any]:
    text = resources.files("bulkops.spec").joinpath("schema/jobspec-v1.schema.json").read_text()
    return json.loads(text)


def errors(schema: dict[str, Any], value: Any) -> list[str]:
    """Every error the shipped schema's own draft finds in ``value``."""
    return [e.message for e in validator_for(schema)(schema).iter_errors(value)]


def test_schema_is_json_and_lists_every_accepted_key() -> None:
    schema = load_schema()
    assert schema["properties"]["version"] == {"const": 1, "description": schema["properties"]["version"]["description"]}
    assert set(schema["properties"]) == set(TOP_KEYS)
    assert set(HEADER_KEYS) <= set(schema["properties"])
    assert set(schema["$defs"]["user"]["properties"]) == set(USER_KEYS)
    assert schema["required"] == ["version", "users"] and schema["$defs"]["user"]["required"] == ["user"]


def test_example_job_conforms_to_schema() -> None:
    schema = load_schema()
    doc = json.loads((JOBS / "reorg.json").read_text())
    assert errors(schema, doc) == []


@pytest.mark.parametrize("name", ["json-semantic.json", "json-no-users.json", "json-not-object.json"])
def test_schema_and_reader_agree_on_bad_documents(name: str) -> None:
    schema = load_schema()
    doc = json.loads((CORPUS / name).read_text())
    assert errors(schema, doc) != []
    assert open_spec(CORPUS / name).validate() != []


def test_schema_is_valid_for_its_draft() -> None:
    schema = load_schema()
    validator_for(schema).check_schema(schema)
    assert validator_for(schema).__name__ == "Draft202012Validator"


SCHEMA = load_schema()
_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "Billing", " Sales ", "sales", "Sales", "agent@example.com"]),
)
_json = st.recursive(
    _json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["", "Sales", "sales", "x"]), inner, max_size=3), max_leaves=8
)
_user_values = {
    "user": _json,
    "skills": st.dictionaries(st.sampled_from(["Billing", "billing", " Sales", "", "Sales"]), _json_scalars, max_size=4) | _json,
    "languages": st.dictionaries(st.sampled_from(["Spanish", "French"]), st.floats(-1, 6) | st.integers(-1, 6), max_size=2),
    "removeSkills": st.lists(_json_scalars, max_size=3) | _json,
    "joinQueues": st.lists(st.sampled_from(["Support", "", " "]), max_size=2),
    "department": _json,
    "skils": _json,
}


@settings(max_examples=300)
@given(st.fixed_dictionaries({}, optional=_user_values) | _json)
def test_the_screen_accepts_only_what_the_schema_accepts_and_suspects_find_every_error(obj: Any) -> None:
    if plain_user(obj):
        assert errors(SCHEMA, {"version": 1, "users": [obj]}) == []
    # the compiled (refs inlined) user validator finds what the shipped file finds, at the same paths
    shipped = validator_for(SCHEMA)(SCHEMA).iter_errors({"version": 1, "users": [obj]})
    assert {tuple(e.absolute_path)[2:] for e in shipped} == {tuple(e.absolute_path) for e in schemacheck._USER_VALIDATOR.iter_errors(obj)}
    # only the parts the screen cannot vouch for are validated: the same problems as the whole
    whole = schemacheck.issues_of(schemacheck._USER_VALIDATOR, obj, schemacheck._user_issue)
    assert sorted(map(repr, user_issues(obj))) == sorted(map(repr, whole))


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"user": None}, [(("user",), "value", "'user' must be a non-empty string (omit it or use null to leave it alone)")]),
        ({"user": "a", "skills": {" ": 1}}, [(("skills", " "), "key", "empty name in 'skills'")]),
        ({"user": "a", "skills": []}, [(("skills",), "value", "'skills' must be an object of name: proficiency, got an array")]),
        ({"user": "a", "skills": {"B": 10**400}}, [(("skills", "B"), "value", "skills['B']: proficiency inf is out of range (0-5)")]),
        ({"user": "a", "removeSkills": [""]}, [(("removeSkills", 0), "value", "removeSkills[0] must be a non-empty string")]),
    ],
)
def test_schema_errors_are_worded_by_where_they_are(obj: Any, expected: list[Any]) -> None:
    assert user_issues(obj) == expected
