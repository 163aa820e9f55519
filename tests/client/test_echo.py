"""What a write's answer must show (``client.echo``), table-tested without HTTP (#25 §2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.client.echo import assignments_echo, differences, named_echo, no_content, user_echo, whole_echo
from bulkops.client.wire import ShapeError, json_object

HTML = b"<!DOCTYPE html><html><body>blocked</body></html>"


@pytest.mark.parametrize(
    ("status", "body", "content_type", "ok"),
    [
        (204, b"", None, True),
        (204, b"", "application/json", True),
        (200, b"", "application/json", False),  # a 200 where 204 is the contract: a proxy's, not the API's
        (200, b"{}", "application/json", False),
        (200, HTML, "text/html", False),
        (204, b"", "text/html; charset=utf-8", False),
        (202, b"", None, False),
    ],
)
def test_a_no_content_write_is_believed_only_as_an_empty_204(status, body, content_type, ok):
    if ok:
        no_content(status, body, content_type)
    else:
        with pytest.raises(ShapeError):
            no_content(status, body, content_type)


USER = {"id": "u1", "version": 8, "department": "Sales", "title": "Agent", "manager": {"id": "m1", "selfUri": "/api/v2/users/m1"}, "state": "active"}


@pytest.mark.parametrize(
    ("body", "answer", "ok"),
    [
        ({"department": "Sales", "manager": "m1", "version": 7}, USER, True),
        ({"department": "Sales", "version": 7}, {**USER, "version": 7}, False),  # no new version: not this write's answer
        ({"department": "Care", "version": 7}, USER, False),  # the value written is not shown
        ({"manager": "m2", "version": 7}, USER, False),
        ({"department": None, "version": 7}, {k: v for k, v in USER.items() if k != "department"}, True),  # cleared
        ({"department": "Sales", "version": 7}, {**USER, "id": "u2"}, False),  # another user
        ({"department": "Sales", "version": 7}, {}, False),
        ({"department": "Sales", "version": 7}, [], False),
        ({"state": "inactive", "department": "X", "version": 7}, {**USER, "state": "inactive"}, True),  # state alone changes
    ],
)
def test_a_user_patch_answer_is_this_user_with_a_new_version_showing_the_fields_written(body, answer, ok):
    check = user_echo("u1", body)
    if ok:
        assert check(answer)["id"] == "u1"
    else:
        with pytest.raises(ShapeError):
            check(answer)


def listing(*entries):
    return {"entities": [{"id": i, "proficiency": p, "state": s} for i, p, s in entries], "pageNumber": 1}


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        (listing(("s1", 3.0, "active"), ("s2", 5, "active"), ("s9", 1, "active")), True),
        (listing(("s1", 3.0, "active")), False),  # s2 missing
        (listing(("s1", 3.0, "active"), ("s2", 4.0, "active")), False),  # s2 at another level
        (listing(("s1", 3.0, "active"), ("s2", 5.0, "inactive")), False),
        ({}, False),
        ({"entities": [{"proficiency": 3}]}, False),
        ([], False),
    ],
)
def test_a_bulk_assignments_answer_lists_every_entry_written_at_its_level(answer, ok):
    check = assignments_echo({"s1": 3, "s2": 5.0})
    if ok:
        assert check(answer)["s2"] == 5.0
    else:
        with pytest.raises(ShapeError):
            check(answer)


def test_a_create_or_rename_answer_carries_an_id_and_the_name_written():
    assert named_echo("VIP")({"id": "l1", "name": "VIP"})["id"] == "l1"
    for bad in ({}, {"id": "l1"}, {"id": "l1", "name": "Other"}, {"name": "VIP"}):
        with pytest.raises(ShapeError):
            named_echo("VIP")(bad)
    with pytest.raises(ShapeError):
        named_echo("VIP", entity_id="l2")({"id": "l1", "name": "VIP"})


@pytest.mark.parametrize(
    ("sent", "answered", "found"),
    [
        ({"a": 1, "b": {"c": "x"}}, {"a": 1.0, "b": {"c": "x", "d": 2}}, []),
        ({"a": 1, "b": {"c": "x"}}, {"a": 2, "b": {"c": "y"}}, ["a", "b.c"]),
        ({"a": 1, "gone": 3}, {"a": 1}, []),  # a key the answer leaves out is not compared
        ({"rings": [{"x": 1}]}, {"rings": [{"x": 2}]}, []),  # lists are not compared
        ({"b": {"c": 1}}, {"b": "text"}, ["b"]),
        ({"flag": True}, {"flag": 1}, ["flag"]),  # a boolean is not a number
    ],
)
def test_differences_are_where_the_answer_shows_another_value(sent, answered, found):
    assert differences(sent, answered) == found


def test_a_whole_object_put_answer_is_that_object_showing_what_was_written():
    check = whole_echo("q1", {"name": "Sales", "acwSettings": {"timeoutMs": 45000}}, json_object)
    assert check({"id": "q1", "name": "Sales", "acwSettings": {"timeoutMs": 45000, "wrapupPrompt": "OPTIONAL"}})["id"] == "q1"
    for bad in ({}, {"id": "q2", "name": "Sales"}, {"id": "q1", "name": "Sales", "acwSettings": {"timeoutMs": 30000}}):
        with pytest.raises(ShapeError):
            check(bad)


levels = st.dictionaries(st.text("abcdef0123456789", min_size=1, max_size=8), st.sampled_from([0.0, 1.0, 2.5, 3, 5]), min_size=1, max_size=12)


@given(written=levels, others=levels)
def test_any_listing_showing_every_entry_written_passes_and_one_missing_or_changed_fails(written, others):
    whole = {**others, **written}
    check = assignments_echo(written)
    assert check(listing(*((i, p, "active") for i, p in whole.items()))) == {i: float(p) for i, p in whole.items()}
    gone = next(iter(written))
    with pytest.raises(ShapeError):
        check(listing(*((i, p, "active") for i, p in whole.items() if i != gone)))
    with pytest.raises(ShapeError):
        check(listing(*((i, (p + 1 if i == gone else p), "active") for i, p in whole.items())))
