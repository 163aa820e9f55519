"""The ``utilizationDefault`` object of a version 2 JSON document -> an ``OrgUtilizationIntent``,
worded as the schema and the user's utilization entry word things (``kinds/utilization/entry.py`` reads the
media types and labels by the same rules)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from jsonschema import ValidationError  # type: ignore[import-untyped]

from bulkops.kinds.orgutil.intent import OrgUtilizationIntent
from bulkops.kinds.utilization.entry import media_and_labels
from bulkops.kinds.utilization.schema import utilization_entry_issue
from bulkops.spec.cells import did_you_mean
from bulkops.spec.schemacheck import SCHEMA_V2, Issue, compile_schema, issues_of, repeated_keys

if TYPE_CHECKING:
    from bulkops.spec.jsonspec import JsonSection

_VALIDATOR = compile_schema({"$schema": SCHEMA_V2["$schema"], "$ref": "#/$defs/utilizationDefault"}, SCHEMA_V2)


def _default_issue(error: ValidationError) -> Iterator[Issue]:
    """Errors in the ``utilizationDefault`` object: its own keys here, what is inside worded as in a user's entry."""
    path, inst = tuple(error.absolute_path), error.instance
    if not path and error.validator == "additionalProperties" and isinstance(inst, dict):
        known = tuple(error.schema.get("properties", {}))
        yield from (((k,), "key", f"unknown key {k!r} in 'utilizationDefault'{did_you_mean(k, known)}") for k in inst if k not in known)
    elif not path and error.validator == "minProperties":
        yield (), "value", '\'utilizationDefault\' names nothing: give "media" or "labels" (or leave it out)'
    else:
        yield from utilization_entry_issue(error)


def utilization_default_issues(obj: Any) -> list[Issue]:
    """Problems the schema finds in the ``utilizationDefault`` object."""
    return issues_of(_VALIDATOR, obj, _default_issue)


def read_default_entry(obj: Any, line: int) -> tuple[OrgUtilizationIntent | None, list[Issue]]:
    """Validate the ``utilizationDefault`` object; the intent is None when it cannot be used."""
    issues = utilization_default_issues(obj)
    if not isinstance(obj, dict):
        return None, issues
    issues += repeated_keys(obj, ())
    if issues:
        return None, issues
    media, labels = media_and_labels(obj, issues)
    if issues:
        return None, issues
    return OrgUtilizationIntent(media, labels, line), []


def read_json(section: JsonSection) -> OrgUtilizationIntent | None:
    """The version 2 ``utilizationDefault`` object, its problems reported where they are."""
    intent, issues = read_default_entry(section.value, section.line())
    section.report(section.start, issues)
    return intent
