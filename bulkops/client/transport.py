"""The HTTP layer: one pooled aiohttp session, raw bytes in and out.

Kept free of auth, retries and rate limits so that each of those is a separate,
testable layer above it (the httpx client/transport split).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp
import orjson

from bulkops import __version__
from bulkops.errors import ConfigError
from bulkops.safetext import escaped


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes  # decoded only through ``wire.decode``, which turns a bad body into a ShapeError


class HttpTransport(Protocol):
    """What the layers above need from HTTP: one request out, raw bytes back, and a close.

    The seam tests (and any other wire) plug into, as httpx's client takes a transport;
    ``Transport`` is the real one.
    """

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RawResponse: ...

    async def close(self) -> None: ...


_ON_THE_WIRE = "bulkops_on_the_wire"


def on_the_wire(exc: BaseException) -> bool:
    """Whether a request cancelled mid-send had reached the server (its headers were written), so
    the run counts it as the server does. A transport that cannot tell (a test's) says yes."""
    return bool(getattr(exc, _ON_THE_WIRE, True))


async def _headers_sent(session: aiohttp.ClientSession, ctx: Any, params: Any) -> None:
    if isinstance(ctx.trace_request_ctx, dict):
        ctx.trace_request_ctx["wire"] = True


def _trace() -> aiohttp.TraceConfig:
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_headers_sent)
    return trace


class Transport:
    """Sends one HTTP request; raises ``aiohttp.ClientError``/``asyncio.TimeoutError`` on transport faults."""

    def __init__(self, *, timeout: float, max_connections: int):
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _ensure(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=self._max_connections),
                headers={"User-Agent": f"bulkops/{__version__}", "Accept": "application/json"},
                json_serialize=lambda o: orjson.dumps(o).decode(),
                trace_configs=[_trace()],
            )
        return self._session

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RawResponse:
        session = self._ensure()
        body = None
        hdrs = dict(headers or {})
        if json is not None:
            body = orjson.dumps(json)
            hdrs["Content-Type"] = "application/json"
        mark = {"wire": False}
        try:
            # Never follow a redirect: a 3xx is the caller's to refuse (``redirect_refused``), so the
            # bearer token or the client secret never goes to a host the settings did not name.
            async with session.request(
                method, url, params=params, data=body if body is not None else data, headers=hdrs, trace_request_ctx=mark, allow_redirects=False
            ) as resp:
                payload = await resp.read()
                return RawResponse(resp.status, resp.headers, payload)
        except asyncio.CancelledError as exc:
            setattr(exc, _ON_THE_WIRE, mark["wire"])  # for the caller's count (``on_the_wire``)
            raise

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


#: How much of a redirect's Location an error quotes (a hostile server chooses it).
_MAX_LOCATION = 200


def redirect_refused(resp: RawResponse, method: str, url: str) -> ConfigError | None:
    """A 3xx answer, which bulkops never follows: the base URL (or a proxy in front of it) is not
    the API, and following it would send credentials elsewhere. Retrying cannot help, so it is a
    settings error naming the status and the Location. None for any other status."""
    if not 300 <= resp.status < 400:
        return None
    location = resp.headers.get("Location")
    where = escaped(location[:_MAX_LOCATION]) if location else "no Location"
    path = urlsplit(url).path or url
    return ConfigError(
        f"{method} {path} was answered HTTP {resp.status} redirecting to {where}: bulkops does not follow redirects; "
        "check --region or --base-url (it must be the API itself, not a page or proxy that redirects)"
    )


def settings_fault(exc: BaseException, url: str) -> ConfigError | None:
    """A host that does not resolve, or a TLS handshake that fails (https to a plain-http
    server, a certificate that does not match), before the API ever answered: the settings
    are wrong, and retrying for the whole budget would only hide it. None for other faults."""
    host = urlsplit(url).hostname or url
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return ConfigError(f"cannot resolve the host {host!r}: check --region or --base-url")
    if isinstance(exc, aiohttp.ClientSSLError):
        return ConfigError(
            f"TLS with {host!r} failed ({exc.__class__.__name__}): check the scheme of --base-url (https to a plain-http server?) and the certificate"
        )
    return None
