"""The named steps of a queue settings item's undo (``invert_queue``), on their own (table tests)."""

from __future__ import annotations

import pytest

from bulkops.kinds.queues.kind import codes_changed, invert_queue, restorable, settings_touched
from bulkops.state.records import ItemOutcome


def line(changes=None, before=None, after=None) -> ItemOutcome:
    return ItemOutcome("queue", "q1", "applied", "Sales", before, after, changes)


@pytest.mark.parametrize(
    "first, last, restore, written",
    [
        (line({"settings": {"a": {"before": 1, "after": 2}}}), line(), {"a": 1}, {"a": 2}),
        # the second pass's after wins; the first's before stays
        (line({"settings": {"a": {"before": 1, "after": 2}}}), line({"settings": {"a": {"before": 2, "after": 3}}}), {"a": 1}, {"a": 3}),
        # the lines' whole settings win over the change's own figures
        (line({"settings": {"a": {"before": 1, "after": 2}}}, before={"settings": {"a": 0}}), line(after={"settings": {"a": 9}}), {"a": 0}, {"a": 9}),
        (line(), line(), {}, {}),
    ],
)
def test_settings_touched(first, last, restore, written):
    assert settings_touched(first, last) == (restore, written)


@pytest.mark.parametrize(
    "restore, written, fields, rings, not_restored",
    [
        ({"skillEvaluationMethod": "ALL"}, {"skillEvaluationMethod": "BEST"}, {"skillEvaluationMethod": "ALL"}, {}, []),
        ({"skillEvaluationMethod": "ALL"}, {"skillEvaluationMethod": "ALL"}, {}, {}, []),  # back already
        ({"x": 5}, {"x": 5.0}, {}, {}, []),  # numbers compared as numbers
        ({"x": ["a", "b"]}, {"x": ["b", "a"]}, {}, {}, []),  # lists compared as sets of strings
        (
            {"bullseye.rings.1.timeoutSeconds": 4, "bullseye.rings.1.skillsToRemove": ["s"]},
            {"bullseye.rings.1.timeoutSeconds": 9, "bullseye.rings.1.skillsToRemove": []},
            {},
            {1: [4.0, ("s",)]},
            [],
        ),
        ({"bullseye.rings.3.timeoutSeconds": None}, {"bullseye.rings.3.timeoutSeconds": 2}, {}, {}, ["bullseye.rings.3.timeoutSeconds"]),
    ],
)
def test_restorable(restore, written, fields, rings, not_restored):
    got_fields, got_rings, got_not = restorable(restore, written)
    assert (got_fields, got_rings, list(got_not)) == (fields, rings, not_restored)
    assert all("a ring is not taken away" in why for why in got_not.values())


@pytest.mark.parametrize(
    "first, last, added, removed",
    [
        (line({"addWrapupCodes": ["c1"]}), line({"addWrapupCodes": ["c1", "c2"], "removeWrapupCodes": ["c3"]}), ("c1", "c2"), ("c3",)),
        (line(), line(), (), ()),
    ],
)
def test_codes_changed(first, last, added, removed):
    assert codes_changed(first, last) == (added, removed)


def test_the_undo_of_a_timeout_restored_to_none_beside_a_prompt_that_takes_none_leaves_it_out():
    first = line(
        {
            "settings": {
                "acwSettings.wrapupPrompt": {"before": "OPTIONAL", "after": "MANDATORY_TIMEOUT"},
                "acwSettings.timeoutMs": {"before": None, "after": 30000},
            }
        }
    )
    undo = invert_queue(first, line())
    assert undo is not None and undo.item.settings.fields == {"acwSettings.wrapupPrompt": "OPTIONAL"}
    assert set(undo.restore) == {"acwSettings.wrapupPrompt", "acwSettings.timeoutMs"}
