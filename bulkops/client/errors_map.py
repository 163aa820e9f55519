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


def error_from_response(resp: RawResponse, method: str, path: str, *, had_cursor: bool = False) -> ApiError:
    try:
        body = orjson.loads(resp.body) if resp.body else {}
    except orjson.JSONDecodeError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = str(body.get("message") or body.get("error_description") or body.get("error") or f"HTTP {resp.status}")
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
    elif status >= 500:
        cls = ServerError
    elif 400 <= status < 500:
        cls = BadRequestError
    else:
        cls = ApiError
    text = resp.body.decode("utf-8", "replace")[:2000] if resp.body else None
    return cls(status, message, code=code, correlation_id=cid, method=method, path=path, body=text)
