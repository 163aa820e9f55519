import orjson
import pytest

from bulkops import errors
from bulkops.client.errors_map import MAX_BODY, MAX_NON_JSON_BODY, _body_of, error_class, error_from_response
from bulkops.client.transport import RawResponse


def resp(status, body, headers=None):
    return RawResponse(status, headers or {"ININ-Correlation-Id": "corr-1"}, orjson.dumps(body))


@pytest.mark.parametrize(
    "status,cls",
    [
        (400, errors.BadRequestError),
        (401, errors.AuthError),
        (403, errors.AuthError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (429, errors.RateLimitedError),
        (503, errors.ServerError),
    ],
)
def test_status_maps_to_a_typed_error_with_code_message_and_correlation(status, cls):
    err = error_from_response(resp(status, {"message": "nope", "code": "x.y", "status": status}), "GET", "/api/v2/users")
    assert type(err) is cls
    assert (err.status, err.code, err.message, err.correlation_id) == (status, "x.y", "nope", "corr-1")
    assert "corr-1" in str(err) and "GET /api/v2/users" in str(err)


def test_a_400_version_mismatch_is_a_conflict_like_the_terraform_provider_reads_it():
    err = error_from_response(resp(400, {"message": "Version 3 does not match the current version 4"}), "PATCH", "/u")
    assert isinstance(err, errors.ConflictError)


def test_a_400_on_a_cursor_request_is_a_cursor_expiry():
    err = error_from_response(resp(400, {"message": "cursor expired"}), "GET", "/api/v2/users/query", had_cursor=True)
    assert isinstance(err, errors.CursorExpiredError)


def test_a_non_json_body_still_gives_a_useful_error():
    err = error_from_response(RawResponse(502, {}, b"<html>bad gateway</html>"), "GET", "/x")
    assert isinstance(err, errors.ServerError) and err.message == "HTTP 502"


def test_a_408_is_a_server_error_so_it_is_retried():
    assert isinstance(error_from_response(resp(408, {"message": "timeout"}), "GET", "/x"), errors.ServerError)


def test_an_html_error_page_leaves_a_short_message_and_a_short_body():
    page = b"<html><head><title>502</title></head><body>" + b"x" * 5000 + b"</body></html>"
    err = error_from_response(RawResponse(502, {}, page), "GET", "/x")
    assert err.message == "HTTP 502" and len(err.body) <= 200 and len(str(err)) < 100


def test_a_huge_json_message_is_cut_to_one_short_line():
    err = error_from_response(resp(500, {"message": "line\n" * 1000}), "GET", "/x")
    assert "\n" not in err.message and len(err.message) <= 300


@pytest.mark.parametrize(
    "status,message,had_cursor,cls",
    [
        (409, "", False, errors.ConflictError),
        (400, "Version 3 does not match the current version 4", False, errors.ConflictError),
        (400, "Version 3 does not match the current version 4", True, errors.ConflictError),  # the version wins
        (400, "bad cursor", True, errors.CursorExpiredError),
        (400, "bad request", False, errors.BadRequestError),
        (401, "", True, errors.AuthError),
        (403, "", False, errors.AuthError),
        (404, "", False, errors.NotFoundError),
        (408, "", False, errors.ServerError),  # a request timeout: retried like a 5xx
        (422, "", False, errors.BadRequestError),
        (429, "", False, errors.RateLimitedError),
        (500, "", False, errors.ServerError),
        (599, "", False, errors.ServerError),
        (302, "", False, errors.ApiError),
    ],
)
def test_error_class_table(status, message, had_cursor, cls):
    assert error_class(status, message, had_cursor=had_cursor) is cls


@pytest.mark.parametrize(
    "raw,body,limit",
    [
        (b"", {}, MAX_BODY),
        (b'{"message": "x"}', {"message": "x"}, MAX_BODY),
        (b"[1, 2]", {}, MAX_BODY),  # JSON, but not an object
        (b"<html>blocked</html>", {}, MAX_NON_JSON_BODY),
    ],
)
def test_the_body_read_and_how_much_of_it_is_kept(raw, body, limit):
    assert _body_of(raw) == (body, limit)
