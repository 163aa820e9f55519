"""The org default utilization as every stage reads it (``kinds/folder.KindFolder``): its ``utilizationDefault``
object, its set-up, its plan line in words, its change cell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bulkops.kinds.base import AnyKind
from bulkops.kinds.folder import Counted, KindFolder, SetupContext
from bulkops.kinds.labels.folder import labels_of
from bulkops.kinds.orgutil.intent import OrgUtilizationIntent
from bulkops.kinds.orgutil.kind import OrgUtilizationKind
from bulkops.kinds.orgutil.plan import default_requests, describe_default_line, describe_utilization_change
from bulkops.kinds.orgutil.section import read_json
from bulkops.kinds.orgutil.setup import OrgUtilizationSetup, resolve_org_utilization
from bulkops.kinds.utilization.words import part_words, value_words

if TYPE_CHECKING:
    from bulkops.engine.setup.job import ResolvedSpec
    from bulkops.spec.jsonspec import JsonSection

NAME = "utilization_default"


def org_default(sections: Mapping[str, Any]) -> OrgUtilizationIntent | None:
    """The spec's ``utilizationDefault`` among the sections by kind (None: the spec has none)."""
    found = sections.get(NAME)
    return found if isinstance(found, OrgUtilizationIntent) else None


class OrgUtilizationFolder(KindFolder):
    name = NAME
    heading = "The org's default utilization"
    section = "utilizationDefault"
    shape = "object"
    needs_v2 = "the org default utilization needs"
    plan_key = "utilization_default"
    undo_noun = ""
    undo_reads = frozenset({"labels"})

    def part_words(self, part: str, names: Mapping[str, str]) -> str:
        return part_words(part, names)

    def value_words(self, value: Any, names: Mapping[str, str]) -> str:
        return value_words(value, names)

    def make(self) -> AnyKind:
        return OrgUtilizationKind()

    def empty(self) -> Any:
        return None

    def read_json(self, section: JsonSection) -> OrgUtilizationIntent | None:
        return read_json(section)

    def counts(self, section: Any) -> Counted:
        return Counted("org_default_utilization", section is not None, "the org default utilization" if section is not None else None)

    async def set_up(self, ctx: SetupContext) -> OrgUtilizationSetup:
        return await resolve_org_utilization(ctx.client, org_default(ctx.sections), labels_of(ctx.sections), ctx.problems)

    def items(self, setup: OrgUtilizationSetup) -> tuple[OrgUtilizationIntent, ...]:
        return () if setup.item is None else (setup.item,)

    def plan_line(self, setup: OrgUtilizationSetup | None, resolved: ResolvedSpec) -> dict[str, Any] | None:
        return None if setup is None else setup.line

    def plan_requests(self, line: Mapping[str, Any] | None) -> int:
        return default_requests(line)

    def plan_writes(self, line: Mapping[str, Any] | None) -> bool:
        return bool((line or {}).get("changes"))

    def plan_text(self, line: Mapping[str, Any] | None) -> list[str]:
        return [] if line is None else ["utilization default: " + describe_default_line(line)]

    def change_text(self, changes: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
        return describe_utilization_change(changes, names)


FOLDER = OrgUtilizationFolder()
