"""Utilization labels as every stage reads them (``kinds/folder.KindFolder``): the ``utilizationLabels``
section, the set-up, the plan lines in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bulkops.kinds.base import AnyKind
from bulkops.kinds.folder import Counted, KindFolder, SetupContext, plural
from bulkops.kinds.labels.intent import LabelIntent
from bulkops.kinds.labels.kind import UtilizationLabelsKind
from bulkops.kinds.labels.plan import describe_label_line, label_requests
from bulkops.kinds.labels.section import read_json
from bulkops.kinds.labels.setup import LabelSetup, resolve_labels

if TYPE_CHECKING:
    from bulkops.engine.setup.job import ResolvedSpec
    from bulkops.spec.jsonspec import JsonSection

NAME = "label"


def labels_of(sections: Mapping[str, Any]) -> list[LabelIntent]:
    """The spec's ``utilizationLabels`` among the sections by kind (empty: the spec has none)."""
    return list(sections.get(NAME) or [])


class LabelsFolder(KindFolder):
    name = NAME
    heading = "Utilization labels"
    section = "utilizationLabels"
    needs_v2 = "utilization labels need"
    plan_key = "utilization_labels"
    undo_noun = "utilization label"
    undo_reads = frozenset({"labels"})
    undone_whole = True

    def make(self) -> AnyKind:
        return UtilizationLabelsKind()

    def read_json(self, section: JsonSection) -> list[LabelIntent]:
        return read_json(section)

    def counts(self, section: Any) -> Counted:
        n = len(section or [])
        return Counted("labels", n, plural(n, "utilization label") if n else None)

    async def set_up(self, ctx: SetupContext) -> LabelSetup:
        return await resolve_labels(ctx.client, labels_of(ctx.sections), ctx.problems)

    def plan_line(self, setup: LabelSetup | None, resolved: ResolvedSpec) -> list[dict[str, Any]]:
        return [] if setup is None else list(setup.lines)

    def plan_requests(self, line: list[dict[str, Any]]) -> int:
        return sum(label_requests(x) for x in line)

    def plan_writes(self, line: list[dict[str, Any]] | None) -> bool:
        return any(label_requests(x) > 0 for x in line or [])

    def plan_text(self, line: list[dict[str, Any]]) -> list[str]:
        return ["utilization label " + describe_label_line(x) for x in line]


FOLDER = LabelsFolder()
