"""The write-ahead record (#25 §1): stored with the inflight mark, read back as stored, dropped at
done; ``landed`` and ``merge_changes`` (pure) decide what a resumed pass records as confirmed; the
checkpoint's written users against the audit (``undocheck.unaccounted``), old stores included."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from helpers.auditlines import records

from bulkops.domain.model import Changes, UserIntent, UserState
from bulkops.engine.run.writeahead import confirmed_ops, landed, merge_changes
from bulkops.engine.undo.undocheck import BARE_CONFIRMATION, NO_LINE, NO_RECORD, AuditSeen, unaccounted
from bulkops.state.store import RunStore
from bulkops.state.writeahead import WriteAhead


def sid(i: int) -> str:
    return str(uuid.UUID(int=i + 1))


def test_the_record_comes_back_as_stored_and_done_drops_it(tmp_path):
    store = RunStore.create(tmp_path / "state.db", {})
    store.add_intents([UserIntent(user=u) for u in ("a", "b", "c")])
    before = {"version": 3, "skills": {sid(1): 2.0}, "languages": {sid(9): 1.0}, "title": "Agent", "queues": {"q1": False}}
    change = Changes(upsert_skills={sid(2): 5.0}, delete_skills=frozenset({sid(1)}), fields={"title": "Lead"}, join_queues=frozenset({"q1"}))
    store.mark_inflight("a", WriteAhead(before, change))
    store.mark_inflight("b", WriteAhead(before, Changes(replace_skills={sid(3): 1.0})))
    assert store.writeaheads(["a"]) == {"a": WriteAhead(before, change)}
    assert store.writeaheads()["b"].changes.replace_skills == {sid(3): 1.0}
    store.mark_done("a", "applied")
    store.mark_done("c", "unchanged")
    assert set(store.writeaheads()) == {"b"}
    written = {w.key: (w.status, w.has_record) for w in store.written()}
    assert written == {"a": ("done", False), "b": ("inflight", True)}  # c wrote nothing


@pytest.mark.parametrize(
    ("change", "state", "expected"),
    [
        (Changes(fields={"title": "Lead", "department": "X"}), UserState(id="u", version=1, title="Lead"), Changes(fields={"title": "Lead"})),
        (Changes(fields={"title": ""}), UserState(id="u", version=1), Changes(fields={"title": ""})),
        (Changes(upsert_skills={"s1": 5.0, "s2": 1.0}), UserState(id="u", version=1, skills={"s1": 5.0, "s2": 3.0}), Changes(upsert_skills={"s1": 5.0})),
        (Changes(delete_skills=frozenset({"s1", "s2"})), UserState(id="u", version=1, skills={"s2": 1.0}), Changes(delete_skills=frozenset({"s1"}))),
        (Changes(replace_skills={"s1": 1.0}), UserState(id="u", version=1, skills={"s1": 1.0}), Changes(replace_skills={"s1": 1.0})),
        (Changes(replace_skills={"s1": 1.0}), UserState(id="u", version=1, skills={"s1": 1.0, "s2": 2.0}), Changes()),
        (Changes(division="d2"), UserState(id="u", version=1, division="d1"), Changes()),
        (
            Changes(join_queues=frozenset({"q1", "q2"}), leave_queues=frozenset({"q3"})),
            UserState(id="u", version=1, queues=frozenset({"q1"})),
            Changes(join_queues=frozenset({"q1"}), leave_queues=frozenset({"q3"})),
        ),
    ],
)
def test_landed_is_what_the_org_holds_of_the_change(change, state, expected):
    assert landed(change, state) == expected


def test_merge_keeps_everything_sent_the_later_winning():
    first = Changes(upsert_skills={"s1": 1.0, "s2": 2.0}, fields={"title": "A"}, join_queues=frozenset({"q"}))
    then = Changes(delete_skills=frozenset({"s2"}), fields={"department": "B"}, leave_queues=frozenset({"q"}))
    assert merge_changes(first, then) == Changes(
        upsert_skills={"s1": 1.0}, delete_skills=frozenset({"s2"}), fields={"title": "A", "department": "B"}, leave_queues=frozenset({"q"})
    )
    assert merge_changes(Changes(), then) == then


def test_confirmed_ops_name_each_write_as_the_audit_does():
    ops = confirmed_ops(Changes(fields={"title": "x"}, delete_skills=frozenset({"s1"}), join_queues=frozenset({"q"})))
    assert [(o.op, o.ok, o.requests, o.detail.get("confirmed")) for o in ops] == [
        ("patch_user", True, 0, True),
        ("delete_skill", True, 0, True),
        ("join_queue", True, 0, True),
    ]


def test_every_written_user_is_accounted_for_or_named(tmp_path):
    store = RunStore.create(tmp_path / "state.db", {})
    store.add_intents([UserIntent(user=u) for u in "abcdef"])
    for u in "abcde":
        store.mark_inflight(u, WriteAhead({"skills": {}}, Changes(fields={"title": "x"})) if u != "e" else None)
    for u in "abc":
        store.mark_done(u, "applied")
    seen = AuditSeen()
    lines = records([{"user_id": "a", "ops": [{"op": "patch_user", "ok": True}]}, {"user_id": "b", "confirmed_after_restart": True, "ops": []}])
    assert list(seen.watch(lines)) == lines
    named = {u.key: u.reason for u in unaccounted(store.written(), seen)}
    # a: its line; b: a bare confirmation; c: no line; d: in flight with its record; e: in flight, none; f: never written
    assert named == {"b": BARE_CONFIRMATION, "c": NO_LINE, "e": NO_RECORD}


def test_a_store_made_before_the_record_opens_and_counts_its_done_users_as_written(tmp_path):
    path = tmp_path / "state.db"
    RunStore.create(path, {}).close()
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TABLE intents; DROP TABLE writeahead; CREATE TABLE intents (user_id TEXT PRIMARY KEY, payload BLOB NOT NULL, "
        "status TEXT NOT NULL DEFAULT 'pending', outcome TEXT, pass INTEGER NOT NULL DEFAULT 0);"
    )
    conn.executemany("INSERT INTO intents VALUES (?, '{}', ?, ?, 0)", [("a", "done", "applied"), ("b", "done", "unchanged"), ("c", "inflight", None)])
    conn.commit()
    conn.close()
    store = RunStore.open(path)
    assert {w.key: (w.status, w.has_record) for w in store.written()} == {"a": ("done", False), "c": ("inflight", False)}
