"""Queue settings as every stage reads them (``kinds/folder.KindFolder``): the ``queues`` section (or the
queues CSV), the set-up (members included), the plan lines, the change cell."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from bulkops.domain.verification import ExpectedWrite
from bulkops.kinds.base import AnyKind
from bulkops.kinds.folder import Counted, KindFolder, SetupContext
from bulkops.kinds.queues.change import queue_change_text
from bulkops.kinds.queues.intent import QueueSettingsIntent
from bulkops.kinds.queues.kind import QueueSettingsKind
from bulkops.kinds.queues.plan import describe_queue_line, queue_setting_requests
from bulkops.kinds.queues.section import read_json
from bulkops.kinds.queues.setup import QueueSetup, resolve_queue_settings
from bulkops.kinds.queues.verify import queue_writes

if TYPE_CHECKING:
    from bulkops.engine.setup.job import ResolvedSpec
    from bulkops.spec.csvio import CsvForm
    from bulkops.spec.jsonspec import JsonSection
    from bulkops.state.records import ItemOutcome

NAME = "queue"


def queue_settings_of(sections: Mapping[str, Any]) -> list[QueueSettingsIntent]:
    """The spec's queue settings among the sections by kind (empty: the spec has none)."""
    return list(sections.get(NAME) or [])


def queue_setup_of(setups: Mapping[str, Any]) -> QueueSetup:
    """The queues section as set-up resolved it (empty when the job has none)."""
    found = setups.get(NAME)
    return found if isinstance(found, QueueSetup) else QueueSetup()


class QueuesFolder(KindFolder):
    name = NAME
    heading = "Queue settings"
    section = "queues"
    needs_v2 = "queue settings need"
    plan_key = "queue_settings"
    undo_noun = "queue settings"
    catalogues = frozenset({"queues", "skills"})

    def make(self) -> AnyKind:
        return QueueSettingsKind()

    def csv_form(self, header: list[str]) -> tuple[str, type[CsvForm]] | None:
        from bulkops.kinds.queues.csv import QueueSettingsCsv, is_queue_settings_header  # read only for a CSV spec

        return ("csv-queues", QueueSettingsCsv) if is_queue_settings_header(header) else None

    def read_json(self, section: JsonSection) -> list[QueueSettingsIntent]:
        return read_json(section)

    def counts(self, section: Any) -> Counted:
        n = len(section or [])
        return Counted("queues", n, f"{n} queue{'s' if n != 1 else ''} to configure" if n else None)

    async def set_up(self, ctx: SetupContext) -> QueueSetup:
        return await resolve_queue_settings(ctx.client, queue_settings_of(ctx.sections), ctx.directory, ctx.problems)

    def expected_writes(self, item: ItemOutcome, owner: str, entity: str) -> Iterator[ExpectedWrite]:
        return queue_writes(item, owner, entity)

    def plan_line(self, setup: QueueSetup | None, resolved: ResolvedSpec) -> list[dict[str, Any]]:
        return [] if setup is None else list(setup.lines)

    def plan_requests(self, line: list[dict[str, Any]]) -> int:
        return sum(queue_setting_requests(q) for q in line)

    def plan_writes(self, line: list[dict[str, Any]] | None) -> bool:
        return any(bool(q["settings"] or q["add_codes"] or q["remove_codes"]) or _activations(q.get("members")) for q in line or [])

    def plan_text(self, line: list[dict[str, Any]]) -> list[str]:
        return ["queue " + describe_queue_line(q) for q in line]

    def change_text(self, changes: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
        return queue_change_text(changes, names) or None


def _activations(line: Mapping[str, Any] | None) -> bool:
    return bool(line and ((line.get("activate_count") or 0) + (line.get("deactivate_count") or 0)))


FOLDER = QueuesFolder()
