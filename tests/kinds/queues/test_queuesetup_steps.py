"""The named steps of the queues section's set-up, on their own (table tests)."""

from __future__ import annotations

import pytest

from bulkops.kinds.queues.intent import QueueSettings, QueueSettingsIntent, RingIntent, RingSetting
from bulkops.kinds.queues.setup import _Names, wanted_of
from bulkops.spec.validate import Problems

SKILLS = _Names("skill", {"Sales": "s-1", "Billing": "s-2"})
CODES = _Names("wrap-up code", {"Resolved": "c-1", "Callback": "c-2"})


@pytest.mark.parametrize(
    "intent, wanted, problems",
    [
        (QueueSettingsIntent("Q", skill_evaluation_method="ALL"), (QueueSettings({"skillEvaluationMethod": "ALL"}, ()), (), ()), []),
        (
            QueueSettingsIntent("Q", rings={2: RingIntent(5.0, ("sales",)), 1: RingIntent(None, None)}, line=4),
            (QueueSettings({}, (RingSetting(1, None, None), RingSetting(2, 5.0, ("s-1",)))), (), ()),
            [],
        ),
        (
            QueueSettingsIntent("Q", add_wrapup_codes=("Resolved", "c-2"), remove_wrapup_codes=("callback",)),
            (QueueSettings({}, ()), ("c-1", "c-2"), ("c-2",)),
            [],
        ),
        (
            QueueSettingsIntent("Q", rings={1: RingIntent(None, ("Salse", "Billing"))}, add_wrapup_codes=("Nope",), line=7),
            (QueueSettings({}, (RingSetting(1, None, ("s-2",)),)), (), ()),
            ["skill 'Salse' is not in the org (did you mean 'Sales'?)", "wrap-up code 'Nope' is not in the org"],
        ),
    ],
)
def test_an_entrys_names_resolve_to_ids_and_a_miss_is_a_problem(intent, wanted, problems):
    found = Problems("spec.json")
    assert wanted_of(intent, SKILLS, CODES, found) == wanted
    assert [m for _, m in found._items] == problems
    assert all(at.line == intent.line for at, _ in found._items)
