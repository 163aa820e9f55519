"""What the org holds now for a reconciliation entry's user (``reconcile show``): reads only.

One user read (skills and languages expanded: their answers carry the names), its manager
read for a name, and the members of each queue the entry's intent names. The answer is kept
beside the queue (``report.settle.NOW_FILE``) so the report shows it with when it was read.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.wire import user_state
from bulkops.errors import ApiError
from bulkops.report.settle import OrgNow
from bulkops.state.codec import state_to_dict


async def read_org_now(client: GenesysClient, user_id: str, intent: Mapping[str, Any] | None, *, also_name: Iterable[str] = ()) -> OrgNow:
    """The user as the org holds it now; an OrgNow with ``error`` when it cannot be read.
    ``also_name``: other users to name (the manager the job last saw), one read each."""
    try:
        user = (await client.get_user(user_id)).data
    except ApiError as exc:
        named = await _users_named(client, also_name)
        return OrgNow({}, named, read_at=time.time(), error=f"the user could not be read: {exc.status} {exc.code or ''} {exc.message}".strip())
    names = _names_in(user)
    state = state_to_dict(user_state(user))
    names.update(await _users_named(client, [str(state.get("manager") or ""), *also_name]))
    queues = {}
    for key in ("join_queues", "leave_queues"):
        for qid in (intent or {}).get(key) or ():
            queues[qid] = await _is_member(client, qid, user_id)
    return OrgNow(state, names, queues, read_at=time.time())


def _names_in(user: Mapping[str, Any]) -> dict[str, str]:
    """id -> name of the skills, languages and division the user answer carries."""
    names: dict[str, str] = {}
    for kind in ("skills", "languages"):
        for a in user.get(kind) or ():
            if isinstance(a, Mapping) and a.get("id") and a.get("name"):
                names[str(a["id"])] = str(a["name"])
    division = user.get("division")
    if isinstance(division, Mapping) and division.get("id") and division.get("name"):
        names[str(division["id"])] = str(division["name"])
    return names


async def _users_named(client: GenesysClient, user_ids: Iterable[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for uid in sorted(set(user_ids) - {""}):
        names.update(await _user_name(client, uid))
    return names


async def _user_name(client: GenesysClient, user_id: str) -> dict[str, str]:
    try:
        other = (await client.get_user(user_id, expand=())).data
    except ApiError:
        return {}
    label = other.get("email") or other.get("name")
    return {user_id: str(label)} if label else {}


async def _is_member(client: GenesysClient, queue_id: str, user_id: str) -> bool:
    async for page in client.iter_queue_members(queue_id, member_by="user"):
        if any(m.get("id") == user_id for m in page.entities):
            return True
    return False
