"""The shape checks on their own: what counts as a documented answer and what is malformed."""

import pytest

from bulkops.client.api import _retry_after
from bulkops.client.auth import _token_answer
from bulkops.client.pagination import cursor_page, numbered_page
from bulkops.client.wire import ShapeError, decode, user_object


@pytest.mark.parametrize("body", [b"", b"{", b"<html></html>", b"\xff\xfe"])
def test_a_body_that_is_not_json_is_a_shape_error_not_a_decode_traceback(body):
    with pytest.raises(ShapeError):
        decode(body, "text/html; charset=utf-8")


def test_the_last_cursor_page_has_no_cursor_and_an_empty_page_ends_the_listing():
    assert cursor_page({"entities": [{"id": "a"}], "results": 1}, seen=set()) == ([{"id": "a"}], None)
    assert cursor_page({"entities": [], "cursor": "c1"}, seen=set()) == ([], None)
    assert cursor_page({"entities": [{"id": "a"}], "cursor": "c2", "nextUri": "/x?cursor=c2"}, seen={"c1"}) == ([{"id": "a"}], "c2")
    with pytest.raises(ShapeError, match="does not advance"):
        cursor_page({"entities": [{"id": "a"}], "cursor": "c1"}, seen={"c1"})


def test_the_reduced_queue_members_listing_has_no_total_and_ends_without_next_uri():
    page = {"entities": [{"id": "a"}] * 5, "pageNumber": 2, "pageSize": 5, "nextUri": "/n"}
    assert numbered_page(page, number=2, size=5) == (page["entities"], False)
    assert numbered_page({**page, "nextUri": None}, number=2, size=5)[1] is True
    assert numbered_page({**page, "pageCount": 2, "total": 10}, number=2, size=5)[1] is True


def test_a_user_needs_an_id_and_an_integer_version():
    assert user_object({"id": "u", "version": 3})["id"] == "u"
    for bad in ({"id": "u"}, {"id": "u", "version": "3"}, {"id": 7, "version": 1}, ["u"], None):
        with pytest.raises(ShapeError):
            user_object(bad)


@pytest.mark.parametrize("value,expected", [("7", 7.0), ("0", 0.0), ("inf", float("inf")), ("nan", None), ("-1", None), ("soon", None), (None, None)])
def test_retry_after_keeps_usable_values_only(value, expected):
    assert _retry_after({} if value is None else {"Retry-After": value}) == expected


def test_a_token_answer_needs_an_access_token_and_a_sane_lifetime():
    assert _token_answer({"access_token": "t", "expires_in": 600}) == ("t", 600.0)
    assert _token_answer({"access_token": "t"}) == ("t", 86400.0)
    for bad in ({}, {"access_token": ""}, {"access_token": "t", "expires_in": "nan"}, {"access_token": "t", "expires_in": -5}, []):
        with pytest.raises(ShapeError):
            _token_answer(bad)
