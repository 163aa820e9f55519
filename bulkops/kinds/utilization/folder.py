"""Per-user utilization as every stage reads it (``kinds/folder.KindFolder``): the ``utilization`` section
(or a CSV's ``util:`` columns), the set-up, the plan's counts, the change cell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bulkops.kinds.base import AnyKind
from bulkops.kinds.folder import Counted, KindFolder, SetupContext, UserColumns, plural
from bulkops.kinds.labels.folder import labels_of
from bulkops.kinds.orgutil.plan import describe_utilization_change
from bulkops.kinds.utilization.csv import UTIL_COLUMNS
from bulkops.kinds.utilization.intent import UserUtilizationIntent
from bulkops.kinds.utilization.kind import UserUtilizationKind
from bulkops.kinds.utilization.plan import describe_user_utilization, describe_utilization_line, utilization_requests
from bulkops.kinds.utilization.section import read_json
from bulkops.kinds.utilization.setup import UtilizationSetup, resolve_utilization
from bulkops.kinds.utilization.words import part_words, value_words

if TYPE_CHECKING:
    from bulkops.engine.setup.job import ResolvedSpec
    from bulkops.spec.jsonspec import JsonSection
    from bulkops.state.records import ItemOutcome

NAME = "utilization"


def user_utilization_of(sections: Mapping[str, Any]) -> list[UserUtilizationIntent]:
    """The spec's per-user utilization among the sections by kind (empty: the spec has none)."""
    return list(sections.get(NAME) or [])


class UserUtilizationFolder(KindFolder):
    name = NAME
    heading = "Agents' utilization"
    section = "utilization"
    needs_v2 = "per-user utilization needs"
    plan_key = "utilization"
    undo_noun = "utilization of"
    undo_reads = frozenset({"labels"})

    def user_columns(self) -> UserColumns:
        """The ``util:`` columns of the wide and long user CSVs (``kinds/utilization/csv.py``)."""
        return UTIL_COLUMNS

    def entity_of(self, item: ItemOutcome) -> str:
        """A user's utilization is written on the user: the platform's audit names the user (the item's key)."""
        return item.key

    def part_words(self, part: str, names: Mapping[str, str]) -> str:
        return part_words(part, names)

    def value_words(self, value: Any, names: Mapping[str, str]) -> str:
        return value_words(value, names)

    def make(self) -> AnyKind:
        return UserUtilizationKind()

    def read_json(self, section: JsonSection) -> list[UserUtilizationIntent]:
        return read_json(section)

    def counts(self, section: Any) -> Counted:
        n = len(section or [])
        return Counted("user_utilization", n, plural(n, "user utilization setting") if n else None)

    async def set_up(self, ctx: SetupContext) -> UtilizationSetup:
        return await resolve_utilization(ctx.client, user_utilization_of(ctx.sections), labels_of(ctx.sections), ctx.problems)

    def plan_line(self, setup: UtilizationSetup | None, resolved: ResolvedSpec) -> dict[str, Any] | None:
        return describe_user_utilization(resolved.store)

    def plan_requests(self, line: Mapping[str, Any] | None) -> int:
        return utilization_requests(line)

    def plan_writes(self, line: Mapping[str, Any] | None) -> bool:
        return bool((line or {}).get("users"))

    def plan_text(self, line: Mapping[str, Any] | None) -> list[str]:
        return [] if line is None else ["utilization: " + describe_utilization_line(line)]

    def change_text(self, changes: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
        return describe_utilization_change(changes, names)


FOLDER = UserUtilizationFolder()
