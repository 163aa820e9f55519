"""The named steps of expanding queue entries to queues (``queueselect``), as tables."""

from __future__ import annotations

import pytest

from bulkops.kinds.queues.intent import QueueSelector, QueueSettingsIntent
from bulkops.kinds.queues.select import QueueTarget, _Chosen, explicit_targets, selection_matches, with_overrides
from bulkops.spec.validate import Problems

QUEUES = {"Sales EN": "q-1", "Sales ES": "q-2", "Support": "q-3"}
DIVISIONS = {"east": {"Sales EN": "q-1"}}


def sel(pattern=None, division=None, line=5, **kw) -> QueueSettingsIntent:
    return QueueSettingsIntent("", selector=QueueSelector(pattern, division), line=line, **kw)


@pytest.mark.parametrize(
    "intents, found, problems",
    [
        ([QueueSettingsIntent("sales en", line=2)], [("q-1", "Sales EN")], []),
        ([QueueSettingsIntent(" q-3 ", line=2)], [("q-3", "Support")], []),
        ([QueueSettingsIntent("Sale EN", line=2)], [], ["queue 'Sale EN' is not in the org (did you mean 'Sales EN' or 'Sales ES'?)"]),
        ([sel("Sales*")], [], []),  # selections are not explicit
    ],
)
def test_explicit_targets(intents, found, problems):
    got = Problems("spec.json")
    assert [(t.queue_id, t.name) for t in explicit_targets(intents, QUEUES, got)] == found
    assert [m for _, m in got._items] == problems


@pytest.mark.parametrize(
    "entry, matched",
    [
        (sel("sales*"), [("Sales EN", "q-1"), ("Sales ES", "q-2")]),
        (sel("*port"), [("Support", "q-3")]),
        (sel(None, "East"), [("Sales EN", "q-1")]),
        (sel("*ES", "east"), []),
        (sel(None, "West"), None),  # the division was not found (reported where it is read)
    ],
)
def test_selection_matches(entry, matched):
    assert selection_matches(entry, QUEUES, DIVISIONS) == matched


def test_a_queue_with_its_own_entry_yields_and_a_second_differing_selection_is_a_problem():
    chosen = _Chosen(explicit={"q-1": 2})
    problems = Problems("spec.json")
    first = sel("Sales*", line=5, skill_evaluation_method="ALL")
    assert [(t.queue_id, t.via) for t in chosen.take(first, [("Sales EN", "q-1"), ("Sales ES", "q-2")], problems)] == [
        ("q-2", "name pattern 'Sales*' (line 5)")
    ]
    assert chosen.yielded == {"q-1": ["name pattern 'Sales*' (line 5)"]}
    same = sel("*ES", line=6, skill_evaluation_method="ALL")
    assert chosen.take(same, [("Sales ES", "q-2")], problems) == [] and not problems
    other = sel("*ES", line=7, skill_evaluation_method="BEST")
    assert chosen.take(other, [("Sales ES", "q-2")], problems) == []
    assert [m for _, m in problems._items][0].startswith("queue 'Sales ES' is matched by the entry on line 5 and by this one (name pattern '*ES')")


def test_with_overrides_marks_only_named_queues():
    named, selected = QueueTarget(QueueSettingsIntent("Sales EN"), "q-1", "Sales EN"), QueueTarget(sel("x"), "q-2", "Sales ES", "via")
    got = with_overrides([named, selected], {"q-1": ["a (line 5)"], "q-2": ["b"]})
    assert got[0].overrides == ("a (line 5)",) and got[1].overrides == ()
