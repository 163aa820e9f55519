"""The queues section's member activation and queues by pattern or division (#18, spec side):
each rule at its line and column, and the intents read as written."""

from __future__ import annotations

import pytest

from bulkops.kinds.members.intent import MemberActivationIntent
from bulkops.kinds.queues.intent import QueueSelector, QueueSettingsIntent
from bulkops.spec import open_spec


def problems_of(path: str) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.message) for p in open_spec(path).validate()]


def doc(*entries: str) -> str:
    return '{"version": 2,\n  "queues": [\n' + ",\n".join("    " + e for e in entries) + "\n  ]\n}\n"


def test_members_and_selections_read_as_written(write) -> None:
    spec = open_spec(
        write(
            "q.json",
            doc(
                '{"queue": "Sales", "members": {"activate": [" a@x.com "], "deactivate": ["b@x.com"]}}',
                '{"queues": {"namePattern": "Support *"}, "skillEvaluationMethod": "ALL"}',
                '{"queues": {"division": "EMEA", "namePattern": "*Chat"}, "members": {"activateAll": true, "deactivate": ["c@x.com"]}}',
            ),
        )
    )
    assert spec.validate() == []
    assert spec.section("queue") == [
        QueueSettingsIntent("Sales", line=3, members=MemberActivationIntent(("a@x.com",), ("b@x.com",))),
        QueueSettingsIntent("", skill_evaluation_method="ALL", line=4, selector=QueueSelector("Support *")),
        QueueSettingsIntent("", line=5, members=MemberActivationIntent((), ("c@x.com",), True), selector=QueueSelector("*Chat", "EMEA")),
    ]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('{"queue": "S", "members": {"activate": ["a@x"], "deactivate": ["A@x"]}}', [(3, 67, "user 'A@x' is both activated and deactivated")]),
        ('{"queue": "S", "members": {"activate": ["a@x", "a@X"]}}', [(3, 44, "members.activate: user 'a@X' is listed twice")]),
        (
            '{"queue": "S", "members": {"activateAll": true, "deactivateAll": true}}',
            [(3, 53, "'activateAll' and 'deactivateAll' together: name one (the other list holds the exceptions)")],
        ),
        (
            '{"queue": "S", "members": {"activateAll": true, "activate": ["a@x"]}}',
            [(3, 65, "'activateAll' activates every direct member already: list only the exceptions, under 'deactivate'")],
        ),
        ('{"queue": "S", "members": {"activateAll": false}}', [(3, 47, "'activateAll' can only be true (leave it out otherwise), got False")]),
        ('{"queue": "S", "members": {}}', [(3, 31, "'members' is empty: name a setting or leave it out")]),
        ('{"queue": "S", "members": {"join": ["a@x"]}}', [(3, 32, "unknown key 'join' in 'members'")]),
        (
            '{"queue": "S", "queues": {"division": "EMEA"}, "skillEvaluationMethod": "ALL"}',
            [(3, 20, "an entry names its queue ('queue') or its queues ('queues': namePattern, division), not both")],
        ),
        ('{"queues": {}, "skillEvaluationMethod": "ALL"}', [(3, 16, "'queues' is empty: name a setting or leave it out")]),
        ('{"queues": {"name": "S*"}, "skillEvaluationMethod": "ALL"}', [(3, 17, "unknown key 'name' in 'queues'")]),
        (
            '{"queues": {"division": ""}, "skillEvaluationMethod": "ALL"}',
            [(3, 29, "'queues.division' must be a division name or id (a non-empty string), got ''")],
        ),
    ],
)
def test_each_rule_at_its_line_and_column(write, entry: str, expected: list[tuple[int, int, str]]) -> None:
    assert problems_of(write("q.json", doc(entry))) == expected


def test_one_entry_per_selection(write) -> None:
    path = write(
        "q.json",
        doc(
            '{"queues": {"namePattern": "Support *"}, "skillEvaluationMethod": "ALL"}',
            '{"queues": {"namePattern": "SUPPORT *"}, "skillEvaluationMethod": "ALL"}',
            '{"queues": {"namePattern": "support *"}, "skillEvaluationMethod": "NONE"}',
        ),
    )
    assert problems_of(path) == [(5, 16, "queues by name pattern 'support *' are already in the entry on line 3: one entry per selection")]
