"""Set-up for a spec's ``utilization`` section (#19): resolve the users and the labels it names.

The users are resolved with one read of their own (ids 100 a request by ``GET /api/v2/users?id=``,
emails and usernames 100 a request by ``POST /api/v2/users/search``) rather than joined to the
spec's named users: those become user intents the users' pipeline diffs and writes, and a user the
job only gives a capacity has no such change. Labels must be in the org or created by the same job
(their ids are found by the kind when it runs, after the creates).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.utilization import list_labels
from bulkops.client.requestkind import RESOLUTION, request_kind
from bulkops.engine.setup.userread import find_users
from bulkops.kinds.labels.intent import LabelIntent, label_key
from bulkops.kinds.utilization.intent import UserUtilizationIntent, UserUtilizationItem
from bulkops.spec.cells import did_you_mean, fold
from bulkops.spec.validate import At, Problems


@dataclass(slots=True)
class UtilizationSetup:
    items: list[UserUtilizationItem] = field(default_factory=list)


async def resolve_utilization(client: GenesysClient, intents: list[UserUtilizationIntent], labels: list[LabelIntent], problems: Problems) -> UtilizationSetup:
    setup = UtilizationSetup()
    if not intents:
        return setup
    with request_kind(RESOLUTION):
        found = await find_users(client, [i.user for i in intents])
        org_labels = {label_key(x.name): x.name for x in await list_labels(client)} if any(i.labels for i in intents) else {}
    created = {label_key(x.name): x.name for x in labels if x.op == "create"}
    deleted = {label_key(x.name) for x in labels if x.op == "delete"}
    known = {**org_labels, **created}
    seen: dict[str, int] = {}
    for i in intents:
        hit = found.get(fold(i.user))
        if hit is None:
            problems.add(At(i.line, 1), f"user {i.user!r} is not an active user in the org")
            continue
        bad = entry_label_problems(i, known, deleted)
        for message in bad:
            problems.add(At(i.line, 1), message)
        if hit[0] in seen:
            problems.add(At(i.line, 1), f"user {i.user!r} is the user of the utilization entry on line {seen[hit[0]]}: one entry per user")
            continue
        seen[hit[0]] = i.line
        if not bad:
            setup.items.append(UserUtilizationItem(hit[0], hit[1], i.media, i.labels, i.inherit, i.line, i.whole))
    return setup


def entry_label_problems(i: UserUtilizationIntent, known: Mapping[str, str], deleted: set[str]) -> list[str]:
    """Each label an entry names (or lets interrupt) that the job deletes or that is neither in the
    org nor created by the job (``known``, by folded name), in name order."""
    names = set(i.labels) | {n for x in i.labels.values() for n in x.interrupting_labels}
    out: list[str] = []
    for n in sorted(n for n in names if label_key(n) not in known or label_key(n) in deleted):
        why = "is deleted by this job" if label_key(n) in deleted else f"is not in the org{did_you_mean(n, list(known.values()))}"
        out.append(f"utilization label {n!r} {why}")
    return out
