"""Access tokens for the client-credentials grant: issue, check, expire."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable

from aiohttp import web

from bulkops.simulator.errors import AUTH_REQUIRED, BAD_CREDENTIALS, SimApiError

#: The OAuth client whose token an API request carries, once the token is checked (stats, the audit trail).
CLIENT_KEY: web.RequestKey[str] = web.RequestKey("bulkops_sim_client", str)


def client_of_request(request: web.Request, default: str) -> str:
    """The OAuth client that sent ``request`` (``default`` before its token is checked)."""
    return request.get(CLIENT_KEY) or default


class TokenStore:
    """Token -> absolute expiry on the simulator clock, and the OAuth client it was issued to.
    Survives an org reset on purpose: a client that authenticated once keeps working across
    test resets."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._client: dict[str, str] = {}

    def issue(self, ttl: float, client_id: str = "") -> str:
        token = secrets.token_urlsafe(32)
        self._expiry[token] = self._clock() + ttl
        self._client[token] = client_id
        return token

    def client_of(self, token: str) -> str:
        """The OAuth client ``token`` was issued to ("" for one issued without a name)."""
        return self._client.get(token, "")

    def expire_all(self) -> None:
        """Make every issued token expired (not unknown), for tests of re-authentication."""
        now = self._clock()
        for token in self._expiry:
            self._expiry[token] = now

    def check(self, authorization: str | None) -> str:
        """The bearer token of a valid ``Authorization`` header, or a 401 SimApiError."""
        if not authorization:
            raise SimApiError(401, AUTH_REQUIRED, "No authentication bearer token specified in authorization header.")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise SimApiError(401, AUTH_REQUIRED, "No authentication bearer token specified in authorization header.")
        expiry = self._expiry.get(token)
        if expiry is None:
            raise SimApiError(401, BAD_CREDENTIALS, "Invalid login credentials.")
        if self._clock() >= expiry:
            raise SimApiError(401, AUTH_REQUIRED, "Access token has expired; request a new one.")
        return token


def parse_basic(authorization: str | None) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from an HTTP Basic header, or None if absent/garbled."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None
