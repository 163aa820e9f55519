"""Turn a non-2xx response into the typed error the rest of bulkops branches on."""

from __future__ import annotations

import orjson

from bulkops.client.transport import RawResponse
from bulkops.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConflictError,
    CursorExpiredError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)

CORRELATION_HEADER = "ININ-Correlation-Id"
#: Genesys also signals a stale version as a 400 with this text (as its Terraform provider handles).
_VERSION_MISMATCH = "does not match the current version"
#: A request timeout: the server gave up waiting, nothing was done; retried like a 5xx.
RETRIED_4XX = frozenset({408})
#: Error texts are for a terminal and an audit line: a gateway's HTML page is not.
MAX_MESSAGE = 300
MAX_BODY = 2000
MAX_NON_JSON_BODY = 200


def error_from_response(resp: RawResponse, method: str, path: str, *, had_cursor: bool = False) -> ApiError:
    try:
        body = orjson.loads(resp.body) if resp.body else {}
        text_limit = MAX_BODY
    except orjson.JSONDecodeError:
        body = {}
        text_limit = MAX_NON_JSON_BODY  # an HTML error page: keep a glimpse, not 2 KB
    if not isinstance(body, dict):
        body = {}
    message = _short(str(body.get("message") or body.get("error_description") or body.get("error") or f"HTTP {resp.status}"))
    code = body.get("code") or body.get("error")
    cid = resp.headers.get(CORRELATION_HEADER) or body.get("contextId")
    status = resp.status
    if status == 409 or (status == 400 and _VERSION_MISMATCH in message):
        cls: type[ApiError] = ConflictError
    elif status == 400 and had_cursor:
        # The contract names no code for a dead cursor; any 400 answering a request that
        # carried one means the enumeration must restart (conservative reading).
        cls = CursorExpiredError
    elif status in (401, 403):
        cls = AuthError
    elif status == 404:
        cls = NotFoundError
    elif status == 429:
        cls = RateLimitedError
    elif status >= 500 or status in RETRIED_4XX:
        cls = ServerError
    elif 400 <= status < 500:
        cls = BadRequestError
    else:
        cls = ApiError
    text = resp.body[:text_limit].decode("utf-8", "replace") if resp.body else None
    return cls(status, message, code=code, correlation_id=cid, method=method, path=path, body=text)


def _short(message: str) -> str:
    """One line, at most MAX_MESSAGE characters."""
    flat = " ".join(message.split())
    return flat if len(flat) <= MAX_MESSAGE else flat[: MAX_MESSAGE - 1] + "…"
