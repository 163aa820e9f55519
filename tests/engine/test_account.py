"""The job's account (#25 §7), its pure parts as tables and properties, and ``read_account`` on a
job folder made by hand (a user and an item dropped, one still queued, one pending)."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.model import UserIntent
from bulkops.engine.account import PassEnd, QueueFold, dropped_by_owner, fold_queue, job_state, read_account, settle
from bulkops.state.layout import RunPaths
from bulkops.state.store import RunStore

STOPPED, DONE, CUT = PassEnd(stopped=True, listing_complete=False), PassEnd(stopped=False, listing_complete=True), PassEnd(False, False)


@pytest.mark.parametrize(
    ("open_work", "need_look", "pass_end", "outside", "state"),
    [
        (0, 0, DONE, None, "complete"),
        (0, 3, DONE, None, "finished"),
        (5, 3, STOPPED, None, "stopped"),
        (0, 0, STOPPED, None, "complete"),  # stopped after its last user was checkpointed: nothing open, as `status` says
        (0, 2, STOPPED, None, "finished"),
        (0, 0, CUT, None, "incomplete"),
        (2, 0, DONE, None, "incomplete"),
        (0, 0, None, "stopped", "complete"),  # from outside: nothing open, nothing held
        (0, 1, None, "interrupted", "finished"),  # a killed pass that had finished its users
        (4, 1, None, "interrupted", "interrupted"),
        (4, 0, None, "stopped", "stopped"),
        (0, 0, None, "running", "running"),
    ],
)
def test_the_state_of_a_job(open_work, need_look, pass_end, outside, state):
    assert job_state(open_work=open_work, need_look=need_look, pass_end=pass_end, outside=outside) == state


def test_settle_moves_the_dropped_apart_in_order():
    counts = {"pending": 1, "failed": 2, "applied": 5, "reconciliation": 1}
    assert settle(counts, {"failed": 1, "reconciliation": 1}) == {"applied": 5, "failed": 1, "dropped": 2, "pending": 1}
    assert settle(counts, {}) == {"applied": 5, "reconciliation": 1, "failed": 2, "pending": 1}
    assert settle({"failed": 1}, {"failed": 3}) == {"dropped": 1}  # never more than there are
    assert settle({"skipped": 2, "applied": 1}, {}) == {"applied": 1, "skipped": 2}  # an outcome of another kind, after


@given(
    st.dictionaries(st.sampled_from(["applied", "unchanged", "failed", "reconciliation", "pending", "inflight"]), st.integers(0, 50)),
    st.dictionaries(st.sampled_from(["failed", "reconciliation"]), st.integers(0, 60)),
)
def test_settle_keeps_every_user(counts, dropped):
    settled = settle(counts, dropped)
    assert sum(settled.values()) == sum(counts.values())
    assert all(settled.get(k, 0) <= counts.get(k, 0) for k in ("failed", "reconciliation"))


def _events(tmp_path, *events):
    path = tmp_path / "reconciliation.ndjson"
    path.write_bytes(b"".join(e if isinstance(e, bytes) else orjson.dumps(e) + b"\n" for e in events))
    return path


def test_the_queue_folded_as_entries_folds_it_with_the_dropped_apart(tmp_path):
    path = _events(
        tmp_path,
        {"event": "queued", "user_id": "u1", "outcome": "failed"},
        {"event": "queued", "user_id": "u2", "outcome": "reconciliation"},
        {"event": "dropped", "user_id": "u1"},
        {"event": "queued", "user_id": "u3", "outcome": "reconciliation"},
        {"event": "retried", "user_id": "u3"},
        {"event": "queued", "user_id": "u3", "outcome": "failed"},  # the retry failed again: open
        {"event": "queued", "user_id": "u4", "outcome": "failed"},
        {"event": "dropped", "user_id": "u4"},
        {"event": "queued", "user_id": "u4", "outcome": "reconciliation"},  # queued again by a later pass: open, not dropped
        {"event": "queued", "user_id": "u5", "outcome": "failed"},
        {"event": "resolved", "user_id": "u5"},
        {"event": "dropped", "user_id": "u6"},  # dropped, never queued: nothing to settle
        {"event": "queued", "outcome": "failed"},  # names no user
        b'{"event": "queued", "user_id": "u7"',  # cut by a crash
    )
    fold = fold_queue(path)
    assert fold.open_ids == ("u2", "u3", "u4") and dict(fold.dropped) == {"u1": "failed"}
    assert fold_queue(tmp_path / "none.ndjson") == QueueFold()


def test_dropped_entries_are_the_users_or_a_kinds():
    fold = QueueFold({}, {"u1": "failed", "skill:delete:sales": "failed", "queue:Q1": "reconciliation", "odd:id": "failed"})
    users, items = dropped_by_owner(fold, ["skill", "queue"])
    assert users == {"failed": 2} and items == {"skill": {"failed": 1}, "queue": {"reconciliation": 1}}


def test_read_account_of_a_job_folder(tmp_path):
    paths = RunPaths(tmp_path / "job")
    store = RunStore.create(paths.db, {"job_id": "job", "mode": "merge"})
    store.add_intents(UserIntent(user=u, skills={"s1": 3.0}, line=i + 2) for i, u in enumerate(("u1", "u2", "u3", "u4", "u5")))
    for uid, outcome in (("u1", "applied"), ("u2", "failed"), ("u3", "reconciliation"), ("u4", "failed")):
        store.mark_done(uid, outcome)
    store.add_items("skill", "skills", [("delete:sales", b"{}")])
    store.mark_item("skill", "delete:sales", "done", "failed")
    paths.reconciliation.write_bytes(
        b"".join(
            orjson.dumps(e) + b"\n"
            for e in (
                {"event": "queued", "user_id": "u2", "outcome": "failed"},
                {"event": "queued", "user_id": "u3", "outcome": "reconciliation"},
                {"event": "queued", "user_id": "u4", "outcome": "failed"},
                {"event": "queued", "user_id": "skill:delete:sales", "outcome": "failed"},
                {"event": "dropped", "user_id": "u4"},
                {"event": "dropped", "user_id": "skill:delete:sales"},
            )
        )
    )
    account = read_account(store, paths)
    assert account.users == {"applied": 1, "reconciliation": 1, "failed": 1, "dropped": 1, "pending": 1} and account.total == 5
    assert account.items == {"skill": {"dropped": 1}}
    assert (account.need_look, account.dropped, account.open_entries, account.open_work) == (2, 2, 2, 1)
    assert account.state == "stopped" and account.status == "stopped"  # u5 is still to handle
    store.mark_done("u5", "applied")
    done = read_account(store, paths)
    assert done.state == "finished" and done.status == "finished, 2 need a look" and done.to_json()["users"]["total"] == 5
    store.set(running="20261123T100000Z-aaaaaa")  # a pass that died with u5 pending: interrupted
    store.reopen(["u5"], 2)
    assert read_account(store, paths).state == "interrupted"
    store.close()
