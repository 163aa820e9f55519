"""The pure parts of settling (#28 §3, §4): an entry's three-way rows in names, its anchor and
commands, grouping by reason, what a job changed per element, and real send times in buckets."""

from __future__ import annotations

import pytest

from bulkops.report.orgchanges import JOIN_SENT, LEAVE_SENT, org_changes
from bulkops.report.settle import JobContext, OrgNow, anchor_of, by_reason, readable_time, settle_view
from bulkops.report.timeline import sent_timeline
from bulkops.state.records import ReconciliationEntry, UserOutcome

NAMES = {"s-1": "Billing", "s-2": "Sales", "l-1": "French", "d-1": "EMEA", "d-0": "Home", "q-1": "Support", "m-1": "boss@example.com"}
CTX = JobContext("j", " --state-dir st", NAMES, {"u-9": "lost@example.com"})


def entry(**kw):
    """A queue line (as the file holds it, ids and all), read the way every reader reads it."""
    return ReconciliationEntry.from_json(raw(**kw))


def raw(**kw):
    base = {
        "user_id": "u-1",
        "email": "a@example.com",
        "outcome": "reconciliation",
        "reason": "still conflicting after 3 attempts",
        "ts": "2026-11-30T10:13:20.250Z",
        "attempts": 3,
        "run_id": "r1",
        "intent": {
            "user": "u-1",
            "skills": {"s-1": 4},
            "remove_skills": ["s-2"],
            "languages": {"l-1": 3},
            "fields": {"manager": "m-1"},
            "division": "d-1",
            "join_queues": ["q-1"],
        },
        "last_state": {"version": 3, "skills": {"s-2": 1}, "languages": {}, "manager": "m-1", "division": "d-0"},
        "error": {"status": 409, "code": "general.conflict", "message": "version mismatch"},
    }
    return base | kw


def test_rows_name_every_element_and_the_three_values():
    now = OrgNow({"skills": {"s-1": 4.0}, "languages": {}, "division": "d-1", "manager": "m-1"}, queues={"q-1": True}, read_at=1_796_000_100)
    v = settle_view(entry(), CTX, now)
    table = {r.what: (r.wanted, r.seen, r.now) for r in v.rows}
    assert table == {
        "skill Billing": ("proficiency 4", "not held", "proficiency 4"),
        "skill Sales": ("not held", "proficiency 1", "not held"),
        "language French": ("proficiency 3", "not held", "not held"),
        "manager": ("boss@example.com", "boss@example.com", "boss@example.com"),
        "division": ("EMEA", "Home", "EMEA"),
        "queue Support": ("member", "not recorded", "member"),
    }
    assert [r.settled for r in v.rows] == [True, True, False, True, True, True]
    assert v.queued_at.startswith("2026-") and "UTC" in v.queued_at and v.now_read_at
    assert v.error == "409 general.conflict: version mismatch"
    assert v.anchor == "reconcile-a@example.com"
    assert v.commands[0][1] == "bulkops reconcile retry j a@example.com --state-dir st"
    spec = v.commands[2][1]
    assert spec.startswith("printf '%s\\n' ") and spec.endswith(" > fix-a.jsonl")
    assert '"skills": {"Billing": 4}' in spec and '"removeSkills": ["Sales"]' in spec and '"manager": "boss@example.com"' in spec
    assert '"division": "EMEA"' in spec and '"joinQueues": ["Support"]' in spec and '"mode": "merge"' in spec
    assert (
        v.commands[3][1]
        == "bulkops reconcile drop j a@example.com --note 'rerun as j-fix-a' --state-dir st && bulkops run fix-a.jsonl --job j-fix-a --state-dir st"
    )


def test_an_id_the_catalogue_lacks_is_never_shown_and_an_entry_without_email_takes_the_spec_users():
    v = settle_view(entry(user_id="u-9", email=None, intent={"user": "u-9", "skills": {"s-404": 2}}, last_state=None), CTX)
    assert v.label == "lost@example.com" and v.commands[0][1].startswith("bulkops reconcile retry j lost@example.com")
    assert [(r.what, r.seen, r.now) for r in v.rows] == [("skill an unnamed skill", "not recorded", None)]


def test_an_item_entry_shows_what_it_last_saw_and_has_no_edit_command():
    item = {
        "kind": "skill",
        "key": "delete:Sales",
        "email": "Sales",
        "outcome": "failed",
        "reason": "in use",
        "last_state": {"division": "d-1", "state": "active"},
    }
    v = settle_view(ReconciliationEntry.from_json(item), CTX)
    assert ("division", "EMEA") in [(r.what, r.seen) for r in v.rows]
    assert len(v.commands) == 2 and v.commands[0][1] == "bulkops reconcile retry j skill:delete:Sales --state-dir st"


@pytest.mark.parametrize(("label", "anchor"), [("A@Example.com", "reconcile-a@example.com"), ("skill:delete:Big Sales", "reconcile-skill:delete:big-sales")])
def test_anchors_are_ids_without_spaces(label, anchor):
    assert anchor_of(label) == anchor


def test_groups_by_reason_largest_first():
    views = [settle_view(entry(user_id=f"u{i}", email=f"u{i}@x", reason=r), CTX) for i, r in enumerate("abbcbc")]
    assert [(k, [v.label for v in vs]) for k, vs in by_reason(views).items()] == [("b", ["u1@x", "u2@x", "u4@x"]), ("c", ["u3@x", "u5@x"]), ("a", ["u0@x"])]
    assert readable_time(None) == ""


def test_what_changed_counts_gains_losses_and_fields_per_element():
    raw_lines = [
        {"outcome": "applied", "email": "a@x", "before": {"skills": {"s-2": 1}}, "changes": {"upsert_skills": {"s-1": 3}, "delete_skills": ["s-2"]}},
        {
            "outcome": "applied",
            "email": "b@x",
            "before": {"skills": {"s-1": 1}, "queues": {"q-1": False}},
            "changes": {"upsert_skills": {"s-1": 3}, "join_queues": ["q-1"]},
        },
        {"outcome": "applied", "email": "c@x", "before": {}, "changes": {"fields": {"title": "Lead", "manager": "m-1"}, "division": "d-1"}},
        {"outcome": "unchanged", "email": "d@x", "before": {}, "changes": {}},
        {"outcome": "applied", "email": "e@x", "before": {"skills": {"s-2": 2}}, "changes": {"replace_skills": {"s-1": 1}}},
    ]
    lines = [UserOutcome.from_json({"user_id": f"u-{i}", "version": 1, **r}) for i, r in enumerate(raw_lines)]
    got = org_changes(lines, NAMES, keep=1)
    assert got.users_changed == 4
    table = {(g.kind, g.name, g.change): (g.count, g.users) for g in got.groups()}
    assert table == {
        ("skill", "Billing", "gained"): (2, ["a@x"]),
        ("skill", "Billing", "level changed"): (1, ["b@x"]),
        ("skill", "Sales", "lost"): (2, ["a@x"]),
        ("queue", "Support", "joined"): (1, ["b@x"]),
        ("division", "EMEA", "moved in"): (1, ["c@x"]),
        ("title", "", "set"): (1, ["c@x → Lead"]),
        ("manager", "boss@example.com", "set to"): (1, ["c@x"]),
    }


def test_sent_times_fill_buckets_that_add_up_to_every_request():
    counts = [3, 4, 0, 5] * 50  # 200 s: 2-second buckets
    tl = sent_timeline({"start": 1_796_000_000, "counts": counts})
    assert tl is not None and tl.width == 5.0
    assert sum(b.requests for b in tl.buckets) == sum(counts)
    assert max(b.rps for b in tl.buckets) <= max(counts)
    assert sent_timeline(None) is None and sent_timeline({"start": 1, "counts": []}) is None


@pytest.mark.parametrize(
    ("before", "changes", "change"),
    [
        ({"queues": {"q-1": False}}, {"join_queues": ["q-1"]}, "joined"),
        ({"queues": {"q-1": True}}, {"leave_queues": ["q-1"]}, "left"),
        ({}, {"join_queues": ["q-1"]}, JOIN_SENT),
        ({"queues": {"q-2": False}}, {"leave_queues": ["q-1"]}, LEAVE_SENT),
    ],
)
def test_a_membership_written_blind_is_sent_not_changed(before, changes, change):
    """A queue whose members the run did not read: the report says the write was sent, not that the
    user joined (the API does not say whether they were a member already; #29 §3)."""
    line = UserOutcome.from_json({"user_id": "u-1", "version": 1, "outcome": "applied", "email": "a@x", "before": before, "changes": changes})
    assert [(g.name, g.change) for g in org_changes([line], NAMES).groups()] == [("Support", change)]


def test_users_whose_only_writes_were_blind_memberships_are_counted_apart():
    raw = [
        {"before": {}, "changes": {"join_queues": ["q-1"]}},  # sent only
        {"before": {"queues": {"q-1": False}}, "changes": {"join_queues": ["q-1"]}},  # read: joined
        {"before": {}, "changes": {"join_queues": ["q-1"], "upsert_skills": {"s-1": 3}}},  # a skill too
    ]
    lines = [UserOutcome.from_json({"user_id": f"u-{i}", "version": 1, "outcome": "applied", "email": f"{i}@x", **r}) for i, r in enumerate(raw)]
    got = org_changes(lines, NAMES)
    assert (got.users_changed, got.users_sent_only) == (3, 1)
