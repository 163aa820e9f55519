"""The ``utilization`` section of a version 2 JSON document: each entry checked, then one entry per user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bulkops.kinds.utilization.entry import UtilizationLedger, read_utilization_entry
from bulkops.kinds.utilization.intent import UserUtilizationIntent

if TYPE_CHECKING:
    from bulkops.spec.jsonspec import JsonSection


def read_json(section: JsonSection) -> list[UserUtilizationIntent]:
    ledger = UtilizationLedger()
    for start, obj in section.entries():
        intent, issues = read_utilization_entry(obj, section.line(start))
        section.report(start, issues + section.unicode_issues(obj))
        if intent is not None:
            ledger.admit(intent, section.key_locator(start), section.problems)
    return ledger.finish()
