"""Turn a non-2xx response into the typed error the rest of bulkops branches on."""

from __future__ import annotations

from typing import Any

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
    body, text_limit = _body_of(resp.body)
    message = _short(str(body.get("message") or body.get("error_description") or body.get("error") or f"HTTP {resp.status}"))
    code = body.get("code") or body.get("error")
    cid = resp.headers.get(CORRELATION_HEADER) or body.get("contextId")
    cls = error_class(resp.status, message, had_cursor=had_cursor)
    text = resp.body[:text_limit].decode("utf-8", "replace") if resp.body else None
    return cls(resp.status, message, code=code, correlation_id=cid, method=method, path=path, body=text)


def _body_of(raw: bytes | None) -> tuple[dict[str, Any], int]:
    """The error body as an object (``{}`` when it is none), and how much of its text to keep:
    a gateway's HTML page gets a glimpse, not 2 KB."""
    try:
        body = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return {}, MAX_NON_JSON_BODY
    return (body if isinstance(body, dict) else {}), MAX_BODY


#: Status -> the error it is, where the status alone decides.
_BY_STATUS: dict[int, type[ApiError]] = {401: AuthError, 403: AuthError, 404: NotFoundError, 429: RateLimitedError}


def error_class(status: int, message: str, *, had_cursor: bool = False) -> type[ApiError]:
    """The typed error a status (and, for a 400, its message and request) stands for."""
    if status == 409 or (status == 400 and _VERSION_MISMATCH in message):
        return ConflictError
    if status == 400 and had_cursor:
        # The contract names no code for a dead cursor; any 400 answering a request that
        # carried one means the enumeration must restart (conservative reading).
        return CursorExpiredError
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500 or status in RETRIED_4XX:
        return ServerError
    return BadRequestError if 400 <= status < 500 else ApiError


def _short(message: str) -> str:
    """One line, at most MAX_MESSAGE characters."""
    flat = " ".join(message.split())
    return flat if len(flat) <= MAX_MESSAGE else flat[: MAX_MESSAGE - 1] + "…"
