"""The schema's wording of one ``skills`` entry (spec version 2): its action (one per entry), its
keys, proficiencies and the ``levels`` of a migration, each worded by the key it is under."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import ValidationError  # type: ignore[import-untyped]

from bulkops.spec.cells import did_you_mean
from bulkops.spec.schemacheck import SCHEMA_V2, Issue, Path, compile_schema, issues_of, proficiency_problem, typename

_VALIDATOR = compile_schema({"$schema": SCHEMA_V2["$schema"], "$ref": "#/$defs/skillEntry"}, SCHEMA_V2)
_ENTRY = SCHEMA_V2["$defs"]["skillEntry"]["properties"]
#: The keys of one ``skills`` entry; the first four name its action.
ENTRY_KEYS: tuple[str, ...] = tuple(_ENTRY)
ACTION_KEYS: tuple[str, ...] = ("create", "move", "delete", "migrate")

#: ``{"delete": true}`` without migrate: shared with the code rules (CSV says the same).
DELETE_FLAG_ONLY_WITH_MIGRATE = '\'delete\': true goes only with migrate (to delete a skill, write {"delete": "Name"})'
_NO_ACTION = 'missing action: an entry is {"create": ...}, {"move": ...}, {"delete": ...} or {"migrate": ...}'


def entry_actions(obj: dict[str, Any]) -> list[str]:
    """The action keys an entry has, as written (``delete`` as a flag is not one)."""
    return [k for k in obj if k in ACTION_KEYS and not (k == "delete" and isinstance(obj[k], bool))]


def _entry_issue(error: ValidationError) -> Iterator[Issue]:
    """Errors in one skills entry, worded by the key they are under."""
    path = tuple(error.absolute_path)
    inst = error.instance
    if not path:
        if error.validator == "additionalProperties":
            for k in inst:
                if k not in _ENTRY:
                    yield (k,), "key", f"unknown key {k!r} in a skills entry{did_you_mean(k, ENTRY_KEYS)}"
        elif error.validator == "oneOf" and isinstance(inst, dict):
            yield from _action_issue(inst)
        else:
            yield (), "value", f"each skills entry must be a JSON object, got {typename(inst)}"
        return
    key = path[0]
    if key == "levels":
        yield _old_levels_issue(error, path)
    elif key == "proficiency" and error.validator == "type":
        yield path, "value", f"'proficiency' must be a number 0-5, got {typename(inst)}"
    elif key == "proficiency":
        yield path, "value", f"'proficiency': {proficiency_problem(inst)}"
    elif key == "delete":
        got = "an empty name" if isinstance(inst, str) else typename(inst)
        yield path, "value", f"'delete' must be a skill name, or true with migrate; got {got}"
    else:
        what = "a division name or id" if key == "division" else "a skill name or id"
        yield path, "value", f"{key!r} must be {what} (a non-empty string)"


def _action_issue(obj: dict[str, Any]) -> Iterator[Issue]:
    actions = entry_actions(obj)
    if len(actions) > 1:
        hint = " (with migrate, 'delete' is true or false)" if "migrate" in actions and "delete" in actions else ""
        yield (actions[1],), "key", f"one action per entry: this one has {' and '.join(map(repr, actions))}{hint}"
    elif not actions and isinstance(obj.get("delete"), bool):
        yield ("delete",), "key", DELETE_FLAG_ONLY_WITH_MIGRATE
    elif not actions and _ENTRY.keys() >= obj.keys():  # else an unknown key (a misspelt action?) says it
        yield (), "value", _NO_ACTION
    # one action and still refused: the action's own value is wrong, which its own error says


def _old_levels_issue(error: ValidationError, path: Path) -> Issue:
    if "propertyNames" in error.schema_path:  # the key (an old proficiency) is wrong
        return ("levels", error.instance), "key", f"levels: {error.instance!r} is not a proficiency 0-5 (the level a holder has now)"
    if len(path) == 1:
        return path, "value", f"'levels' must be an object of old proficiency: new proficiency, got {typename(error.instance)}"
    if error.validator == "type":
        return path, "value", f"levels[{path[1]!r}]: proficiency must be a number 0-5, got {typename(error.instance)}"
    return path, "value", f"levels[{path[1]!r}]: {proficiency_problem(error.instance)}"


def entry_issues(obj: Any) -> list[Issue]:
    """Problems the schema finds in one skills entry."""
    return issues_of(_VALIDATOR, obj, _entry_issue)
