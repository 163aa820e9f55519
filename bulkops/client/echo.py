"""What a write's 2xx must show before it is believed (#25 §2).

A status code alone proves nothing: a proxy, a gateway or a captive portal can answer a write
``200`` with an HTML page, ``{}`` or nothing at all, without the write ever reaching the API.
Each write that the API answers with an entity is checked against that entity: the right object
(its id), showing the values written wherever the API echoes them. A write the API answers with
no content (204) must be exactly that: a body, an HTML content type or a 200 where 204 is the
contract is not an answer. Every check here raises ``ShapeError``, which the client turns into a
retried ``MalformedResponseError`` (then a resumable stop: the user stays in flight and is read
again before anything is recorded). The table of what each write checks is in docs/engine.md.

Pure functions and shape factories, tested directly (tests/client/test_echo.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from bulkops.client.wire import ShapeError, held, is_int, json_object, user_object

Shape = Callable[[Any], Any]

#: Proficiencies are floats on the wire (``3`` may come back as ``3.0``).
_TOLERANCE = 1e-9
#: ``UpdateUser`` fields the ``User`` answer carries under the same name as plain values.
_ECHOED_USER_FIELDS = ("name", "department", "title", "email", "preferredName", "acdAutoAnswer")


def no_content(status: int, body: bytes, content_type: str | None) -> None:
    """A write whose answer is "none" (a DELETE, a division move, a queue member POST): only a
    204 with no body is that answer. A body (HTML, ``{}``), an HTML content type or a 200 with
    nothing in it cannot be told from a proxy's own answer: it is malformed, and retried."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if body:
        raise ShapeError(f"a body ({kind or 'unknown type'}, {len(body)} bytes) where the API answers 204 No Content")
    if kind == "text/html":
        raise ShapeError("an HTML answer where the API answers 204 No Content")
    if status != 204:
        raise ShapeError(f"HTTP {status} with no body where the API answers 204 No Content")


def same_number(a: Any, b: Any) -> bool:
    """Numbers equal as the wire writes them (``3`` and ``3.0`` alike); booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), abs_tol=_TOLERANCE)
    return False


def _same(sent: Any, answered: Any) -> bool:
    """Equal as written: numbers as numbers, but ``True`` is not ``1``."""
    if isinstance(sent, (bool, int, float)) or isinstance(answered, (bool, int, float)):
        return same_number(sent, answered)
    return bool(sent == answered)


def _ref_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def user_echo(user_id: str, body: Mapping[str, Any]) -> Shape:
    """``PATCH /api/v2/users/{id}`` answers the ``User``: this user, a version past the one sent,
    and every plain field written (and the manager's id) as written."""

    def check(data: Any) -> dict[str, Any]:
        user = user_object(data)
        if user["id"] != user_id:
            raise ShapeError(f"answer is user {user['id']!r}, not {user_id!r}")
        sent = body.get("version")
        if is_int(sent) and user["version"] <= sent:
            raise ShapeError(f"user version {user['version']} is not past the version written ({sent})")
        if "state" in body:  # with a state, the API changes nothing else
            if user.get("state") != body["state"]:
                raise ShapeError(f"user 'state' is {user.get('state')!r}, not the {body['state']!r} written")
            return user
        for key in _ECHOED_USER_FIELDS:
            if key in body and not _same(body[key], user.get(key)):
                raise ShapeError(f"user {key!r} is {user.get(key)!r}, not the {body[key]!r} written")
        if "manager" in body and _ref_id(body["manager"]) != _ref_id(user.get("manager")):
            raise ShapeError("user 'manager' is not the manager written")
        return user

    return check


def assignments_echo(written: Mapping[str, float], *, kind: str = "skill") -> Shape:
    """A bulk skills (PATCH, PUT) or languages (PATCH) write answers the user's listing: every
    entry written must be in it, active, at the proficiency written."""

    def check(data: Any) -> dict[str, float]:
        if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
            raise ShapeError(f"expected the user's {kind} listing")
        entries = data["entities"]
        if not all(isinstance(e, dict) and isinstance(e.get("id"), str) for e in entries):
            raise ShapeError(f"{kind} listing entry that is not an object with a string 'id'")
        listed = held(entries)
        for eid, level in written.items():
            if eid not in listed:
                raise ShapeError(f"{kind} {eid} written but not in the answer")
            if not same_number(listed[eid], level):
                raise ShapeError(f"{kind} {eid} answered at {listed[eid]}, not the {level} written")
        return listed

    return check


def named_echo(name: str, *, entity_id: str | None = None) -> Shape:
    """A create (skill, utilization label) or a rename answers the entity: an id (the one named,
    for a rename) and the name written."""

    def check(data: Any) -> dict[str, Any]:
        obj = json_object(data, needs=("id", "name"))
        if entity_id is not None and obj["id"] != entity_id:
            raise ShapeError(f"answer is {obj['id']!r}, not {entity_id!r}")
        if obj["name"] != name:
            raise ShapeError(f"answer is named {obj['name']!r}, not the {name!r} written")
        return obj

    return check


def differences(sent: Any, answered: Any, path: str = "") -> list[str]:
    """Where ``answered`` shows a value other than ``sent``: objects compared key by key (a key
    the answer leaves out is not compared: the API may not echo it), scalars as values (numbers
    numerically). Lists are not compared: the API may reorder or enrich them."""
    if isinstance(sent, dict):
        if not isinstance(answered, dict):
            return [path or "(answer)"]
        return [d for k, v in sent.items() if k in answered for d in differences(v, answered[k], f"{path}.{k}" if path else k)]
    if isinstance(sent, list) or answered is None:
        return []
    return [] if _same(sent, answered) else [path]


def whole_echo(entity_id: str, body: Mapping[str, Any], decode: Shape) -> Shape:
    """A PUT of a whole object (a queue) answers the object: this one, with what was written
    wherever the answer carries it; then ``decode`` makes the record."""

    def check(data: Any) -> Any:
        obj = json_object(data)
        if obj["id"] != entity_id:
            raise ShapeError(f"answer is {obj['id']!r}, not {entity_id!r}")
        wrong = differences(dict(body), obj)
        if wrong:
            raise ShapeError(f"answer does not show what was written at {', '.join(sorted(wrong)[:5])}")
        return decode(data)

    return check
