"""Verification, pure: the job's writes against the platform's messages (examples and properties)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.platformaudit import AuditMessage, PropertyChange
from bulkops.domain.verification import (
    CONFIRMED,
    MISSING,
    MIXED,
    UNEXPECTED,
    ExpectedWrite,
    OtherJob,
    Verification,
    Window,
    audit_lags,
    merge_windows,
    verify,
)


def msg(mid: str, entity: str, *changes: tuple[str, list[str], list[str]], action: str = "Update", at: float = 100.0) -> AuditMessage:
    return AuditMessage(
        mid, "Routing", "AgentRoutingInfo", entity, action, at, client_id="c", changes=tuple(PropertyChange(p, tuple(o), tuple(n)) for p, o, n in changes)
    )


def test_a_write_is_confirmed_by_a_message_on_its_entity_that_names_what_changed():
    expected = [ExpectedWrite("u1", "u1", "upsert_skills", frozenset({"s1"}))]
    v = verify(expected, [msg("m1", "u1", ("skill:s1", [], ["3.0"]))])
    assert [(o.owner, o.status) for o in v.owners] == [("u1", CONFIRMED)] and v.verified


def test_a_message_that_names_something_else_does_not_confirm_and_is_unexpected():
    expected = [ExpectedWrite("u1", "u1", "upsert_skills", frozenset({"s1"}))]
    v = verify(expected, [msg("m1", "u1", ("skill:s2", [], ["3.0"]))])
    (o,) = v.owners
    assert o.status == MIXED and [f.op for f in o.missing] == ["upsert_skills"] and [f.message_id for f in o.unexpected] == ["m1"]
    assert not v.verified


def test_timestamps_do_not_matter_and_field_names_match_ignoring_case():
    expected = [ExpectedWrite("u1", "u1", "patch_user", frozenset({"department"}))]
    v = verify(expected, [msg("m1", "u1", ("Department", ["A"], ["B"]), at=-5.0)])
    assert v.verified


def test_a_queue_membership_write_is_found_on_the_queue_naming_the_user():
    expected = [ExpectedWrite("u1", "q1", "join_queue", frozenset({"u1"})), ExpectedWrite("u2", "q1", "join_queue", frozenset({"u2"}))]
    v = verify(expected, [msg("m1", "q1", ("member", [], ["u1", "u2"]), action="MemberAdd")])
    assert v.verified and {o.owner for o in v.owners} == {"u1", "u2"}


def test_a_message_on_a_job_user_that_no_write_accounts_for_is_unexpected_for_that_user():
    v = verify([], [msg("m1", "q1", ("member", [], ["u7"]), action="MemberAdd")], owners=["u7", "u8"])
    assert [(o.owner, o.status) for o in v.owners] == [("u7", UNEXPECTED)]


def test_a_message_on_an_entity_the_job_never_named_is_listed_elsewhere():
    v = verify([ExpectedWrite("u1", "u1", "patch_user", frozenset({"title"}))], [msg("m1", "u1", ("title", [], ["x"])), msg("m2", "zz")], owners=["u1"])
    assert [f.message_id for f in v.elsewhere] == ["m2"] and not v.verified


def test_a_queue_items_settings_write_does_not_swallow_a_membership_change_on_the_same_queue():
    expected = [ExpectedWrite("queue:q1", "q1", "queue_settings", frozenset({"acwsettings"}), actions=frozenset({"update"}))]
    v = verify(expected, [msg("m1", "q1", ("acwSettings", ["a"], ["b"])), msg("m2", "q1", ("member", [], ["u5"]), action="MemberAdd")], owners=["queue:q1"])
    assert [f.message_id for f in v.elsewhere] == ["m2"]
    assert v.owners[0].status == CONFIRMED


def test_a_user_confirmed_after_a_restart_claims_its_messages_and_is_never_missing():
    optional = ExpectedWrite("u1", "u1", "confirmed_after_restart", optional=True)
    assert verify([optional], []).owners == ()
    v = verify([optional], [msg("m1", "u1", ("skill:s1", [], ["1.0"])), msg("m2", "q1", ("member", [], ["u1"]), action="MemberAdd")])
    assert v.verified and v.owners[0].status == CONFIRMED


def test_missing_writes_newer_than_everything_the_platform_shows_mean_its_audit_lags():
    expected = [ExpectedWrite("u1", "u1", "op", frozenset({"a"})), ExpectedWrite("u2", "u2", "op", frozenset({"b"}))]
    messages = [msg("m1", "u1", ("a", [], ["1"]), at=100.0)]
    v = verify(expected, messages)
    assert audit_lags(v, {"u1": 101.0, "u2": 150.0}, messages) == 150.0
    assert audit_lags(v, {"u1": 101.0, "u2": 90.0}, messages) is None  # older than what it shows: really missing
    assert audit_lags(verify(expected[:1], messages), {"u1": 101.0}, messages) is None  # nothing missing


def test_windows_merge_where_they_touch():
    assert merge_windows([Window(5, 9), Window(0, 2), Window(2, 4), Window(8, 12)]) == [Window(0, 4), Window(5, 12)]


def test_the_record_round_trips():
    v = verify([ExpectedWrite("u1", "u1", "op", frozenset({"a"}))], [msg("m1", "u1", ("b", [], ["1"])), msg("m2", "x")])
    v = Verification(v.owners, v.elsewhere, v.messages, (Window(1.0, 2.0),), "c", {"job_id": "j"})
    again = Verification.from_json(v.to_json())
    assert again == v and again.to_json()["counts"] == {CONFIRMED: 0, MISSING: 0, UNEXPECTED: 0, MIXED: 1}


def test_a_write_another_job_recorded_within_its_window_is_that_jobs_not_unexpected():
    """#27 §9: on this job's user, on an entity it never named; the first other job that claims it wins;
    outside that job's window, or naming something else, it stays unexpected."""
    mine = [ExpectedWrite("u1", "u1", "patch_user", frozenset({"title"}))]
    beta = OtherJob(
        "beta",
        (ExpectedWrite("u1", "u1", "patch_user", frozenset({"department"})), ExpectedWrite("u9", "u9", "upsert_skills", frozenset({"s1"}))),
        (Window(50.0, 150.0),),
    )
    gamma = OtherJob("gamma", (ExpectedWrite("u9", "u9", "upsert_skills", frozenset({"s1"})),), (Window(0.0, 500.0),))
    messages = [
        msg("m1", "u1", ("title", [], ["Lead"])),  # mine
        msg("m2", "u1", ("department", [], ["Care"])),  # beta's, on my user
        msg("m3", "u9", ("skill:s1", [], ["3.0"])),  # beta's (first in order), elsewhere
        msg("m4", "u9", ("skill:s1", [], ["4.0"]), at=300.0),  # beta did not run then: gamma's
        msg("m5", "u1", ("manager", [], ["x"])),  # nobody's: unexpected
        msg("m6", "u8", ("skill:s2", [], ["1.0"])),  # nobody's: elsewhere
    ]
    v = verify(mine, messages, owners=["u1"], others=[beta, gamma])
    assert [(f.message_id, f.job) for f in v.other_jobs] == [("m2", "beta"), ("m3", "beta"), ("m4", "gamma")]
    (o,) = v.owners
    assert [f.message_id for f in o.unexpected] == ["m5"] and [f.message_id for f in v.elsewhere] == ["m6"]
    assert verify(mine, messages[:4], owners=["u1"], others=[beta, gamma]).verified
    assert not verify(mine, messages[:4], owners=["u1"]).verified  # without the other jobs: unexpected
    again = Verification.from_json(v.to_json())
    assert again.other_jobs == v.other_jobs and again.to_json()["other_jobs"][0]["job"] == "beta"


# -- properties ---------------------------------------------------------------------------------

ids = st.sampled_from([f"u{i}" for i in range(6)])
tokens = st.sampled_from(["s1", "s2", "s3", "title", "department"])
writes = st.lists(st.tuples(ids, tokens), max_size=12)


def _messages_for(pairs: list[tuple[str, str]]) -> list[AuditMessage]:
    return [msg(f"m{i}", uid, (tok, [], ["v"])) for i, (uid, tok) in enumerate(pairs)]


@given(writes)
def test_the_platform_recording_exactly_the_jobs_writes_verifies(pairs):
    expected = [ExpectedWrite(uid, uid, "op", frozenset({tok})) for uid, tok in pairs]
    assert verify(expected, _messages_for(pairs)).verified


@given(writes, st.data())
def test_dropping_messages_makes_exactly_their_writes_missing(pairs, data):
    expected = [ExpectedWrite(uid, uid, "op", frozenset({tok})) for uid, tok in pairs]
    kept = data.draw(st.lists(st.sampled_from(range(len(pairs))), unique=True) if pairs else st.just([]))
    messages = _messages_for([pairs[i] for i in kept])
    v = verify(expected, messages)
    present = {pairs[i] for i in kept}
    missing = {(o.owner, t) for o in v.owners for f in o.missing for t in f.what}
    assert missing == {p for p in pairs if p not in present}
    assert not any(o.unexpected for o in v.owners) and not v.elsewhere


@given(writes, st.lists(st.tuples(ids, st.sampled_from(["s8", "s9"])), min_size=1, max_size=5))
def test_an_extra_write_is_always_reported_and_never_confirms_anything(pairs, extra):
    expected = [ExpectedWrite(uid, uid, "op", frozenset({tok})) for uid, tok in pairs]
    messages = _messages_for(pairs) + [msg(f"x{i}", uid, (tok, [], ["v"])) for i, (uid, tok) in enumerate(extra)]
    v = verify(expected, messages, owners=[u for u, _ in pairs])
    reported = {f.message_id for o in v.owners for f in o.unexpected} | {f.message_id for f in v.elsewhere}
    assert reported == {f"x{i}" for i in range(len(extra))}
    assert not any(o.missing for o in v.owners) and not v.verified


@given(writes)
def test_the_order_of_the_messages_does_not_change_the_verdict(pairs):
    expected = [ExpectedWrite(uid, uid, "op", frozenset({tok})) for uid, tok in pairs]
    messages = _messages_for(pairs[: len(pairs) // 2])
    a, b = verify(expected, messages), verify(expected, messages[::-1])
    assert {o.owner: o.status for o in a.owners} == {o.owner: o.status for o in b.owners}
