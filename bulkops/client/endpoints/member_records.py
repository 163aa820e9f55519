"""A queue member as the members listing shows it, for member activation (#18): its id, whether
it is joined, and how people know it (the user's email, else its name)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bulkops.client.wire import ShapeError, json_object


@dataclass(frozen=True, slots=True)
class QueueMemberJoined:
    id: str
    joined: bool
    label: str


def queue_member_joined(data: Any) -> QueueMemberJoined:
    """One ``QueueMember`` of ``GET /api/v2/routing/queues/{id}/members``."""
    member = json_object(data, needs=("id",))
    joined = member.get("joined")
    if not isinstance(joined, bool):
        raise ShapeError("queue member without a boolean 'joined'")
    user = member.get("user")
    if not isinstance(user, dict):
        user = {}
    label = user.get("email") or member.get("name") or member["id"]
    return QueueMemberJoined(member["id"], joined, str(label))
