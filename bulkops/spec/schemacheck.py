"""Structural checks of JSON specs, with the shipped JSON Schema as the only rulebook.

Every type, required key, unknown key, range and non-empty rule lives in
``schema/jobspec-v1.schema.json`` and ``schema/jobspec-v2.schema.json`` (version 1 plus a
``skills`` section of skill definitions); this module runs those files (with the jsonschema
validator for the draft they declare) and words each error the way the bad-input corpus
pins it, from where the error is (its ``absolute_path``) and which keyword failed.
What a schema cannot say -- keys repeated in the raw text, names repeated
case-insensitively, NaN, lone surrogates, a mode that contradicts the requested one,
anything about the org, which keys go with which skill action, and anything across
skill entries -- stays in code (jsonspec, validate, resolve, definitions).

Validators are compiled once, at import, with the file's refs inlined. jsonschema walks
about 3 ms through a user
with 50 skills, so each user object is first offered to ``plain_user``: a screen that
accepts only objects the schema certainly accepts (it is stricter than the schema and
never words a problem). A user it does not accept is validated on the parts it could
not vouch for (``_suspects``), which find the same errors at the same paths.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import ValidationError  # type: ignore[import-untyped]
from jsonschema.validators import validator_for  # type: ignore[import-untyped]

from bulkops.spec.cells import CellError, check_proficiency, did_you_mean

Path = tuple[Any, ...]
#: A problem inside one JSON value before it is located: (path, "key"|"value", message).
Issue = tuple[Path, str, str]


def _load(name: str) -> dict[str, Any]:
    return json.loads(resources.files("bulkops.spec").joinpath(f"schema/{name}").read_text("utf-8"))  # type: ignore[no-any-return]


SCHEMA: dict[str, Any] = _load("jobspec-v1.schema.json")
#: Version 2: version 1's users (the same ``user`` definition) plus the ``skills`` section.
SCHEMA_V2: dict[str, Any] = _load("jobspec-v2.schema.json")
_TOP = SCHEMA["properties"]
_TOP_V2 = SCHEMA_V2["properties"]
_USER = SCHEMA["$defs"]["user"]["properties"]

TOP_KEYS: tuple[str, ...] = tuple(_TOP)
TOP_KEYS_V2: tuple[str, ...] = tuple(_TOP_V2)
#: The JSON Lines header holds the document's keys except the users themselves (and, in
#: either version, no skill definitions: JSON Lines carries users only).
HEADER_KEYS: tuple[str, ...] = tuple(k for k in TOP_KEYS if k != "users")
USER_KEYS: tuple[str, ...] = tuple(_USER)
MODES: tuple[str, ...] = tuple(_TOP["mode"]["enum"])
VERSION: int = _TOP["version"]["const"]
VERSIONS: tuple[int, ...] = (VERSION, _TOP_V2["version"]["const"])
_READS = f"this bulkops reads versions {' and '.join(map(str, VERSIONS))}"


def _keys_of(definition: str) -> frozenset[str]:
    return frozenset(k for k, v in _USER.items() if v.get("$ref") == f"#/$defs/{definition}")


LEVEL_KEYS = _keys_of("levels")
NAME_LIST_KEYS = _keys_of("names")
TEXT_KEYS = _keys_of("text")


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with each ``#/$defs/...`` ref replaced by what it names in ``defs`` (the files
    have no cycles). jsonschema resolves a ref on every visit; inlined, a user walks ~2.5x faster."""
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _inline(v, defs) for k, v in node.items() if k not in ("$ref", "$defs")}
    if "$ref" in node:
        target = _inline(defs[node["$ref"].removeprefix("#/$defs/")], defs)
        clash = (out.keys() & target.keys()) - {"description"}  # annotations may be merged
        out = {**out, "allOf": [target]} if clash else {**target, **out}
    return out


def compile_schema(schema: dict[str, Any], root: dict[str, Any] = SCHEMA) -> Any:
    """A validator, of the draft ``root`` declares, for ``schema`` with its refs to ``root``'s defs inlined."""
    return validator_for(root)(_inline(schema, root["$defs"]))


#: The document with its users left out: each user is validated on its own (``_USER_VALIDATOR``),
#: so its problems are located from that user's start and a huge document is not walked twice.
def _without_items(top: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {**top, **{k: {p: v for p, v in top[k].items() if p != "items"} for k in keys}}


_DOC_VALIDATOR = compile_schema({**SCHEMA, "properties": _without_items(_TOP, "users")})


#: Version 2 documents: each entry of an array section is validated on its own by its kind (``kinds/<kind>/``).
#: A document of a version this bulkops does not read is held to the newest one's keys.
@cache
def _doc_v2_validator() -> Any:
    """Version 2 documents, each entry of an array section validated on its own (by its kind), an
    object section checked for its shape here (its inside by its kind)."""
    arrays, objects = _sections("array"), _sections("object")
    properties = {**_without_items(_TOP_V2, "users", *arrays), **{k: {"type": "object"} for k in objects}}
    return compile_schema({**SCHEMA_V2, "properties": properties}, SCHEMA_V2)


def _sections(shape: str) -> tuple[str, ...]:
    """The JSON keys of the registry's kinds' sections of ``shape``, in its order."""
    from bulkops.kinds.registry import KINDS  # the kinds' readers use this module: imported when checked

    return tuple(f.section for f in KINDS if f.section and f.shape == shape)


def _needs_v2() -> dict[str, str]:
    """Why a version 1 document cannot carry each kind's section, by its JSON key."""
    from bulkops.kinds.registry import KINDS

    return {f.section: f.needs_v2 for f in KINDS if f.section}


def _nothing_to_do() -> str:
    """Every section a version 2 document may carry, in words (``"users", "skills", ... and "utilizationDefault"``)."""
    keys = [f'"{k}"' for k in ("users", *_sections("array"), *_sections("object"))]
    return f"nothing to do: {', '.join(keys[:-1])} and {keys[-1]} are all empty or missing"


#: A JSON Lines header may say version 1 or 2 (its lines are users either way).
_HEADER_VALIDATOR = compile_schema({**SCHEMA, "required": [], "properties": {**{k: _TOP[k] for k in HEADER_KEYS}, "version": {"enum": list(VERSIONS)}}})
_USER_VALIDATOR = compile_schema({"$schema": SCHEMA["$schema"], "$ref": "#/$defs/user"})

_MISSING = {
    "user": "missing key 'user' (an email, username or user id)",
    "version": f'missing "version": {VERSION}',
    "users": 'missing "users": an array of user objects',
}


def typename(v: Any) -> str:
    """The JSON name of a value's type, for messages."""
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(v), "a number" if isinstance(v, (int, float)) else type(v).__name__
    )


def as_float(number: int | float) -> float:
    """The number as a float; an integer too large for one is infinite (so out of range)."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def proficiency_problem(number: int | float) -> str | None:
    """Why a JSON number is not a proficiency (NaN, which no schema can reject, included)."""
    try:
        check_proficiency(as_float(number))
    except CellError as e:
        return str(e)
    return None


# ---------------------------------------------------------------- the screen


def _is_name(v: Any) -> bool:
    return type(v) is str and bool(v) and not v.isspace()


def plain_levels(v: dict[str, Any]) -> bool:
    """Clean names, plain numbers in range, no repeats (even case-insensitively)."""
    if not v or type(v) is not dict:
        return type(v) is dict
    vals = v.values()
    types = set(map(type, vals))
    if not types <= _NUMBER_TYPES or min(vals) < 0 or max(vals) > 5:
        return False
    if float in types and not all(map(math.isfinite, vals)):
        return False
    names = list(v)
    if list(map(str.strip, names)) != names:
        return False
    folded = set(map(str.casefold, names))
    return len(folded) == len(v) and "" not in folded


_NUMBER_TYPES = {int, float}


def _plain_value(key: str, v: Any) -> bool:
    """The value under a known user key is one the schema certainly accepts."""
    if key in LEVEL_KEYS:
        return plain_levels(v)
    if key in NAME_LIST_KEYS:
        return type(v) is list and all(map(_is_name, v))
    return (v is None and key != "user") or _is_name(v)


def _plain_entry(name: Any, level: Any) -> bool:
    return _is_name(name) and type(level) in _NUMBER_TYPES and 0 <= level <= 5


def plain_user(obj: Any) -> bool:
    """True only for a user object the schema certainly accepts and code has nothing
    against: the common case, decided without walking the schema."""
    if type(obj) is not dict or "user" not in obj or not _USER.keys() >= obj.keys():
        return False
    return all(_plain_value(key, v) for key, v in obj.items())


def _suspects(obj: Any) -> Any:
    """The parts of a user object the screen cannot vouch for, at their own paths.

    The user schema checks each key on its own (and each entry of a levels object on
    its own), so validating only these finds exactly the errors in the whole object:
    one bad skill among 50 costs a walk over one entry, not fifty."""
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    for key, v in obj.items():
        if key in LEVEL_KEYS and isinstance(v, dict):
            entries = {name: level for name, level in v.items() if not _plain_entry(name, level)}
            if entries:
                out[key] = entries
        elif key == "user" or key not in _USER or not _plain_value(key, v):
            out[key] = v
    return out


# ---------------------------------------------------------------- wording the schema's errors


def issues_of(validator: Any, value: Any, word: Callable[[ValidationError], Iterator[Issue]]) -> list[Issue]:
    out: dict[Issue, None] = {}  # two keywords may fail at one place for one reason ("" is too short and blank)
    for error in validator.iter_errors(value):
        out.update(dict.fromkeys(word(error)))
    return list(out)


def _unknown_keys(error: ValidationError, what: str, allowed: tuple[str, ...]) -> Iterator[Issue]:
    known = error.schema.get("properties", {})
    for k in error.instance:
        if k not in known:
            yield (k,), "key", f"unknown {what} {k!r}{_hint(k, what, allowed)}"


def _hint(key: str, what: str, allowed: tuple[str, ...]) -> str:
    """Why a key that another form takes is not taken here, or a did-you-mean."""
    needs = _needs_v2().get(key) if what == "top-level key" else None
    if needs:
        return f': {needs} "version": 2'
    if key == "skills" and what == "header key":
        return ": JSON Lines carries users only; put skill definitions in a JSON document (version 2) or a CSV"
    return did_you_mean(key, allowed)


def _missing_keys(error: ValidationError) -> Iterator[Issue]:
    for k in error.validator_value:
        if k not in error.instance:
            yield (), "value", _MISSING.get(k, f"missing key {k!r}")


def _top_issue(error: ValidationError, what: str, allowed: tuple[str, ...]) -> Iterator[Issue]:
    """Errors in the document (``what`` "top-level key") or the JSON Lines header ("header key")."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        yield from _unknown_keys(error, what, allowed)
    elif error.validator == "required":
        yield from _missing_keys(error)
    elif not path and error.validator == "anyOf":  # version 2: users, skills, queues, labels or several
        yield (), "value", _nothing_to_do()
    elif not path:
        yield (), "value", f"the spec must be a JSON object, got {typename(error.instance)}"
    elif path == ("version",):
        yield path, "value", f"unsupported version {error.instance!r}; {_READS}"
    elif path == ("mode",):
        yield path, "value", f'\'mode\' must be "merge" or "replace", got {error.instance!r}'
    elif path == ("users",) and error.validator == "minItems":
        yield path, "value", '"users" is empty: nothing to do'
    elif path[0] in _sections("object"):
        yield path, "value", f"{path[0]!r} must be an object, got {typename(error.instance)}"
    elif path[0] in ("users", *_sections("array")):
        yield path, "value", f"{path[0]!r} must be an array, got {typename(error.instance)}"
    else:
        yield path, "value", f"{path[0]!r} must be a string, got {typename(error.instance)}"


def _user_issue(error: ValidationError) -> Iterator[Issue]:
    """Errors in one user object, worded by the key they are under."""
    path = tuple(error.absolute_path)
    if not path:
        if error.validator == "additionalProperties":
            yield from _unknown_keys(error, "key", USER_KEYS)
        elif error.validator == "required":
            yield from _missing_keys(error)
        else:
            yield (), "value", f"each user must be a JSON object, got {typename(error.instance)}"
        return
    key = path[0]
    if key in LEVEL_KEYS:
        yield _level_issue(error, key, path)
    elif key in NAME_LIST_KEYS and len(path) > 1:
        yield path, "value", f"{key}[{path[1]}] must be a non-empty string"
    elif key in NAME_LIST_KEYS:
        yield path, "value", f"{key!r} must be an array of names, got {typename(error.instance)}"
    else:
        yield path, "value", f"{key!r} must be a non-empty string (omit it or use null to leave it alone)"


def _level_issue(error: ValidationError, key: str, path: Path) -> Issue:
    if "propertyNames" in error.schema_path:  # the name itself (the instance) is wrong
        return (key, error.instance), "key", f"empty name in {key!r}"
    if len(path) == 1:
        return path, "value", f"{key!r} must be an object of name: proficiency, got {typename(error.instance)}"
    name = path[1]
    if error.validator == "type":
        return path, "value", f"{key}[{name!r}]: proficiency must be a number 0-5, got {typename(error.instance)}"
    return path, "value", f"{key}[{name!r}]: {proficiency_problem(error.instance)}"


def repeated_keys(obj: Any, path: Path) -> list[Issue]:
    """Keys written twice in the raw text, at any depth of the entry."""
    if not isinstance(obj, dict):
        return []
    out: list[Issue] = [(path + (k,), "key", f"key {k!r} appears more than once") for k in getattr(obj, "dups", ())]
    for k, v in obj.items():
        out += repeated_keys(v, path + (k,))
    return out


def document_version(doc: Any) -> int:
    """The version a document is read as: 1 when it says 1, else the newest (a document of
    another version is reported as such and held to the newest version's keys)."""
    v = doc.get("version") if isinstance(doc, dict) else None
    return VERSION if (v == VERSION and type(v) is not bool) else VERSIONS[-1]


def document_issues(doc: Any) -> list[Issue]:
    """Problems with a whole document's own keys (its users and skill entries are checked one by one)."""
    if document_version(doc) == VERSION:
        return issues_of(_DOC_VALIDATOR, doc, lambda e: _top_issue(e, "top-level key", TOP_KEYS))
    return issues_of(_doc_v2_validator(), doc, lambda e: _top_issue(e, "top-level key", TOP_KEYS_V2))


def header_issues(header: dict[str, Any]) -> list[Issue]:
    """Problems with a JSON Lines header line."""
    return issues_of(_HEADER_VALIDATOR, header, lambda e: _top_issue(e, "header key", HEADER_KEYS))


def user_issues(obj: Any) -> list[Issue]:
    """Problems the schema finds in one user object (screen it with ``plain_user`` first)."""
    return issues_of(_USER_VALIDATOR, _suspects(obj), _user_issue)


# ---------------------------------------------------------------- queue entries (version 2)


def dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)


def unknown_entry_keys(error: ValidationError, path: Path, inst: dict[str, Any], section: str) -> Iterator[Issue]:
    """Each key an entry of ``section`` (or an object inside it) does not know, with a suggestion."""
    known = error.schema.get("properties", {})
    for k in inst:
        if k not in known:
            where = f" in {dotted(path)!r}" if path else f" in a {section} entry"
            yield path + (k,), "key", f"unknown key {k!r}{where}{did_you_mean(k, tuple(known))}"
