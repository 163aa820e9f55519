"""The spec's ``utilizationLabels`` section (#19): every problem at file:line:column, names
compared ignoring case (as the API compares them), the API's name rules for a new label."""

from __future__ import annotations

import pytest

from bulkops.engine.setup.job import check_locally
from bulkops.errors import SpecError
from bulkops.kinds.labels.intent import LabelIntent, label_name_problem
from bulkops.kinds.labels.plan import describe_label_line

BAD = """{"version": 2,
 "utilizationLabels": [
   {"create": "VIP", "maximumCapacity": 1},
   {"delete": "Old", "force": true},
   {"create": "vip"},
   {"create": "Bad:name"},
   {"create": "X", "force": true},
   {"delete": "Y", "maximumCapacity": 3},
   {"create": "A", "delete": "B"},
   {"force": true},
   {"create": "Z", "maximumCapacity": 30},
   {"creat": "Q"},
   {"create": " padded"},
   "VIP"
 ]}
"""


def test_every_problem_of_a_labels_section_is_located(tmp_path):
    spec = tmp_path / "l.json"
    spec.write_text(BAD)
    with pytest.raises(SpecError) as err:
        check_locally(spec)
    assert [(p.line, p.column, p.message) for p in err.value.problems] == [
        (5, 15, "label 'vip' is already in the entry on line 3 (as 'VIP'; names are compared ignoring case): one entry per label"),
        (6, 15, "label 'Bad:name': a label name cannot contain : (none of []:*)"),
        (7, 20, "'force' goes only with delete"),
        (8, 20, "'maximumCapacity' goes only with create (a deleted label has no capacity)"),
        (9, 20, "one action per entry: this one has 'create' and 'delete'"),
        (10, 4, 'missing action: an entry is {"create": "Name"} or {"delete": "Name"}'),
        (11, 39, "'maximumCapacity' must be an integer from 0 to 25, got 30"),
        (12, 5, "unknown key 'creat' in a utilizationLabels entry (did you mean 'create'?)"),
        (13, 15, "label ' padded': a label name cannot start or end with whitespace"),
        (14, 4, "each utilizationLabels entry must be a JSON object, got a string"),
    ]


def test_a_good_section_is_read_in_order(tmp_path):
    spec = tmp_path / "l.json"
    spec.write_text('{"version": 2, "utilizationLabels": [{"create": "VIP", "maximumCapacity": 1}, {"delete": "Old", "force": true}]}')
    checked = check_locally(spec)
    assert checked.sections["label"] == [LabelIntent("create", "VIP", False, 1, 1), LabelIntent("delete", "Old", True, None, 1)]


def test_labels_need_version_2(tmp_path):
    spec = tmp_path / "l.json"
    spec.write_text('{"version": 1, "users": [{"user": "a@example.com", "title": "x"}], "utilizationLabels": [{"create": "VIP"}]}')
    with pytest.raises(SpecError) as err:
        check_locally(spec)
    assert [p.message for p in err.value.problems] == ["unknown top-level key 'utilizationLabels': utilization labels need \"version\": 2"]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("VIP", None),
        ("   ", "a label name cannot be empty or only whitespace"),
        ("x" * 257, "a label name is at most 256 characters (this one has 257)"),
        ("a[b]", "a label name cannot contain [ ] (none of []:*)"),
    ],
)
def test_the_name_rules_of_the_api(name, why):
    assert label_name_problem(name) == why


def test_plan_lines_in_words():
    assert describe_label_line({"label": "vip", "action": "create", "maximum_capacity": None, "exists_already": "VIP"}) == (
        "'vip': create (exists already as 'VIP': nothing to do)"
    )
    assert describe_label_line({"label": "Old", "action": "delete", "force": True, "agents": 3, "used_by": ["a@x", "b@x"]}) == (
        "'Old': delete, after every other change; used by 3 agent(s): a@x, b@x, ... (force: it leaves their settings)"
    )
