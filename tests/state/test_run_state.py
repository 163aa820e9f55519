import pytest

from bulkops.domain.model import UserIntent
from bulkops.errors import StateError
from bulkops.state.ndjson import BadLine, NdjsonWriter, read_ndjson
from bulkops.state.reconciliation import ReconciliationQueue
from bulkops.state.records import ReconciliationEntry
from bulkops.state.store import RunStore


def test_store_round_trips_intents_and_tracks_status(tmp_path):
    store = RunStore.create(tmp_path / "s.db", {"job": "j1", "spec_hash": "abc"})
    intents = [UserIntent(user=f"u{i}", skills={"s1": 3.0}, remove_skills=frozenset({"s2"}), line=i + 2) for i in range(5)]
    assert store.add_intents(iter(intents), batch=2) == 5
    got = store.open_intents(["u1", "u3", "zz"])
    assert set(got) == {"u1", "u3"} and got["u1"] == (intents[1], "pending")
    store.mark_inflight("u1")
    store.mark_done("u3", "applied")
    assert store.open_intents(["u1", "u3"]) == {"u1": (intents[1], "inflight")}
    assert store.counts() == {"pending": 3, "inflight": 1, "applied": 1}
    store.close()
    again = RunStore.open(tmp_path / "s.db")
    assert again.get("spec_hash") == "abc" and again.counts()["applied"] == 1


def test_store_refuses_a_damaged_file_with_a_clear_message(tmp_path):
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StateError, match="damaged"):
        RunStore.open(path)


def test_a_line_cut_by_a_crash_is_terminated_not_rewritten_and_readers_name_it(tmp_path):
    path = tmp_path / "audit.ndjson"
    w = NdjsonWriter(path)
    w.write({"user_id": "u1", "outcome": "applied"})
    w.close()
    with open(path, "ab") as fh:
        fh.write(b'{"user_id": "u2", "outc')  # kill -9 mid-write
    w = NdjsonWriter(path)
    assert w.repaired
    w.write({"user_id": "u2", "outcome": "applied"})
    w.close()
    records = list(read_ndjson(path))
    assert [r["user_id"] for r in records if isinstance(r, dict)] == ["u1", "u2"]
    bad = [r for r in records if isinstance(r, BadLine)]
    assert len(bad) == 1 and bad[0].line == 2 and "audit.ndjson:2" in str(bad[0])
    assert path.read_bytes().startswith(b'{"user_id":"u1"')  # the first record is untouched


def test_reconciliation_queue_folds_events(tmp_path):
    q = ReconciliationQueue(tmp_path / "r.ndjson")
    q.add(ReconciliationEntry("a", "reconciliation", "conflict", "run1"))
    q.add(ReconciliationEntry("b", "reconciliation", "conflict", "run1"))
    q.drop("a")
    q.add(ReconciliationEntry("c", "failed", "refused", "run1"))
    q.mark_retried("c", "run2")
    q.close()
    assert list(ReconciliationQueue(tmp_path / "r.ndjson").entries()) == ["b"]
