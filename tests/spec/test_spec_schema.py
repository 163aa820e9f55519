"""The JSON Schema file documents exactly what the reader accepts.

A tiny validator for the subset of JSON Schema the file uses (no jsonschema dependency)
checks the example jobs, and every key the reader accepts appears in the schema.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import pytest

from bulkops.spec import open_spec
from bulkops.spec.jsonspec import HEADER_KEYS, TOP_KEYS, USER_KEYS

from .conftest import CORPUS, JOBS


def load_schema() -> dict[str, Any]:
    text = resources.files("bulkops.spec").joinpath("schema/jobspec-v1.schema.json").read_text()
    return json.loads(text)


def errors(schema: dict[str, Any], value: Any, root: dict[str, Any], where: str = "$") -> list[str]:
    """Validate ``value`` against the subset of draft 2020-12 the schema file uses."""
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return errors(target, value, root, where)
    out: list[str] = []
    types = {"object": dict, "array": list, "string": str, "null": type(None)}
    t = schema.get("type")
    if t == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"{where}: not a number"]
    elif t is not None and not isinstance(value, types[t]):
        return [f"{where}: not {t}"]
    if "const" in schema and value != schema["const"]:
        out.append(f"{where}: != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: not in {schema['enum']}")
    if "minimum" in schema and value < schema["minimum"]:
        out.append(f"{where}: below minimum")
    if "maximum" in schema and value > schema["maximum"]:
        out.append(f"{where}: above maximum")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or ("pattern" in schema and not re.search(schema["pattern"], value)):
            out.append(f"{where}: bad string")
    if "oneOf" in schema:
        if sum(1 for s in schema["oneOf"] if not errors(s, value, root, where)) != 1:
            out.append(f"{where}: not exactly one of oneOf")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            out.append(f"{where}: too few items")
        for i, item in enumerate(value):
            out += errors(schema.get("items", {}), item, root, f"{where}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{where}: missing {key}")
        for key, item in value.items():
            if "propertyNames" in schema:
                out += errors(schema["propertyNames"], key, root, f"{where}.<{key}>")
            if key in props:
                out += errors(props[key], item, root, f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                out.append(f"{where}: unexpected key {key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                out += errors(schema["additionalProperties"], item, root, f"{where}.{key}")
    return out


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
    assert errors(schema, doc, schema) == []


@pytest.mark.parametrize("name", ["json-semantic.json", "json-no-users.json", "json-not-object.json"])
def test_schema_and_reader_agree_on_bad_documents(name: str) -> None:
    schema = load_schema()
    doc = json.loads((CORPUS / name).read_text())
    assert errors(schema, doc, schema) != []
    assert open_spec(CORPUS / name).validate() != []
