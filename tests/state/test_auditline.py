"""The audit line and the reconciliation entry: one encoder, one decoder, lines of every version read.

Table tests of the decoder (a new line, an older version's line without ``after``, an item's line,
damaged lines) and a round trip of any line through the file (hypothesis)."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.guard import HeldBack
from bulkops.state.auditline import AuditLine, DamagedLine, decode_line, encode_line, read_audit, scan_audit
from bulkops.state.ndjson import BadLine
from bulkops.state.reconciliation import ReconciliationQueue
from bulkops.state.records import ErrorInfo, ItemOutcome, OpResult, ReconciliationEntry, UserOutcome
from bulkops.state.stamps import iso_ts, parse_ts, stamp_text

STAMP = {"ts": "2026-11-23T10:00:01.250Z", "run_id": "20261123T100000Z-abc", "job_id": "j"}
BEFORE = {"version": 3, "skills": {"s1": 2.0, "s2": 1.0}, "languages": {"l1": 4.0}, "title": "Agent", "division": "d1"}
CHANGES = {"upsert_skills": {"s1": 5.0}, "delete_skills": ["s2"], "fields": {"title": "Lead", "department": "Sales"}, "division": "d2"}
#: ``BEFORE`` with ``CHANGES`` applied, as a line of this version writes it (and the decoder puts back in an older one).
AFTER = {"skills": {"s1": 5.0}, "languages": {"l1": 4.0}, "department": "Sales", "title": "Lead", "division": "d2"}
OPS = [{"op": "upsert_skills", "ok": True, "requests": 1, "count": 1}, {"op": "delete_skill", "ok": True, "requests": 1, "skill": "s2"}]


def user(**line):
    return {**STAMP, "outcome": "applied", "user_id": "u1", "email": "a@x", **line}


@pytest.mark.parametrize(
    "raw,after",
    [
        pytest.param(user(before=BEFORE, after=AFTER, changes=CHANGES, ops=OPS), AFTER, id="new line: after as written"),
        pytest.param(user(before=BEFORE, changes=CHANGES, ops=OPS), AFTER, id="older line: after left out, put back"),
        pytest.param(
            user(before=BEFORE, after={"skills": {}, "languages": {}}, changes=CHANGES),
            {"skills": {}, "languages": {}},
            id="older line: a differing after kept",
        ),
        pytest.param(
            user(before=BEFORE, changes={}),
            {"skills": {"s1": 2.0, "s2": 1.0}, "languages": {"l1": 4.0}, "title": "Agent", "division": "d1"},
            id="older line: nothing changed",
        ),
        pytest.param(
            user(before=BEFORE, changes={"replace_skills": {"s9": 1.0}, "fields": {"title": ""}}),
            {"skills": {"s9": 1.0}, "languages": {"l1": 4.0}, "division": "d1"},
            id="older line: replace and a field emptied",
        ),
        pytest.param(user(outcome="failed", reason="not in the users listing"), None, id="short line: no before, no after"),
    ],
)
def test_a_users_line_of_any_version_decodes_with_its_after(raw, after):
    line = decode_line(orjson.loads(orjson.dumps(raw)))
    assert isinstance(line.record, UserOutcome)
    assert (line.ts, line.run_id, line.job_id, line.record.user_id, line.record.email) == (*STAMP.values(), "u1", "a@x")
    assert line.record.after == after
    assert line.t == parse_ts(STAMP["ts"]) > 0


def test_an_items_line_decodes_as_an_item():
    raw = {**STAMP, "kind": "queue", "key": "q1", "outcome": "reconciliation", "name": "Sales", "before": {"id": "q1"}, "after": {"id": "q1", "x": 1},
           "changes": {"settings": {"x": 1}}, "attempts": 2, "conflicts": 1, "requests": 2, "reason": "held", "error": {"status": 409, "code": "c", "message": "m"}}  # fmt: skip
    line = decode_line(raw)
    assert line.record == ItemOutcome(
        "queue", "q1", "reconciliation", "Sales", {"id": "q1"}, {"id": "q1", "x": 1}, {"settings": {"x": 1}}, 2, 1, 2, "held", ErrorInfo(409, "c", "m")
    )
    assert encode_line(line) == raw | {"error": raw["error"] | {"correlation_id": None}}


def test_an_older_queues_epoch_stamp_reads_in_the_one_form():
    assert decode_line(user(ts=1795428001.25)).ts == "2026-11-23T10:00:01.250Z" == iso_ts(1795428001.25)
    assert stamp_text(None) == "" and parse_ts("not a time") == 0.0 and parse_ts(True) == 0.0


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({**STAMP, "user_id": "u1"}, id="no outcome"),
        pytest.param(user(outcome="done"), id="an unknown outcome"),
        pytest.param({**STAMP, "outcome": "applied"}, id="no user"),
        pytest.param({**STAMP, "kind": "skill", "outcome": "applied"}, id="an item with no key"),
        pytest.param(user(ops=[{"ok": True}]), id="an operation with no name"),
        pytest.param(user(attempts="two"), id="a count that is no number"),
        pytest.param(user(ops=5), id="operations that are no list"),
    ],
)
def test_a_damaged_line_is_refused_and_read_as_a_bad_line(raw, tmp_path):
    with pytest.raises(DamagedLine):
        decode_line(raw)
    path = tmp_path / "audit.ndjson"
    path.write_bytes(orjson.dumps(user()) + b"\n" + orjson.dumps(raw) + b"\n" + b'{"ts": "2026-11-23T1')
    got = list(read_audit(path))
    assert isinstance(got[0], AuditLine) and [isinstance(x, BadLine) for x in got] == [False, True, True]
    assert [x.line for x in got[1:] if isinstance(x, BadLine)] == [2, 3]
    assert [off for off, _ in scan_audit(path)][:2] == [0, len(orjson.dumps(user())) + 1]
    assert list(read_audit(tmp_path / "none.ndjson")) == []


# -- round trip ------------------------------------------------------------------------

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=10)
levels = st.dictionaries(st.sampled_from(["s1", "s2", "s3"]), st.sampled_from([1.0, 2.5, 5.0]), max_size=3)
states = st.fixed_dictionaries({"skills": levels, "languages": levels}, optional={"title": text, "division": text})
errors = st.none() | st.builds(ErrorInfo, st.none() | st.integers(400, 599), st.none() | text, text, st.none() | text)
ops = st.builds(
    lambda op, ok, detail, err: OpResult(op, ok, 1.0, detail, None if ok else (err or ErrorInfo(409, "c", "m"))),
    st.sampled_from(["upsert_skills", "delete_skill", "join_queue"]),
    st.booleans(),
    st.dictionaries(st.sampled_from(["skill", "queue", "count"]), text | st.integers(0, 9), max_size=2),
    errors,
)
held = st.builds(HeldBack, st.sampled_from(["skill", "language", "field"]), text, st.none() | st.just(1.0), st.none() | text, st.none() | st.just(2.0))


@st.composite
def user_outcomes(draw):
    before = draw(st.none() | states)
    return UserOutcome(
        draw(st.sampled_from(["applied", "unchanged", "reconciliation", "failed"])),
        draw(text),
        email=draw(st.none() | text) if before is not None else None,
        before=before,
        after=draw(states) if before is not None else None,  # the engine gives an after with every before
        changes=draw(st.fixed_dictionaries({}, optional={"upsert_skills": levels, "division": text})) if before is not None else {},
        first_changes=draw(st.none() | st.fixed_dictionaries({"upsert_skills": levels})),
        version=draw(st.none() | st.integers(1, 99)) if before is not None else None,
        attempts=draw(st.integers(0, 5)) if before is not None else 0,
        conflicts=draw(st.integers(0, 5)) if before is not None else 0,
        requests=draw(st.sampled_from([0.0, 1.0, 2.5])) if before is not None else 0.0,
        latency_ms=draw(st.none() | st.just(12.5)) if before is not None else None,
        correlation_id=draw(st.none() | text) if before is not None else None,
        ops=tuple(draw(st.lists(ops, max_size=3))) if before is not None else (),
        reason=draw(st.none() | text),
        error=draw(errors),
        confirmed_after_restart=draw(st.booleans()),
        held_back=tuple(draw(st.lists(held, max_size=2))),
    )


item_outcomes = st.builds(
    ItemOutcome,
    st.sampled_from(["skill", "queue", "utilization"]),
    text,
    st.sampled_from(["applied", "unchanged", "reconciliation", "failed"]),
    text,
    st.none() | states,
    st.none() | states,
    st.none() | st.fixed_dictionaries({"op": text}),
    st.integers(0, 5),
    st.integers(0, 5),
    st.integers(0, 5),
    st.none() | text,
    errors,
)
stamps = st.floats(0, 4e9).map(iso_ts)


@given(stamps, text, text, user_outcomes() | item_outcomes)
def test_any_line_survives_the_file(ts, run_id, job_id, record):
    line = AuditLine(ts, run_id, job_id, record)
    assert decode_line(orjson.loads(orjson.dumps(encode_line(line)))) == line


# -- reconciliation entries -------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,kind,key,name",
    [
        pytest.param({"kind": "user", "key": "u1", "user_id": "u1"}, "user", "u1", "u1", id="a user, this version"),
        pytest.param({"kind": "queue", "key": "q1"}, "queue", "q1", "queue:q1", id="an item, this version"),
        pytest.param({"user_id": "u1"}, "user", "u1", "u1", id="a user, older version"),
        pytest.param({"user_id": "queue:q1"}, "queue", "q1", "queue:q1", id="an item under the users' field, older version"),
        pytest.param({"user_id": "skill:delete:sales"}, "skill", "delete:sales", "skill:delete:sales", id="an item whose key holds a colon"),
    ],
)
def test_a_reconciliation_entry_of_any_version_names_its_kind_and_key(raw, kind, key, name):
    entry = ReconciliationEntry.from_json({"event": "queued", "outcome": "failed", "run_id": "r", "ts": 1795428001.25, **raw})
    assert (entry.kind, entry.key, entry.entry_id, entry.ts) == (kind, key, name, "2026-11-23T10:00:01.250Z")
    assert ReconciliationEntry.from_json(orjson.loads(orjson.dumps(entry.to_json()))) == entry.__class__(**{**_fields(entry), "ts": ""})


def _fields(entry):
    return {f: getattr(entry, f) for f in entry.__dataclass_fields__}


def test_an_entry_naming_nothing_is_refused():
    with pytest.raises(KeyError):
        ReconciliationEntry.from_json({"event": "queued", "outcome": "failed"})


def test_the_queue_writes_kind_and_key_and_one_stamp_and_reads_older_lines(tmp_path):
    path = tmp_path / "reconciliation.ndjson"
    path.write_bytes(orjson.dumps({"ts": 1.5, "event": "queued", "user_id": "skill:delete:x", "outcome": "failed", "run_id": "r0"}) + b"\n")
    queue = ReconciliationQueue(path)
    queue.add(ReconciliationEntry("q1", "reconciliation", "held", "r1", kind="queue"))
    queue.add(ReconciliationEntry("u1", "failed", "refused", "r1"))
    queue.drop("skill:delete:x", note="fixed by hand")
    queue.close()
    written = [orjson.loads(x) for x in path.read_bytes().splitlines()[1:]]
    assert [(w["event"], w["kind"], w["key"], w.get("user_id")) for w in written] == [
        ("queued", "queue", "q1", None),  # an item is never named under the users' field
        ("queued", "user", "u1", "u1"),
        ("dropped", "skill", "delete:x", None),
    ]
    assert all(parse_ts(w["ts"]) > 0 and w["ts"].endswith("Z") for w in written)
    assert list(ReconciliationQueue(path).entries()) == ["queue:q1", "u1"]
