"""The ``queues`` section of a version 2 JSON document: each entry checked, then one entry per queue."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from bulkops.kinds.queues.entry import queue_field_path, read_queue_entry
from bulkops.kinds.queues.intent import QueueSettingsIntent
from bulkops.kinds.queues.rules import QueueLedger, check_queue_entry

if TYPE_CHECKING:
    from bulkops.spec.jsonspec import JsonSection


def read_json(section: JsonSection) -> list[QueueSettingsIntent]:
    ledger = QueueLedger()
    for start, obj in section.entries():
        intent, issues = read_queue_entry(obj, section.line(start))
        section.report(start, issues + section.unicode_issues(obj))
        if intent is not None:
            locate = section.locator(start, partial(queue_field_path, obj))
            check_queue_entry(intent, locate, section.problems)
            ledger.admit(intent, locate, section.problems)
    return ledger.finish()
