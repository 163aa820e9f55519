"""Set-up for a spec's ``utilizationDefault`` (#19): resolve its labels, read the default once for
the plan's before/after; the one item is stored in its phase by ``kinds/folder.store_items``.

Labels must be in the org or created by the same job (their ids are found by the kind when it
runs, after the creates), and not deleted by it. The plan line shows each named media type and
label before and after, in names; what is already so is listed, not written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.utilization import get_org_utilization, list_labels
from bulkops.client.requestkind import RESOLUTION, request_kind
from bulkops.domain.utilization import LabelUtilization, MediaUtilization, Utilization
from bulkops.kinds.labels.intent import LabelIntent, label_key
from bulkops.kinds.orgutil.intent import OrgUtilizationIntent
from bulkops.spec.cells import did_you_mean
from bulkops.spec.validate import At, Problems


@dataclass(slots=True)
class OrgUtilizationSetup:
    item: OrgUtilizationIntent | None = None
    #: What ``plan`` shows: {"line", "changes": [{"setting", "before", "after"}], "already": [...]}; None without the section.
    line: dict[str, Any] | None = None


#: A label as the org has it, by its folded name: (id, name as the org spells it).
OrgLabels = Mapping[str, tuple[str, str]]


async def resolve_org_utilization(
    client: GenesysClient, intent: OrgUtilizationIntent | None, labels: list[LabelIntent], problems: Problems
) -> OrgUtilizationSetup:
    setup = OrgUtilizationSetup()
    if intent is None:
        return setup
    with request_kind(RESOLUTION):
        current = await get_org_utilization(client)
        org_labels = {label_key(x.name): (x.id, x.name) for x in await list_labels(client)} if intent.labels else {}
    found = label_problems(intent, org_labels, labels)
    for message in found:
        problems.add(At(intent.line, 1), message)
    if found:
        return setup
    changes, already = media_changes(intent, current)
    label_changed, label_already = label_changes(intent, current, org_labels)
    setup.item = intent
    # the run reads the default (and the labels, when some are named) just before its PUT
    setup.line = {"line": intent.line, "changes": changes + label_changed, "already": already + label_already, "reads": 2 if intent.labels else 1}
    return setup


def label_problems(intent: OrgUtilizationIntent, org_labels: OrgLabels, labels: list[LabelIntent]) -> list[str]:
    """Each label the section names (as a label or an interrupting one) that the job deletes or that
    neither the org nor the job's creates have, in name order."""
    created = {label_key(x.name): x.name for x in labels if x.op == "create"}
    deleted = {label_key(x.name) for x in labels if x.op == "delete"}
    names = [n for k, (_, n) in org_labels.items() if k not in deleted] + list(created.values())
    written = {label_key(n): n for n in [*intent.labels, *(i for x in intent.labels.values() for i in x.interrupting_labels)]}
    out: list[str] = []
    for folded, name in sorted(written.items()):
        if folded in deleted:
            out.append(f"utilizationDefault: utilization label {name!r} is deleted by this job")
        elif folded not in org_labels and folded not in created:
            out.append(f"utilizationDefault: utilization label {name!r} is not in the org{did_you_mean(name, names)}")
    return out


def media_changes(intent: OrgUtilizationIntent, current: Utilization) -> tuple[list[dict[str, Any]], list[str]]:
    """The plan's lines for the media types: each one's before and after, or listed as already so."""
    changes: list[dict[str, Any]] = []
    already: list[str] = []
    for mt, want in sorted(intent.media.items()):
        before = current.media.get(mt)
        if before == want:
            already.append(mt)
        else:
            changes.append({"setting": mt, "before": _media(before), "after": _media(want)})
    return changes, already


def label_changes(intent: OrgUtilizationIntent, current: Utilization, org_labels: OrgLabels) -> tuple[list[dict[str, Any]], list[str]]:
    """The plan's lines for the labels, in names: each one's before and after, or listed as already so."""
    changes: list[dict[str, Any]] = []
    already: list[str] = []
    id_of = {k: v[0] for k, v in org_labels.items()}
    for name, x in sorted(intent.labels.items()):
        hit = org_labels.get(label_key(name))
        before_label = current.labels.get(hit[0]) if hit else None
        want_ids = frozenset(id_of.get(label_key(i), i) for i in x.interrupting_labels)
        if before_label is not None and before_label == LabelUtilization(x.maximum_capacity, want_ids):
            already.append(f"label {name}")
            continue
        before_names = sorted(current.label_names.get(i, i) for i in before_label.interrupting_label_ids) if before_label else []
        changes.append(
            {
                "setting": f"label {name}",
                "before": {"maximumCapacity": before_label.maximum_capacity, "interruptingLabels": before_names} if before_label else None,
                "after": {"maximumCapacity": x.maximum_capacity, "interruptingLabels": list(x.interrupting_labels)},
            }
        )
    return changes, already


def _media(m: MediaUtilization | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {"maximumCapacity": m.maximum_capacity, "interruptableMediaTypes": sorted(m.interruptable_media_types), "includeNonAcd": m.include_non_acd}
