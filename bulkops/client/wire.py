"""Wire shapes <-> domain objects. Pure, so the mapping is tested without HTTP."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from bulkops.domain.model import UserState


def _ref_id(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def user_state(user: Mapping[str, Any]) -> UserState:
    """A ``User`` (with ``expand=skills,languages``) as the engine sees it.

    Only active skills/languages count as held: the API keeps ``state`` per assignment.
    """
    return UserState(
        id=user["id"],
        version=int(user.get("version") or 0),
        name=user.get("name") or "",
        email=user.get("email") or "",
        username=user.get("username") or "",
        state=user.get("state") or "active",
        department=user.get("department"),
        title=user.get("title"),
        manager=_ref_id(user.get("manager")),
        division=_ref_id(user.get("division")),
        skills={s["id"]: float(s.get("proficiency", 0)) for s in user.get("skills") or () if s.get("state", "active") == "active"},
        languages={
            s["id"]: float(s.get("proficiency", 0)) for s in user.get("languages") or () if s.get("state", "active") == "active"
        },
    )


def skill_posts(skills: Mapping[str, float]) -> list[dict[str, Any]]:
    """``list[UserRoutingSkillPost]`` (languages share the shape)."""
    return [{"id": k, "proficiency": float(v)} for k, v in skills.items()]


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
