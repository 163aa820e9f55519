"""Set-up for a spec's ``utilizationLabels`` section (#19): resolve it against the org's labels.

One listing of the labels (an org holds at most 100: one request). A create of a label the org
has (names compared ignoring case, as the API compares them) is reported in the plan and stored
as done already, never created twice; the creates that are new are counted against the org's
label limit before the first of them is sent. A delete names a label the org has; while agents'
settings name it (``.../labels/{id}/agents``) it is refused unless the entry says ``force``, and
``plan`` shows who uses it, by email (one read of at most 100 of them by id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.utilization import label_agents, list_labels
from bulkops.client.requestkind import RESOLUTION, request_kind
from bulkops.engine.setup.userread import fetch_by_id
from bulkops.kinds.labels.intent import LABEL_LIMIT, LabelIntent, LabelItem, label_key
from bulkops.kinds.labels.kind import used_by
from bulkops.spec.cells import did_you_mean
from bulkops.spec.validate import At, Problems

#: Users of a deleted label that ``plan`` names by email (the rest are counted).
USERS_SHOWN = 10


@dataclass(slots=True)
class LabelSetup:
    """What set-up made of the labels section; ``plan`` shows ``lines``."""

    items: list[LabelItem] = field(default_factory=list)
    #: One per label, in names: the action, whether it is done already, who uses a deleted label.
    lines: list[dict[str, Any]] = field(default_factory=list)


async def resolve_labels(client: GenesysClient, intents: list[LabelIntent], problems: Problems, *, limit: int | None = None) -> LabelSetup:
    """Resolve every entry against the org's labels; problems go to ``problems``."""
    setup = LabelSetup()
    if not intents:
        return setup
    with request_kind(RESOLUTION):
        existing = await list_labels(client)
        by_name = {label_key(x.name): x for x in existing}
        by_id = {x.id: x for x in existing}
        new: list[LabelIntent] = []
        for i in intents:
            hit = by_name.get(label_key(i.name))
            if i.op == "create":
                if hit is None:
                    new.append(i)
                setup.items.append(LabelItem("create", i.name, hit.id if hit else None, False, i.maximum_capacity, i.line))
                line: dict[str, Any] = {"label": i.name, "line": i.line, "action": "create", "maximum_capacity": i.maximum_capacity}
                if hit is not None:
                    line["exists_already"] = hit.name
                setup.lines.append(line)
                continue
            hit = hit or by_id.get(i.name)
            if hit is None:
                problems.add(At(i.line, 1), f"utilization label {i.name!r} is not in the org{did_you_mean(i.name, [x.name for x in existing])}")
                continue
            agents = await label_agents(client, hit.id)
            shown = await _emails(client, list(agents[:USERS_SHOWN]))
            if agents and not i.force:
                problems.add(At(i.line, 1), used_by(hit.name, shown + list(agents[USERS_SHOWN:])))
                continue
            setup.items.append(LabelItem("delete", hit.name, hit.id, i.force, None, i.line))
            setup.lines.append({"label": hit.name, "line": i.line, "action": "delete", "force": i.force, "agents": len(agents), "used_by": shown})
        cap = LABEL_LIMIT if limit is None else limit
        if new and len(existing) + len(new) > cap:
            problems.add(
                At(new[0].line, 1),
                f"the org holds {len(existing)} utilization label(s) of at most {cap}: the {len(new)} this job creates would pass the limit "
                "(deletes run after every other change, so they free no room for this job's creates)",
            )
    return setup


async def _emails(client: GenesysClient, ids: list[str]) -> list[str]:
    """Each user's email (its id when the user cannot be read), in the order given."""
    if not ids:
        return []
    found = {e.get("id"): e.get("email") or e.get("username") for page in await fetch_by_id(client, ids, state="any", expand=[]) for e in page}
    return [str(found.get(uid) or uid) for uid in ids]
