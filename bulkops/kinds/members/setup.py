"""Set-up for member activation (#18): resolve the users each queue entry's ``members`` names and
read the queues' direct members, so every listed user is checked against the queue before the run.

Users are resolved with one read of their own, as the utilization section does (ids 100 a
request by ``GET /api/v2/users?id=``, emails and usernames 100 a request by the users search).
Each queue's direct members are listed with their ``joined`` (100 a page): a listed user who is
not a direct member is a problem at the entry's line (the API would drop the pair silently:
"non-member user-queue pairs in the request will be disregarded"), and plan shows who changes.
An entry that lists nobody (``activateAll`` alone) reads only the members it would change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.routing_config import direct_members_joined
from bulkops.engine.setup.userread import find_users
from bulkops.kinds.members.intent import MemberActivationIntent, MembersItem, joined_changes
from bulkops.kinds.queues.select import QueueTarget
from bulkops.spec.cells import fold
from bulkops.spec.validate import At, Problems

#: Users named in a plan line before "... and N more".
SHOWN = 10


@dataclass(slots=True)
class MembersSetup:
    items: list[MembersItem] = field(default_factory=list)
    #: Queue id -> what plan shows of its members: who is activated and deactivated, how many are already so.
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)


async def resolve_members(client: GenesysClient, targets: list[QueueTarget], problems: Problems) -> MembersSetup:
    setup = MembersSetup()
    targets = [t for t in targets if t.intent.members is not None and t.intent.members.names_anything()]
    if not targets:
        return setup
    refs = {r for t in targets if (m := t.intent.members) is not None for r in (*m.activate, *m.deactivate)}
    users = await find_users(client, sorted(refs))
    reported: set[tuple[int, str]] = set()
    for t in targets:
        m = t.intent.members
        assert m is not None
        joined, labels, unknown = wanted_joined(m, users)
        for ref in unknown:
            if (t.intent.line, fold(ref)) not in reported:
                problems.add(At(t.intent.line, 1), f"user {ref!r} is not an active user in the org")
                reported.add((t.intent.line, fold(ref)))
        item = MembersItem(t.queue_id, t.name, joined, m.rest, labels, t.intent.line)
        listed = None if joined else item.read_filter
        read = await direct_members_joined(client, t.queue_id, joined=listed)
        direct = {r.id: r.joined for r in read}
        absent = not_direct(joined, labels, direct, t.name)
        for message in absent:
            problems.add(At(t.intent.line, 1), message)
        if absent:
            continue
        setup.items.append(item)
        setup.lines[t.queue_id] = plan_members(item, direct, {r.id: r.label for r in read}, complete=listed is None)
    return setup


def wanted_joined(m: MemberActivationIntent, users: Mapping[str, tuple[str, str]]) -> tuple[dict[str, bool], dict[str, str], list[str]]:
    """An entry's listed users resolved: user id -> joined wanted, user id -> email, and the refs
    no active user has (in the order written)."""
    joined: dict[str, bool] = {}
    labels: dict[str, str] = {}
    unknown: list[str] = []
    for refs, value in ((m.activate, True), (m.deactivate, False)):
        for ref in refs:
            hit = users.get(fold(ref))
            if hit is None:
                unknown.append(ref)
                continue
            joined[hit[0]], labels[hit[0]] = value, hit[1]
    return joined, labels, unknown


def not_direct(joined: Mapping[str, bool], labels: Mapping[str, str], direct: Mapping[str, bool], queue: str) -> list[str]:
    """A problem for each listed user who is not a direct member of the queue (the API would drop the pair)."""
    return [
        f"user {labels[u]!r} is not a direct member of queue {queue!r}: joined is set for direct members only (add the user to the queue first)"
        for u in joined
        if u not in direct
    ]


def plan_members(item: MembersItem, read: Mapping[str, bool], names: Mapping[str, str], *, complete: bool = True) -> dict[str, Any]:
    """Who the run activates and deactivates (by email, at most ``SHOWN`` each) and how many are
    already so (None when only the members to change were read: ``complete`` False)."""
    changes = joined_changes(read, item)
    said = {u: item.labels.get(u) or names.get(u) or u for u in changes}
    on = sorted(said[u] for u, j in changes.items() if j)
    off = sorted(said[u] for u, j in changes.items() if not j)
    already = sum(1 for u, j in read.items() if item.wants(u) == j) if complete else None
    return {"activate": on[:SHOWN], "activate_count": len(on), "deactivate": off[:SHOWN], "deactivate_count": len(off), "already": already}


def member_requests(line: Mapping[str, Any] | None) -> int:
    """A queue's member activation in a run, from its plan line: the members read (one page a
    hundred, at least one), then one PATCH a hundred changes."""
    if not line:
        return 0
    changes = (line.get("activate_count") or 0) + (line.get("deactivate_count") or 0)
    return max(1, -(-(changes + (line.get("already") or 0)) // 100)) + -(-changes // 100)
