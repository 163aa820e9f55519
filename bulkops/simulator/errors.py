"""The real ``ErrorBody`` shape, and the one exception handlers raise to produce it.

Handlers and the store raise :class:`SimApiError`; the app middleware turns it into a
JSON response whose ``contextId`` equals the ``ININ-Correlation-Id`` header, exactly
as the platform does. Keeping the shape in one place keeps every error consistent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

# Error codes used by the simulator (see docs/simulator.md for the full table).
BAD_REQUEST = "bad.request"
INVALID_VALUE = "invalid.value"
NOT_FOUND = "not.found"
CONFLICT = "general.conflict"
AUTH_REQUIRED = "authentication.required"
BAD_CREDENTIALS = "bad.credentials"
INVALID_CURSOR = "invalid.cursor"
#: The code the platform's swagger gives the 429 "Rate limit exceeded the maximum. Retry the request in [%s] seconds".
TOO_MANY_REQUESTS = "too.many.requests.retry.after"
INTERNAL = "internal.server.error"
BAD_GATEWAY = "bad.gateway"
UNAVAILABLE = "service.unavailable"
METHOD_NOT_ALLOWED = "method.not.allowed"
#: A guess: the real code for a division-scoped refusal is not in the contract (docs/simulator.md).
MISSING_DIVISION_PERMISSION = "missing.division.permission"

VERSION_MISMATCH = "The version number of the modified resource must match the version number in the database"


@dataclass
class SimApiError(Exception):
    """A non-2xx answer: status, code, message and optional field-level details."""

    status: int
    code: str
    message: str
    details: list[dict[str, str]] = field(default_factory=list)
    entity_id: str | None = None
    limit: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    #: One of ``refusals``' kinds ("in use", "duplicate name"): answered as 409 or 400 (``refusal_status``).
    refusal: str | None = None

    def __post_init__(self) -> None:
        Exception.__init__(self, f"{self.status} {self.code}: {self.message}")

    def body(self, context_id: str) -> dict[str, Any]:
        """The ErrorBody JSON object (plus ``extra`` keys, used by /oauth/token)."""
        out: dict[str, Any] = {
            "message": self.message,
            "code": self.code,
            "status": self.status,
            "contextId": context_id,
            "details": self.details,
            "errors": [],
        }
        if self.entity_id is not None:
            out["entityId"] = self.entity_id
        if self.limit is not None:
            out["limit"] = self.limit
        out.update(self.extra)
        return out

    def response(self, context_id: str) -> web.Response:
        resp = web.Response(
            status=self.status,
            body=orjson.dumps(self.body(context_id)),
            content_type="application/json",
        )
        resp.headers.update(self.headers)
        return resp


def detail(field_name: str, error_code: str, entity_id: str | None = None) -> dict[str, str]:
    """One ``Detail`` entry: which field of which entity was wrong."""
    out = {"fieldName": field_name, "errorCode": error_code}
    if entity_id is not None:
        out["entityId"] = entity_id
    return out


def bad_request(message: str, *details: dict[str, str], code: str = BAD_REQUEST) -> SimApiError:
    return SimApiError(400, code, message, list(details))


def not_found(what: str, entity_id: str) -> SimApiError:
    return SimApiError(404, NOT_FOUND, f"The requested {what} was not found: {entity_id}", entity_id=entity_id)


def conflict(entity_id: str, message: str = VERSION_MISMATCH) -> SimApiError:
    return SimApiError(409, CONFLICT, message, [detail("version", CONFLICT, entity_id)], entity_id=entity_id)
