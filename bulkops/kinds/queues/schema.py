"""The schema's wording of one ``queues`` entry (spec version 2), by where the error is: unknown or
missing keys, empty objects, ring numbers, and each setting's allowed values in words."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import ValidationError  # type: ignore[import-untyped]

from bulkops.spec.schemacheck import SCHEMA_V2, Issue, compile_schema, dotted, issues_of, typename, unknown_entry_keys

_VALIDATOR = compile_schema({"$schema": SCHEMA_V2["$schema"], "$ref": "#/$defs/queueEntry"}, SCHEMA_V2)

_QUEUE_WHAT = {
    "queue": "a queue name or id (a non-empty string)",
    "namePattern": "a queue name pattern ('*' any run of characters; a non-empty string)",
    "division": "a division name or id (a non-empty string)",
    "skillEvaluationMethod": "one of NONE, BEST, ALL",
    "wrapupPrompt": "one of MANDATORY, OPTIONAL, MANDATORY_TIMEOUT, MANDATORY_FORCED_TIMEOUT, AGENT_REQUESTED",
    "timeoutMs": "an integer from 1000 to 3600000 (milliseconds)",
    "alertingTimeoutSeconds": "an integer from 7 to 86400 (seconds)",
    "percentage": "a number from 0 to 1",
    "durationMs": "an integer from 1000 to 604800000 (milliseconds)",
    "timeoutSeconds": "a number from 0 to 259200 (seconds)",
}


def _queue_entry_issue(error: ValidationError) -> Iterator[Issue]:
    """Errors in one queues entry, worded by where they are."""
    path = tuple(error.absolute_path)
    inst = error.instance
    if error.validator == "additionalProperties" and isinstance(inst, dict):
        yield from unknown_entry_keys(error, path, inst, "queues")
        return
    if error.validator in ("required", "anyOf") and not path:
        yield (), "value", "missing key 'queue' (the queue's name or id) or 'queues' (a namePattern and/or a division)"
        return
    if error.validator == "minProperties":
        if not path and isinstance(inst, dict) and "queue" not in inst and "queues" not in inst:
            return  # the missing queue says it
        if not path:
            yield (), "value", "a queues entry names no setting: nothing to do for this queue"
        else:
            yield path, "value", f"{dotted(path)!r} is empty: name a setting or leave it out"
        return
    if error.validator == "propertyNames" or "propertyNames" in error.schema_path:
        yield path + (inst,), "key", f"rings: {inst!r} is not a ring number 1-6"
        return
    if not path:
        yield (), "value", f"each queues entry must be a JSON object, got {typename(inst)}"
        return
    last = path[-1]
    if isinstance(last, int) and len(path) >= 2:
        yield path, "value", f"{dotted(path[:-1])}[{last}] must be a non-empty string"
        return
    if last in ("activateAll", "deactivateAll"):
        yield path, "value", f"{last!r} can only be true (leave it out otherwise), got {inst!r}"
        return
    what = _QUEUE_WHAT.get(str(last))
    if what is None:
        kind = "an array of names" if last in ("addWrapupCodes", "removeWrapupCodes", "skillsToRemove", "activate", "deactivate") else "an object"
        yield path, "value", f"{dotted(path)!r} must be {kind}, got {typename(inst)}"
    else:
        yield path, "value", f"{dotted(path)!r} must be {what}, got {inst!r}"


def queue_entry_issues(obj: Any) -> list[Issue]:
    """Problems the schema finds in one queues entry."""
    return issues_of(_VALIDATOR, obj, _queue_entry_issue)
