"""Set-up's staging store (``RunStore.create(..., scratch=True)``): no WAL and no syncs, since only
``move_to``'s result is ever a job's state; a rollback still undoes, the moved store is an ordinary WAL store
holding everything, and the scratch store refuses to record a write."""

import errno
import os
import sqlite3

import pytest

from bulkops.domain.model import ResolvedIntent, UserIntent, UserState
from bulkops.errors import StateError
from bulkops.state.store import RunStore


def journal_mode(path):
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA journal_mode").fetchone()[0]


def test_a_scratch_store_moves_into_place_as_a_wal_store_holding_everything(tmp_path):
    staging = RunStore.create(tmp_path / "setup" / "state.db", {"job_id": None}, scratch=True)
    intents = [ResolvedIntent(UserIntent(f"u{i}", skills={f"s{i % 7}": 2.0}, line=i + 2)) for i in range(1200)]
    staging.add_intents(intents)
    staging.put_states([UserState(f"u{i}", i, email=f"u{i}@x", skills={"s1": 1.0}) for i in range(1200)], 5.0)
    assert not (tmp_path / "setup" / "state.db-wal").exists()
    staging.set(ready=True)
    (tmp_path / "job").mkdir()
    store = staging.move_to(tmp_path / "job" / "state.db")
    assert journal_mode(tmp_path / "job" / "state.db") == "wal"
    assert not (tmp_path / "setup" / "state.db").exists()
    reopened = RunStore.open(tmp_path / "job" / "state.db")
    for s in (store, reopened):
        assert s.get("ready") is True and s.total() == 1200
        assert s.open_intents(["u7", "u1199"]) == {"u7": (intents[7], "pending"), "u1199": (intents[1199], "pending")}
        assert s.states(["u42"]) == {"u42": (UserState("u42", 42, email="u42@x", skills={"s1": 1.0}), 5.0)}
    store.mark_inflight("u7")  # the moved store records writes


def test_a_rollback_in_a_scratch_store_undoes_the_transaction(tmp_path):
    staging = RunStore.create(tmp_path / "state.db", {}, scratch=True)

    def intents_then_a_failure():
        yield from (ResolvedIntent(UserIntent(f"u{i}")) for i in range(3000))  # past one 2000-row batch
        raise RuntimeError("resolution failed")

    with pytest.raises(RuntimeError):
        staging.add_intents(intents_then_a_failure())
    assert staging.total() == 0


@pytest.mark.parametrize("record", [lambda s: s.mark_inflight("u1"), lambda s: s.mark_item("skill", "k", "inflight")])
def test_a_scratch_store_refuses_to_record_a_write(tmp_path, record):
    staging = RunStore.create(tmp_path / "state.db", {}, scratch=True)
    staging.add_intents([ResolvedIntent(UserIntent("u1"))])
    staging.add_items("skill", "definitions", [("k", b"{}")])
    with pytest.raises(StateError, match="scratch"):
        record(staging)
    assert staging.counts() == {"pending": 1} and staging.written() == []


def test_a_store_on_another_file_system_is_copied_into_place(tmp_path, monkeypatch):
    """``move_to`` renames; where the job's folder is on another file system (EXDEV) it copies."""
    staging = RunStore.create(tmp_path / "setup" / "state.db", {}, scratch=True)
    staging.add_intents([ResolvedIntent(UserIntent("u1", skills={"s1": 3.0}))])
    (tmp_path / "job").mkdir()
    rename = os.replace

    def across_devices(src, dst):
        if str(src).endswith("setup/state.db"):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        rename(src, dst)

    monkeypatch.setattr(os, "replace", across_devices)
    store = staging.move_to(tmp_path / "job" / "state.db")
    assert store.intent("u1") == UserIntent("u1", skills={"s1": 3.0})
    assert not (tmp_path / "setup" / "state.db").exists() and not (tmp_path / "job" / "state.db.creating").exists()
    assert (tmp_path / "job" / "state.db").stat().st_mode & 0o777 == 0o600
