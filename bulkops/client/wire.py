"""Wire shapes <-> domain objects, and the shape checks on what the API answers.

Pure, so the mapping and the checks are tested without HTTP."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from bulkops.domain.model import UserState, new_state


def _ref_id(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value or None


_NO_QUEUES: frozenset[str] = frozenset()  # the listing does not show membership
#: ``UserState.unknown`` by which expansions the listing left out (keys: skills there, languages there).
_UNKNOWN: dict[tuple[bool, bool], frozenset[str]] = {
    (True, True): frozenset(),
    (False, True): frozenset({"skills"}),
    (True, False): frozenset({"languages"}),
    (False, False): frozenset({"skills", "languages"}),
}


def user_state(user: Mapping[str, Any]) -> UserState:
    """A ``User`` (with ``expand=skills,languages``) as the engine sees it.

    Only active skills/languages count as held: the API keeps ``state`` per assignment. Hot (one
    call a listed user): one ``get`` a field, the fields in ``UserState``'s order."""
    get = user.get
    skills, languages = get("skills"), get("languages")
    return new_state(
        user["id"],
        int(get("version") or 0),
        get("name") or "",
        get("email") or "",
        get("username") or "",
        get("state") or "active",
        get("department"),
        get("title"),
        _ref_id(get("manager")),
        _ref_id(get("division")),
        held(skills) if skills else {},
        held(languages) if languages else {},
        _NO_QUEUES,
        _UNKNOWN[("skills" in user, "languages" in user)],
    )


def queue_member_count(queue: Any) -> int:
    """A ``Queue``'s direct members as it counts them (``userMemberCount``, else ``memberCount``; 0 when neither)."""
    if isinstance(queue, Mapping):
        for key in ("userMemberCount", "memberCount"):
            if is_int(queue.get(key)):
                return int(queue[key])
    return 0


def held(assignments: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """id -> proficiency of the active assignments (skills or languages; the API keeps ``state`` per assignment)."""
    return {s["id"]: float(s.get("proficiency", 0)) for s in assignments if s.get("state", "active") == "active"}


def skill_posts(skills: Mapping[str, float]) -> list[dict[str, Any]]:
    """``list[UserRoutingSkillPost]`` (languages share the shape)."""
    return [{"id": k, "proficiency": float(v)} for k, v in skills.items()]


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- answers the client reads: decoded and shape-checked, or a ShapeError ------------------


class ShapeError(ValueError):
    """A 2xx body that is not what the contract documents; the client makes it a MalformedResponseError."""


def decode(body: bytes, content_type: str | None = None) -> Any:
    """The JSON in ``body``; an empty, truncated or non-JSON (HTML) body is a ShapeError, never a traceback."""
    if not body:
        raise ShapeError("empty body")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        kind = (content_type or "unknown type").split(";")[0]
        raise ShapeError(f"body is not JSON ({kind}, {len(body)} bytes)") from None


def json_object(data: Any, *, needs: Iterable[str] = ("id",)) -> dict[str, Any]:
    """A single entity: a JSON object whose ``needs`` keys are present (ids as non-empty strings)."""
    if not isinstance(data, dict):
        raise ShapeError(f"expected a JSON object, got {_kind(data)}")
    for key in needs:
        if data.get(key) in (None, ""):
            raise ShapeError(f"object without {key!r}")
    if "id" in needs and not isinstance(data["id"], str):
        raise ShapeError("object whose 'id' is not a string")
    return data


def user_object(data: Any) -> dict[str, Any]:
    """A ``User``: the engine writes back with its ``version``, so both id and an integer version are needed."""
    user = json_object(data, needs=("id",))
    if not is_int(user.get("version")):
        raise ShapeError("user without an integer 'version'")
    return user


def entity_list(data: Any) -> list[dict[str, Any]]:
    """A listing's ``entities``: present, a list, every item an object with a string id."""
    if not isinstance(data, dict):
        raise ShapeError(f"expected a listing object, got {_kind(data)}")
    entities = data.get("entities")
    if not isinstance(entities, list):
        raise ShapeError("listing without an 'entities' list")
    for entity in entities:
        if not isinstance(entity, dict) or not isinstance(entity.get("id"), str):
            raise ShapeError("listing entity that is not an object with a string 'id'")
    return entities


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(data: Any) -> str:
    return "null" if data is None else type(data).__name__
