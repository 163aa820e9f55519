"""The CSV form of queue settings (#18): one queue a row, one column a setting named by its path
in a JSON queues entry; each problem at its cell; the same intents as the JSON section."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkops.kinds.members.intent import MemberActivationIntent
from bulkops.kinds.queues.csv import COLUMNS, is_queue_settings_header
from bulkops.kinds.queues.intent import MediaIntent, QueueSelector, QueueSettingsIntent, RingIntent
from bulkops.spec import open_spec


def problems_of(path: str) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.message) for p in open_spec(path).validate()]


def test_recognised_by_its_first_column_and_read_as_written(write) -> None:
    path = write(
        "q.csv",
        "queue,skillEvaluationMethod,acw.wrapupPrompt,acw.timeoutMs,media.email.serviceLevel.percentage,rings.1.timeoutSeconds,"
        "rings.1.skillsToRemove,addWrapupCodes,removeWrapupCodes,members.activate,queues.namePattern\n"
        "Sales,ALL,MANDATORY_TIMEOUT,45000,95%,30,Billing;Retention,Resolved|Escalated,Wrong Number,a@x.com; b@x.com,\n"
        "Billing,,,,0.8,,-,,,,\n"
        ",NONE,,,,,,,,,Support *\n",
    )
    spec = open_spec(path)
    assert spec.format == "csv-queues"
    assert spec.validate() == []
    assert list(spec.intents()) == []
    assert spec.section("queue") == [
        QueueSettingsIntent(
            "Sales",
            skill_evaluation_method="ALL",
            acw_wrapup_prompt="MANDATORY_TIMEOUT",
            acw_timeout_ms=45000,
            media={"email": MediaIntent(service_level_percentage=0.95)},
            rings={1: RingIntent(30.0, ("Billing", "Retention"))},
            add_wrapup_codes=("Resolved", "Escalated"),
            remove_wrapup_codes=("Wrong Number",),
            line=2,
            members=MemberActivationIntent(("a@x.com", "b@x.com")),
        ),
        QueueSettingsIntent("Billing", media={"email": MediaIntent(service_level_percentage=0.8)}, rings={1: RingIntent(None, ())}, line=3),
        QueueSettingsIntent("", skill_evaluation_method="NONE", line=4, selector=QueueSelector("Support *")),
    ]


def test_the_header_decides_the_form() -> None:
    assert is_queue_settings_header(["Queue ", "skillEvaluationMethod"]) and is_queue_settings_header(["queues.division", "acw.timeoutMs"])
    assert not is_queue_settings_header(["user", "queue"]) and not is_queue_settings_header(["email", "queue"])
    assert not is_queue_settings_header(["skillEvaluationMethod", "queue"])


def test_semicolon_files_read_decimal_commas(write) -> None:
    spec = open_spec(write("q.csv", "queue;media.chat.serviceLevel.percentage;rings.2.timeoutSeconds\nSales;0,9;12,5\n"))
    assert spec.validate() == []
    assert spec.section("queue") == [
        QueueSettingsIntent("Sales", media={"chat": MediaIntent(service_level_percentage=0.9)}, rings={2: RingIntent(12.5)}, line=2)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "queue,colour,skillEvaluationMethod\nSales,red,ALL\n",
            [(1, 7, "unknown column 'colour' in a queue settings CSV; columns are the settings' paths in a JSON queues entry (see docs/spec-format.md)")],
        ),
        ("queue,acw.timeoutMs,acw.TIMEOUTMS\nSales,1000,1000\n", [(1, 21, "duplicate column 'acw.TIMEOUTMS' (same as column 2)")]),
        ("queue,skillEvaluationMethod\nSales,SOME\n", [(2, 7, "'skillEvaluationMethod' must be one of NONE, BEST, ALL, got 'SOME'")]),
        ("queue,acw.timeoutMs\nSales,4.5\n", [(2, 7, "'acw.timeoutMs' must be a whole number, got '4.5'")]),
        ("queue,acw.timeoutMs\nSales,5\n", [(2, 7, "'acw.timeoutMs' must be an integer from 1000 to 3600000 (milliseconds), got 5")]),
        ("queue,media.email.serviceLevel.percentage\nSales,lots\n", [(2, 7, "'media.email.serviceLevel.percentage' must be a number, got 'lots'")]),
        (
            "queue,acw.wrapupPrompt,acw.timeoutMs\nSales,OPTIONAL,60000\n",
            [(2, 16, "'timeoutMs' goes only with wrapupPrompt MANDATORY_TIMEOUT, MANDATORY_FORCED_TIMEOUT, AGENT_REQUESTED, not with OPTIONAL")],
        ),
        ("queue,addWrapupCodes,removeWrapupCodes\nSales,Resolved,resolved\n", [(2, 16, "wrap-up code 'resolved' is both added and removed")]),
        ("queue,members.activateAll\nSales,maybe\n", [(2, 7, "'members.activateAll': 'maybe' is not true or false (blank means false)")]),
        ("queue,skillEvaluationMethod\nSales,\n", [(2, 1, "a queues entry names no setting: nothing to do for this queue")]),
        ("queue,skillEvaluationMethod\n,ALL\n", [(2, 1, "missing key 'queue' (the queue's name or id) or 'queues' (a namePattern and/or a division)")]),
        (
            "queue,skillEvaluationMethod\nSales,ALL\nsales,NONE\n",
            [(3, 1, "queue 'sales' is already in the entry on line 2: one entry per queue")],
        ),
        ("queue,skillEvaluationMethod\nSales,ALL,extra\n", [(2, 11, "row has 3 cells but the header has 2")]),
        ("queue,skillEvaluationMethod\n", [(1, 1, "no queue rows after the header")]),
    ],
)
def test_each_problem_at_its_cell(write, text: str, expected: list[tuple[int, int, str]]) -> None:
    assert problems_of(write("q.csv", text)) == expected


# ---------------------------------------------------------------------- the same intents as JSON
_names = st.lists(st.sampled_from(["Billing", "Sales", "Resolved", "Escalated", "a@x.com", "b@x.com"]), min_size=1, max_size=3, unique=True)
entry_st = st.fixed_dictionaries(
    {},
    optional={
        "skillEvaluationMethod": st.sampled_from(["NONE", "BEST", "ALL"]),
        "acw": st.fixed_dictionaries({"wrapupPrompt": st.sampled_from(["MANDATORY_TIMEOUT", "AGENT_REQUESTED"]), "timeoutMs": st.integers(1000, 3_600_000)}),
        "media": st.dictionaries(
            st.sampled_from(["call", "callback", "chat", "email", "message"]),
            st.fixed_dictionaries(
                {},
                optional={
                    "alertingTimeoutSeconds": st.integers(7, 86_400),
                    "serviceLevel": st.fixed_dictionaries({"percentage": st.integers(0, 100).map(lambda p: p / 100), "durationMs": st.integers(1000, 10**8)}),
                },
            ).filter(bool),
            min_size=1,
            max_size=2,
        ),
        "rings": st.dictionaries(
            st.sampled_from("123456"),
            st.fixed_dictionaries(
                {}, optional={"timeoutSeconds": st.integers(0, 259_200), "skillsToRemove": st.lists(st.sampled_from(["Billing", "Sales"]), unique=True)}
            ).filter(bool),
            min_size=1,
            max_size=2,
        ),
        "addWrapupCodes": st.just(["Resolved"]),
        "removeWrapupCodes": st.just(["Escalated"]),
        "members": st.one_of(
            st.fixed_dictionaries({"activate": st.just(["a@x.com"]), "deactivate": st.just(["b@x.com"])}),
            st.fixed_dictionaries({"activateAll": st.just(True)}, optional={"deactivate": _names.map(lambda _: ["b@x.com"])}),
        ),
    },
).filter(bool)


def _flat(obj: Any, at: str = "") -> dict[str, Any]:
    """A JSON entry's leaves by dotted path (what the CSV columns are)."""
    out: dict[str, Any] = {}
    for k, v in obj.items():
        path = f"{at}.{k}" if at else k
        out.update(_flat(v, path) if isinstance(v, dict) else {path: v})
    return out


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ";".join(value) if value else "-"
    if value is True:
        return "true"
    return str(value)


@settings(max_examples=60)
@given(entries=st.lists(entry_st, min_size=1, max_size=4))
def test_csv_and_json_yield_the_same_intents(tmp_path_factory, entries: list[dict[str, Any]]) -> None:
    folder = tmp_path_factory.mktemp("q")
    named = [{"queue": f"Queue {i}", **e} for i, e in enumerate(entries)]
    (folder / "q.json").write_text('{"version": 2, "queues": [\n' + ",\n".join(json.dumps(e) for e in named) + "\n]}\n")
    rows = [_flat(e) for e in named]
    columns = [c for c in COLUMNS if any(c in r for r in rows)]
    assert {c for r in rows for c in r} <= set(columns)
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(columns)
    out.writerows([[_cell(r[c]) if c in r else "" for c in columns] for r in rows])
    (folder / "q.csv").write_text(buf.getvalue())
    from_json, from_csv = open_spec(str(folder / "q.json")), open_spec(str(folder / "q.csv"))
    assert from_json.validate() == [] and from_csv.validate() == []
    assert from_csv.section("queue") == from_json.section("queue")  # the first entry on line 2 in both
