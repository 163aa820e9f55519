"""OAuth client-credentials tokens: cached, refreshed ahead of expiry, single-flight.

However many tasks need a token at once, one request goes to the token endpoint; after a
401, only the first task to report that token refreshes it, and the rest reuse the result.
A failed fetch is shared the same way: tasks that queued behind it get its error instead of
each asking the token endpoint again.

Only a refusal of the credentials (400/401/403, and other 4xx: retrying cannot help) is an
``AuthError``. A 5xx, 408 or 429, a malformed body, a timeout or a connection error is a
transient ``ServerError``/``MalformedResponseError``/``TransportError`` that the client retries
like any other request.
"""

from __future__ import annotations

import asyncio
import base64
import math
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import structlog

from bulkops.client.connect.config import ClientConfig
from bulkops.client.contact import FirstContact, no_connection
from bulkops.client.errors_map import CORRELATION_HEADER, RETRIED_4XX, error_from_response
from bulkops.client.transport import HttpTransport, RawResponse, redirect_refused
from bulkops.client.wire import ShapeError, decode
from bulkops.errors import AccessTokenRefusedError, ApiError, BulkopsError, CredentialsError, MalformedResponseError, ServerError, TransportError

log = structlog.get_logger("bulkops.client.auth")


class TokenProvider:
    def __init__(
        self,
        config: ClientConfig,
        transport: HttpTransport,
        *,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin: float = 300.0,
        contact: FirstContact | None = None,
    ):
        self._config = config
        self._transport = transport
        self._clock = clock
        self._margin = refresh_margin
        self._lock = asyncio.Lock()
        self._token: str | None = None
        #: Whether the API or the token endpoint answered once: before, a DNS/TLS fault or a refused connection ends the start.
        self._contact = contact or FirstContact()
        self._expires_at = 0.0
        self._failure: BulkopsError | None = None  # the last fetch's error, until one succeeds
        self._finished = 0  # fetches that have ended, either way
        self.fetches = 0

    def _fresh(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at

    async def token(self) -> str:
        if self._config.access_token:
            return self._config.access_token  # a ready token: used as it is, never fetched
        if self._fresh():
            return self._token  # type: ignore[return-value]
        tried = self._finished
        async with self._lock:
            if not self._fresh():
                self._share_failure(tried)
                await self._fetch()
            return self._token  # type: ignore[return-value]

    async def refresh(self, stale: str) -> str:
        """Replace ``stale`` after a 401, unless another task already did.

        The stale token is dropped first, so a refresh that fails leaves nothing cached and
        the next attempt fetches again instead of sending the refused token once more.
        """
        if self._config.access_token:
            raise _ready_token_refused(self._config)
        tried = self._finished
        async with self._lock:
            if self._token == stale:
                self._token = None
            if not self._fresh():
                self._share_failure(tried)
                await self._fetch()
            return self._token  # type: ignore[return-value]

    def _share_failure(self, tried: int) -> None:
        """A fetch failed while this task queued for the lock: that is this task's answer too."""
        if self._failure is not None and self._finished != tried:
            raise _again(self._failure)

    async def _fetch(self) -> None:
        try:
            self._token, self._expires_at = await self._request()
            self._failure = None
        except (ApiError, TransportError) as exc:
            self._token, self._failure = None, exc
            raise
        except BaseException:
            self._failure = None  # cancelled: nothing to share, the next task tries itself
            raise
        finally:
            self._finished += 1

    async def _request(self) -> tuple[str, float]:
        """One POST to the token endpoint: (token, when to refresh it), or a typed error."""
        basic = base64.b64encode(f"{self._config.client_id}:{self._config.client_secret}".encode()).decode()
        started = self._clock()
        self.fetches += 1
        try:
            resp = await self._transport.send(
                "POST",
                f"{self._config.login_url}/oauth/token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.debug("auth.token_failed", error=type(exc).__name__)
            wrong = self._contact.fault(exc, self._config.login_url)
            if wrong is not None:
                raise wrong from None  # never reached the token endpoint: the settings are wrong, or nothing is there
            fault = TransportError(f"POST /oauth/token: {type(exc).__name__}: {exc}")
            fault.no_connection = no_connection(exc)
            raise fault from None
        self._contact.answer()
        redirected = redirect_refused(resp, "POST", f"{self._config.login_url}/oauth/token")
        if redirected is not None:
            raise redirected  # never followed, never retried: the login URL is not the token endpoint
        if not 200 <= resp.status < 300:
            raise _refusal(resp)
        try:
            token, lifetime = _token_answer(decode(resp.body, resp.headers.get("Content-Type")))
        except ShapeError as exc:
            raise MalformedResponseError(
                resp.status,
                f"malformed token response: {exc}",
                correlation_id=resp.headers.get(CORRELATION_HEADER),
                method="POST",
                path="/oauth/token",
            ) from None
        # Refresh ahead of expiry: by the margin, but never sooner than half the lifetime.
        ahead = min(self._margin, lifetime / 2)
        log.debug("auth.token", expires_in=lifetime)
        return token, started + lifetime - ahead


def _ready_token_refused(config: ClientConfig) -> AccessTokenRefusedError:
    """A 401 on a token bulkops was given: final, since only its issuer can renew it."""
    return AccessTokenRefusedError(
        401,
        f"the access token from {config.credentials_source or 'the configuration'} was refused (HTTP 401): it has expired or was "
        "revoked, and a token bulkops did not fetch cannot be refreshed",
    )


def _refusal(resp: RawResponse) -> ApiError:
    """A non-2xx from the token endpoint: a 4xx refuses the credentials; 5xx/408/429 are transient."""
    err = error_from_response(resp, "POST", "/oauth/token")
    kwargs: dict[str, Any] = {"code": err.code, "correlation_id": err.correlation_id, "method": "POST", "path": "/oauth/token", "body": err.body}
    if 400 <= resp.status < 500 and resp.status != 429 and resp.status not in RETRIED_4XX:
        return CredentialsError(err.status, f"token request refused: {err.message}", **kwargs)
    return ServerError(err.status, f"token endpoint failed: {err.message}", **kwargs)


def _token_answer(payload: Any) -> tuple[str, float]:
    """(access_token, lifetime in seconds) from the token endpoint's JSON; ShapeError if unusable."""
    if not isinstance(payload, dict):
        raise ShapeError("not a JSON object")
    token = payload.get("access_token")
    if not isinstance(token, str) or not token:
        raise ShapeError("no access_token")
    raw = payload.get("expires_in")
    if raw is None:
        return token, 86400.0  # the documented default lifetime
    try:
        lifetime = float(raw)
    except (TypeError, ValueError):
        raise ShapeError(f"expires_in {raw!r} is not a number") from None
    if not math.isfinite(lifetime) or lifetime <= 0:
        raise ShapeError(f"expires_in {raw!r} is not a positive number of seconds")
    return token, lifetime


def _again(exc: BulkopsError) -> BulkopsError:
    """A fresh copy of a shared failure (each task's copy gets its own ``attempts``)."""
    if isinstance(exc, ApiError):
        return type(exc)(exc.status, exc.message, code=exc.code, correlation_id=exc.correlation_id, method=exc.method, path=exc.path, body=exc.body)
    return type(exc)(*exc.args)
