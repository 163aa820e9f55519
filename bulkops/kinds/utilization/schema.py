"""The schema's wording of one ``utilization`` entry (spec version 2): the entry's shape (unknown,
missing or absent keys, empty label names), else the one value that is wrong, by its last key. The
org default's object (``kinds/orgutil/section.py``) words what is inside it the same way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from jsonschema import ValidationError  # type: ignore[import-untyped]

from bulkops.spec.cells import did_you_mean
from bulkops.spec.schemacheck import SCHEMA_V2, Issue, Path, compile_schema, dotted, issues_of, typename, unknown_entry_keys

_VALIDATOR = compile_schema({"$schema": SCHEMA_V2["$schema"], "$ref": "#/$defs/utilizationEntry"}, SCHEMA_V2)


def utilization_entry_issue(error: ValidationError) -> Iterator[Issue]:
    """Errors in one utilization entry, worded by where they are: the entry's shape, else one value."""
    path = tuple(error.absolute_path)
    inst = error.instance
    shape = list(_utilization_shape_issues(error, path, inst))
    if shape or _is_shape_error(error):
        yield from shape
        return
    if not path:
        yield (), "value", f"each utilization entry must be a JSON object, got {typename(inst)}"
        return
    yield path, "value", utilization_value_message(path, inst)


def _is_shape_error(error: ValidationError) -> bool:
    """An error about the entry's keys (unknown, missing, none, empty names) rather than one value."""
    return error.validator in ("additionalProperties", "required", "minProperties") or "propertyNames" in error.schema_path


def _utilization_shape_issues(error: ValidationError, path: Path, inst: Any) -> Iterator[Issue]:
    """Unknown, missing or absent keys of a utilization entry (or its ``media``), and empty label names."""
    if error.validator == "additionalProperties" and isinstance(inst, dict):
        if path == ("media",):
            known = tuple(error.schema.get("properties", {}))
            yield from (
                (path + (k,), "key", f"unknown media type {k!r}{did_you_mean(k, known)}; media types are {', '.join(known)}") for k in inst if k not in known
            )
            return
        yield from unknown_entry_keys(error, path, inst, "utilization")
    elif error.validator == "required":
        for k in error.validator_value:
            if isinstance(inst, dict) and k not in inst:
                yield path, "value", f"missing key {k!r}" + (f" in {dotted(path)!r}" if path else " (the user's email, username or id)")
    elif error.validator == "minProperties":
        if not path and isinstance(inst, dict) and "user" in inst:
            yield (), "value", 'a utilization entry names nothing: give "media", "labels" or "inherit": true'
        elif path:
            yield path, "value", f"{dotted(path)!r} is empty: name something or leave it out"
    elif "propertyNames" in error.schema_path:
        yield path + (inst,), "key", f"{dotted(path)!r}: a label name cannot be empty"


def utilization_value_message(path: Path, inst: Any) -> str:
    """What is wrong with the value at ``path`` (not empty) of a utilization entry, by its last key."""
    last = path[-1]
    if isinstance(last, int):
        if path[-2] == "interruptableMediaTypes":
            kinds = SCHEMA_V2["$defs"]["mediaUtilization"]["properties"]["interruptableMediaTypes"]["items"]["enum"]
            return f"{dotted(path[:-1])}[{last}] must be one of {', '.join(kinds)}"
        return f"{dotted(path[:-1])}[{last}] must be a label name"
    if last == "maximumCapacity":
        return f"{dotted(path)!r} must be an integer from 0 to 25, got {inst!r}"
    if last == "includeNonAcd":
        return f"{dotted(path)!r} must be true or false, got {typename(inst)}"
    if last in ("inherit", "whole"):
        return f"{last!r} can only be true (leave it out otherwise), got {json.dumps(inst)}"
    if last == "user":
        return "'user' must be an email, username or user id (a non-empty string)"
    kind = "an array" if last in ("interruptableMediaTypes", "interruptingLabels") else "an object"
    return f"{dotted(path)!r} must be {kind}, got {typename(inst)}"


def utilization_entry_issues(obj: Any) -> list[Issue]:
    """Problems the schema finds in one utilization entry."""
    return issues_of(_VALIDATOR, obj, utilization_entry_issue)
