"""The ``skills`` section of a version 2 JSON document: each entry checked, then the entries together."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from bulkops.kinds.skills.entry import field_path, read_definition
from bulkops.kinds.skills.intent import SkillDefinitionIntent
from bulkops.kinds.skills.rules import DefinitionLedger, check_entry

if TYPE_CHECKING:
    from bulkops.spec.jsonspec import JsonSection


def read_json(section: JsonSection) -> list[SkillDefinitionIntent]:
    ledger = DefinitionLedger()
    for start, obj in section.entries():
        intent, issues = read_definition(obj, section.line(start))
        section.report(start, issues + section.unicode_issues(obj))
        if intent is not None:
            locate = section.locator(start, partial(field_path, obj))
            check_entry(intent, locate, section.problems, written=obj.keys())
            ledger.admit(intent, locate, section.problems)
    return ledger.finish(section.problems)
