"""OAuth client-credentials tokens: cached, refreshed ahead of expiry, single-flight.

However many tasks need a token at once, one request goes to the token endpoint; after a
401, only the first task to report that token refreshes it, and the rest reuse the result.
"""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Callable

import structlog

from bulkops.client.config import ClientConfig
from bulkops.client.errors_map import error_from_response
from bulkops.client.transport import Transport
from bulkops.errors import AuthError

log = structlog.get_logger("bulkops.client.auth")


class TokenProvider:
    def __init__(
        self,
        config: ClientConfig,
        transport: Transport,
        *,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin: float = 300.0,
    ):
        self._config = config
        self._transport = transport
        self._clock = clock
        self._margin = refresh_margin
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetches = 0

    def _fresh(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at

    async def token(self) -> str:
        if self._fresh():
            return self._token  # type: ignore[return-value]
        async with self._lock:
            if not self._fresh():
                await self._fetch()
            return self._token  # type: ignore[return-value]

    async def refresh(self, stale: str) -> str:
        """Replace ``stale`` after a 401, unless another task already did."""
        async with self._lock:
            if self._token == stale or not self._fresh():
                await self._fetch()
            return self._token  # type: ignore[return-value]

    async def _fetch(self) -> None:
        basic = base64.b64encode(f"{self._config.client_id}:{self._config.client_secret}".encode()).decode()
        started = self._clock()
        resp = await self._transport.send(
            "POST",
            f"{self._config.login_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        self.fetches += 1
        if resp.status != 200:
            err = error_from_response(resp, "POST", "/oauth/token")
            raise AuthError(
                err.status, f"token request refused: {err.message}", code=err.code, correlation_id=err.correlation_id
            )
        payload = resp.json() or {}
        token = payload.get("access_token")
        if not token:
            raise AuthError(resp.status, "token response carried no access_token")
        lifetime = float(payload.get("expires_in") or 86400)
        # Refresh ahead of expiry: by the margin, but never sooner than half the lifetime.
        ahead = min(self._margin, lifetime / 2)
        self._token = token
        self._expires_at = started + lifetime - ahead
        log.debug("auth.token", expires_in=lifetime)
