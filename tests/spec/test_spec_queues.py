"""Queue settings in a spec (#18, spec side): JSON version 2's ``queues`` section, every check
pinned to line:column, the schema the one rulebook for structure, v1 and users unchanged."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema.validators import validator_for

from bulkops.kinds.queues.intent import MediaIntent, QueueSettingsIntent, RingIntent
from bulkops.spec import open_spec


def problems_of(path: str) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.message) for p in open_spec(path).validate()]


def doc(*entries: str, users: str | None = None) -> str:
    """A version 2 document with one queues entry per line, the first on line 3."""
    body = '{"version": 2,\n  "queues": [\n' + ",\n".join("    " + e for e in entries) + "\n  ]"
    if users is not None:
        body += ',\n  "users": ' + users
    return body + "\n}\n"


def test_queues_section_read_with_users(write) -> None:
    path = write(
        "q.json",
        doc(
            '{"queue": " Support EN ", "skillEvaluationMethod": "ALL", "acw": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 60000}}',
            '{"queue": "Billing", "media": {"email": {"alertingTimeoutSeconds": 300, "serviceLevel": {"percentage": 0.9, "durationMs": 3600000}}}}',
            '{"queue": "Sales", "rings": {"2": {"timeoutSeconds": 30, "skillsToRemove": ["Billing"]}}, "addWrapupCodes": ["Resolved"], "removeWrapupCodes": ["Wrong Number"]}',
            users='[{"user": "agent00001@example.com", "skills": {"Billing": 3}}]',
        ),
    )
    spec = open_spec(path)
    assert spec.validate() == []
    assert [i.user for i in spec.intents()] == ["agent00001@example.com"]
    assert spec.section("queue") == [
        QueueSettingsIntent("Support EN", skill_evaluation_method="ALL", acw_wrapup_prompt="MANDATORY_TIMEOUT", acw_timeout_ms=60000, line=3),
        QueueSettingsIntent("Billing", media={"email": MediaIntent(300, 0.9, 3_600_000)}, line=4),
        QueueSettingsIntent("Sales", rings={2: RingIntent(30.0, ("Billing",))}, add_wrapup_codes=("Resolved",), remove_wrapup_codes=("Wrong Number",), line=5),
    ]
    assert spec.section("queue")[1].fields() == {
        "mediaSettings.email.alertingTimeoutSeconds": 300,
        "mediaSettings.email.serviceLevel.percentage": 0.9,
        "mediaSettings.email.serviceLevel.durationMs": 3_600_000,
    }


def test_a_queues_only_document_is_a_job(write) -> None:
    spec = open_spec(write("q.json", doc('{"queue": "Sales", "skillEvaluationMethod": "NONE"}')))
    assert spec.validate() == []
    assert list(spec.intents()) == [] and len(spec.section("queue")) == 1


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('{"queue": "Sales"}', [(3, 5, "a queues entry names no setting: nothing to do for this queue")]),
        ('{"skillEvaluationMethod": "ALL"}', [(3, 5, "missing key 'queue' (the queue's name or id) or 'queues' (a namePattern and/or a division)")]),
        ('{"queue": "Sales", "skillEvaluationMethod": "SOME"}', [(3, 49, "'skillEvaluationMethod' must be one of NONE, BEST, ALL, got 'SOME'")]),
        ('{"queue": "Sales", "acw": {"timeoutMs": 5}}', [(3, 45, "'acw.timeoutMs' must be an integer from 1000 to 3600000 (milliseconds), got 5")]),
        (
            '{"queue": "Sales", "acw": {"wrapupPrompt": "OPTIONAL", "timeoutMs": 60000}}',
            [(3, 73, "'timeoutMs' goes only with wrapupPrompt MANDATORY_TIMEOUT, MANDATORY_FORCED_TIMEOUT, AGENT_REQUESTED, not with OPTIONAL")],
        ),
        ('{"queue": "Sales", "media": {"fax": {"alertingTimeoutSeconds": 9}}}', [(3, 34, "unknown key 'fax' in 'media'")]),
        (
            '{"queue": "Sales", "media": {"call": {"alertingTimeoutSeconds": 3}}}',
            [(3, 69, "'media.call.alertingTimeoutSeconds' must be an integer from 7 to 86400 (seconds), got 3")],
        ),
        (
            '{"queue": "Sales", "media": {"chat": {"serviceLevel": {"percentage": 80}}}}',
            [(3, 74, "'media.chat.serviceLevel.percentage' must be a number from 0 to 1, got 80")],
        ),
        ('{"queue": "Sales", "rings": {"7": {"timeoutSeconds": 3}}}', [(3, 34, "rings: '7' is not a ring number 1-6")]),
        ('{"queue": "Sales", "rings": {"2": {}}}', [(3, 39, "'rings.2' is empty: name a setting or leave it out")]),
        (
            '{"queue": "Sales", "rings": {"1": {"skillsToRemove": ["Billing", "BILLING"]}}}',
            [(3, 58, "ring 1: skill 'BILLING' is listed twice")],
        ),
        ('{"queue": "Sales", "addWrapupCodes": ["A", ""]}', [(3, 48, "addWrapupCodes[1] must be a non-empty string")]),
        (
            '{"queue": "Sales", "addWrapupCodes": ["Resolved"], "removeWrapupCodes": ["resolved"]}',
            [(3, 77, "wrap-up code 'resolved' is both added and removed")],
        ),
        ('{"queue": "Sales", "skillEvaluationMethod": "ALL", "skillEvaluationMethod": "ALL"}', [(3, 56, "key 'skillEvaluationMethod' appears more than once")]),
        ('{"queue": "Sales", "colour": "red"}', [(3, 24, "unknown key 'colour' in a queues entry")]),
    ],
)
def test_each_check_at_its_line_and_column(write, entry: str, expected: list[tuple[int, int, str]]) -> None:
    assert problems_of(write("q.json", doc(entry))) == expected


def test_one_entry_per_queue_alike_kept_once(write) -> None:
    path = write(
        "q.json",
        doc(
            '{"queue": "Sales", "skillEvaluationMethod": "ALL"}',
            '{"queue": "sales", "skillEvaluationMethod": "ALL"}',
            '{"queue": "SALES", "skillEvaluationMethod": "NONE"}',
        ),
    )
    assert problems_of(path) == [(5, 15, "queue 'SALES' is already in the entry on line 3: one entry per queue")]


def test_queues_need_version_2_and_nothing_to_do_is_said(write) -> None:
    v1 = write("v1.json", '{"version": 1, "users": [{"user": "a@example.com", "title": "x"}], "queues": []}')
    assert problems_of(v1) == [(1, 68, "unknown top-level key 'queues': queue settings need \"version\": 2")]
    empty = write("e.json", '{"version": 2, "queues": []}')
    assert problems_of(empty) == [
        (1, 1, 'nothing to do: "users", "skills", "queues", "utilizationLabels", "utilization" and "utilizationDefault" are all empty or missing')
    ]


def test_the_schema_file_is_a_valid_schema_and_accepts_the_example() -> None:
    schema: dict[str, Any] = json.loads(resources.files("bulkops.spec").joinpath("schema/jobspec-v2.schema.json").read_text())
    validator_for(schema).check_schema(schema)
    example = {"version": 2, "queues": [{"queue": "Sales", "rings": {"1": {"timeoutSeconds": 10, "skillsToRemove": []}}}]}
    assert list(validator_for(schema)(schema).iter_errors(example)) == []


settings_st = st.fixed_dictionaries(
    {},
    optional={
        "skillEvaluationMethod": st.sampled_from(["NONE", "BEST", "ALL"]),
        "acw": st.fixed_dictionaries({"wrapupPrompt": st.sampled_from(["MANDATORY_TIMEOUT", "AGENT_REQUESTED"]), "timeoutMs": st.integers(1000, 3_600_000)}),
        "media": st.dictionaries(
            st.sampled_from(["call", "callback", "chat", "email", "message"]),
            st.fixed_dictionaries({"alertingTimeoutSeconds": st.integers(7, 86_400)}),
            min_size=1,
        ),
        "rings": st.dictionaries(st.sampled_from("123456"), st.fixed_dictionaries({"timeoutSeconds": st.integers(0, 259_200)}), min_size=1),
    },
).filter(bool)


@settings(max_examples=40)
@given(entries=st.lists(settings_st, min_size=1, max_size=5))
def test_any_valid_entries_read_back_as_written(tmp_path_factory, entries: list[dict[str, Any]]) -> None:
    path = tmp_path_factory.mktemp("q") / "q.json"
    body = {"version": 2, "queues": [{"queue": f"Queue {i}", **e} for i, e in enumerate(entries)]}
    path.write_text(json.dumps(body, indent=1))
    spec = open_spec(str(path))
    assert spec.validate() == []
    got = spec.section("queue")
    assert [q.queue for q in got] == [f"Queue {i}" for i in range(len(entries))]
    for q, e in zip(got, entries):
        assert q.skill_evaluation_method == e.get("skillEvaluationMethod")
        assert {int(k): v["timeoutSeconds"] for k, v in e.get("rings", {}).items()} == {n: r.timeout_seconds for n, r in q.rings.items()}
        assert {m: v["alertingTimeoutSeconds"] for m, v in e.get("media", {}).items()} == {m: v.alerting_timeout_seconds for m, v in q.media.items()}
