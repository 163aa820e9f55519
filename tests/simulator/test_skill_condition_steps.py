"""One skill-group condition's own checks in the simulator (``condition_item_problems``), as a table."""

from __future__ import annotations

import pytest

from bulkops.simulator.model.skilldefs import condition_item_problems

CATALOGUE = {"sales": object()}
GOOD = {"routingSkill": "Sales", "comparator": "GreaterThanOrEqualTo", "proficiency": 3}


@pytest.mark.parametrize(
    "changes, problems",
    [
        ({}, []),
        ({"routingSkill": "SALES"}, []),  # names compared ignoring case
        ({"routingSkill": ""}, [("at.routingSkill", "required")]),
        ({"routingSkill": 5}, [("at.routingSkill", "required")]),
        ({"routingSkill": "Nope"}, [("at.routingSkill", "not.found")]),
        ({"comparator": "About"}, [("at.comparator", "invalid.value")]),
        ({"proficiency": 6}, [("at.proficiency", "invalid.value")]),
        ({"proficiency": True}, [("at.proficiency", "invalid.value")]),
        ({"proficiency": 2.5}, [("at.proficiency", "invalid.value")]),
        ({"childConditions": {}}, []),  # empty: as none
        ({"childConditions": "x"}, [("at.childConditions", "invalid.value")]),
        (
            {"routingSkill": None, "comparator": None, "proficiency": None},
            [("at.routingSkill", "required"), ("at.comparator", "invalid.value"), ("at.proficiency", "invalid.value")],
        ),
    ],
)
def test_condition_item_problems(changes, problems):
    got = condition_item_problems(GOOD | changes, "at", "routingSkill", CATALOGUE)
    assert [(d["fieldName"], d["errorCode"]) for d in got] == problems
