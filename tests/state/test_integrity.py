"""``state/integrity.py`` on stores made by hand: what each kind of damage reads as (#25 §5)."""

from __future__ import annotations

import sqlite3

import orjson
import pytest

from bulkops.errors import DamagedStateError, StateError
from bulkops.state.integrity import check_run_state, existing_job, read_store, tally_audit
from bulkops.state.layout import RunPaths
from bulkops.state.store import RunStore

READY = {"job_id": "j", "spec_path": "/x", "spec_hash": "h", "mode": "merge", "ready": True}


def job(tmp_path, meta=READY, audit: list[dict] | None = None) -> RunPaths:
    paths = RunPaths.for_job(tmp_path, "j")
    paths.root.mkdir()
    RunStore.create(paths.db, dict(meta)).close()
    if audit is not None:
        paths.audit.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in audit))
    return paths


def test_a_whole_ready_store_passes(tmp_path):
    paths = job(tmp_path)
    assert read_store(paths.db).damage is None
    check_run_state(paths, "j")
    assert existing_job(paths, "j")


@pytest.mark.parametrize(
    ("harm", "found"),
    [
        (lambda db: db.write_bytes(bytes(db.stat().st_size)), "SQLite cannot read it"),
        (lambda db: db.write_bytes(b"not sqlite at all" * 300), "SQLite cannot read it"),
        (lambda db: db.write_bytes(db.read_bytes()[:100]), "SQLite"),
    ],
)
def test_unreadable_stores_are_damaged(tmp_path, harm, found):
    paths = job(tmp_path)
    harm(paths.db)
    assert found in (read_store(paths.db).damage or "")
    with pytest.raises(DamagedStateError, match="is damaged"):
        check_run_state(paths, "j")


def test_a_lost_table_and_lost_meta_are_damage(tmp_path):
    paths = job(tmp_path)
    conn = sqlite3.connect(paths.db)
    with conn:
        conn.execute("DELETE FROM meta WHERE key = 'mode'")
    assert read_store(paths.db).damage == "its job description lacks mode"
    with conn:
        conn.execute("DROP TABLE intents")
    conn.close()
    assert read_store(paths.db).damage == "its table(s) intents are missing"


def test_not_ready_is_set_up_interrupted_only_while_the_audit_is_empty(tmp_path):
    paths = job(tmp_path, {"job_id": None})
    with pytest.raises(StateError, match="interrupted during set-up") as caught:
        check_run_state(paths, "j")
    assert not isinstance(caught.value, DamagedStateError)
    assert not existing_job(paths, "j")  # set-up may start again there
    paths.audit.write_bytes(orjson.dumps({"user_id": "u1", "outcome": "applied", "before": {}}) + b"\n")
    with pytest.raises(DamagedStateError, match="is not marked ready, yet the job ran"):
        check_run_state(paths, "j")
    with pytest.raises(DamagedStateError):
        existing_job(paths, "j")


def test_the_audit_tally_counts_what_was_written(tmp_path):
    path = tmp_path / "audit.ndjson"
    lines = [
        {"user_id": "u1", "outcome": "applied"},
        {"user_id": "u1", "outcome": "applied"},
        {"user_id": "u2", "outcome": "failed"},
        {"user_id": "u3", "outcome": "reconciliation", "after": {"skills": {}}},
        {"kind": "skill", "key": "create:a", "outcome": "applied"},
    ]
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in lines) + b'{"cut')
    tally = tally_audit(path)
    assert (tally.lines, tally.users_written, tally.items_written) == (6, 2, 1)
    assert tally_audit(tmp_path / "none").lines == 0
