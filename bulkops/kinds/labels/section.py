"""The ``utilizationLabels`` section of a version 2 JSON document: each entry checked, then one entry per label."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bulkops.kinds.labels.entry import LabelLedger, read_label_entry
from bulkops.kinds.labels.intent import LabelIntent

if TYPE_CHECKING:
    from bulkops.spec.jsonspec import JsonSection


def read_json(section: JsonSection) -> list[LabelIntent]:
    ledger = LabelLedger()
    for start, obj in section.entries():
        intent, issues = read_label_entry(obj, section.line(start))
        section.report(start, issues + section.unicode_issues(obj))
        if intent is not None:
            ledger.admit(intent, section.key_locator(start), section.problems)
    return ledger.finish()
