"""The gate's parser and its check (#31 §3): table tests of good and bad conditions, the column a
bad one is refused at, and properties: every condition written back parses to itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.rollout.gate import METRICS, Breach, Condition, Gate, GateError, breaches, parse_condition, parse_gate, unknown_queues


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("waiting<=10", Condition("waiting", "<=", 10.0)),
        ("serviceLevel>=0.8", Condition("serviceLevel", ">=", 0.8)),
        ("serviceLevel >= 80%", Condition("serviceLevel", ">=", 0.8)),
        ("onQueue>=3", Condition("onQueue", ">=", 3.0)),
        ("interacting<20", Condition("interacting", "<", 20.0)),
        ("waiting==0", Condition("waiting", "==", 0.0)),
        ("Support ES:waiting<=3", Condition("waiting", "<=", 3.0, "Support ES")),
        (" Support ES : waiting <= 3 ", Condition("waiting", "<=", 3.0, "Support ES")),
        ("Tier: 2:onQueue>1", Condition("onQueue", ">", 1.0, "Tier: 2")),  # the name is what comes before the last ':'
    ],
)
def test_good_conditions(text, expected):
    assert parse_condition(text) == expected


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("abandoned<=3", 1, "not a metric the client reads"),
        ("Support ES:tAnswered<=3", 12, "not a metric the client reads"),
        ("waiting", 1, "no comparison"),
        ("waiting=>3", 1, "not a metric the client reads"),  # "=>" is no comparison: the metric would be "waiting="
        ("waiting<=", 10, "not a number"),
        ("waiting<=ten", 10, "not a number"),
        ("waiting<= -1", 11, "not a number"),
        ("serviceLevel>=1.5", 15, "a share between 0 and 1"),
        ("serviceLevel>=120%", 15, "a share between 0 and 1"),
        (":waiting<=3", 1, "queue name is empty"),
        ("", 1, "no comparison"),
    ],
)
def test_bad_conditions_name_the_text_and_column(text, column, reason):
    with pytest.raises(GateError) as caught:
        parse_condition(text)
    err = caught.value
    assert (err.text, err.column) == (text, column), str(err)
    assert reason in err.reason and repr(text) in str(err)


def test_a_gate_keeps_its_order_and_names_its_queues():
    gate = parse_gate(["waiting<=3", "Support ES:onQueue>=2", "Billing:waiting<=1", "Support ES:waiting<=5"])
    assert gate.queues_named == ("Support ES", "Billing")
    assert unknown_queues(gate, ["Support ES"]) == ["Billing"]
    assert not gate.needs_service_level and parse_gate(["serviceLevel>=0.5"]).needs_service_level


def test_breaches_per_queue_and_for_all():
    gate = parse_gate(["waiting<=3", "Support ES:onQueue>=5"])
    readings = {"Support ES": {"waiting": 4.0, "onQueue": 3.0}, "Billing": {"waiting": 1.0, "onQueue": 1.0, "serviceLevel": None}}
    found = breaches(gate, readings)
    assert found == [Breach("Support ES", gate.conditions[0], 4.0), Breach("Support ES", gate.conditions[1], 3.0)]
    assert "queue 'Support ES': waiting 4 fails waiting<=3" == str(found[0])
    assert breaches(parse_gate(["serviceLevel>=0.8"]), {"Billing": {"serviceLevel": None}}) == []  # nothing read: no breach
    assert breaches(Gate(), readings) == []


queue_names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(lambda s: s.strip() == s and s)
thresholds = st.integers(min_value=0, max_value=10_000)


@given(metric=st.sampled_from(sorted(METRICS)), op=st.sampled_from(["<=", ">=", "<", ">", "=="]), value=thresholds, queue=st.none() | queue_names)
def test_a_condition_written_back_parses_to_itself(metric, op, value, queue):
    if metric == "serviceLevel":
        value = value % 101 / 100
    text = f"{queue + ':' if queue is not None else ''}{metric}{op}{value}"
    if queue is not None and any(o in queue for o in ("<", ">", "==")):
        return  # a comparison in the name: the metric part is after the last ':', the name may not hold one
    parsed = parse_condition(text)
    assert parsed == Condition(metric, op, float(value), queue)
    assert parse_condition(str(parsed)) == parsed


@given(st.text(max_size=40))
def test_any_text_parses_or_is_refused_with_a_column_inside_it(text):
    try:
        parse_condition(text)
    except GateError as err:
        assert 1 <= err.column <= len(text) + 1
