"""The records that cross layers: one encoder, one decoder, and they agree."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.model import UserIntent
from bulkops.state.records import ErrorInfo, OpResult, ReconciliationEntry, UserOutcome

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
errors = st.none() | st.builds(ErrorInfo, st.none() | st.integers(400, 599), st.none() | names, names, st.none() | names)
ops = st.builds(
    lambda op, ok, n, detail, err: OpResult(op, ok, n, detail, None if ok else (err or ErrorInfo(409, "c", "m"))),
    st.sampled_from(["upsert_skills", "delete_skill", "patch_user", "join_queue"]),
    st.booleans(),
    st.integers(0, 9).map(float),
    st.dictionaries(st.sampled_from(["skill", "count", "queue", "batch"]), names | st.integers(0, 100), max_size=2),
    errors,
)


def wire(obj_json: dict) -> dict:
    return orjson.loads(orjson.dumps(obj_json))  # what a reader gets back from the file


@given(ops)
def test_an_op_result_survives_the_file(op):
    assert OpResult.from_json(wire(op.to_json())) == op


@given(
    st.sampled_from(["applied", "unchanged", "reconciliation", "failed"]),
    names,
    st.lists(ops, max_size=4),
    errors,
    st.none() | names,
    st.booleans(),
)
def test_a_user_outcome_survives_the_file(outcome, uid, op_list, error, reason, confirmed):
    record = UserOutcome(
        outcome, uid, email=f"{uid}@x", before={"skills": {"s": 1.0}}, after={"skills": {"s": 2.0}},
        changes={"upsert_skills": {"s": 2.0}}, first_changes={"upsert_skills": {"s": 3.0}}, version=4,
        attempts=2, conflicts=1, requests=3.0, latency_ms=1.5, correlation_id="cid", ops=tuple(op_list),
        reason=reason, error=error, confirmed_after_restart=confirmed,
    )  # fmt: skip
    assert UserOutcome.from_json(wire(record.to_json())) == record


def test_an_outcome_without_state_is_a_short_line():
    line = UserOutcome("failed", "u1", reason="not in the users listing").to_json()
    assert line == {"outcome": "failed", "user_id": "u1", "reason": "not in the users listing"}
    with pytest.raises(ValueError):
        UserOutcome("done", "u1")


def test_a_reconciliation_entry_survives_the_file():
    entry = ReconciliationEntry(
        "u1", "reconciliation", "still conflicting", "run-1", email="a@x",
        intent=UserIntent("u1", skills={"s": 2.0}, join_queues=frozenset({"q"})), last_state={"skills": {}},
        error=ErrorInfo(409, "general.conflict", "conflict", "cid"), attempts=3,
    )  # fmt: skip
    assert ReconciliationEntry.from_json(wire(entry.to_json())) == entry
