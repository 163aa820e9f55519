"""Whether the API has answered this client yet (#28 §5).

Until something has answered, a refused connection is a server that is not there or settings
that point nowhere: retrying it for the whole budget (and then saying "resume" from a command
that has nothing to resume) only hides that. So the first contact gets a few seconds, then ends
in ``CannotConnectError`` naming the URL. Once the API has answered, the same fault is a blip
and is retried like any other.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp

from bulkops.client.transport import settings_fault
from bulkops.errors import BulkopsError, CannotConnectError, TransportError

#: Seconds a refused first contact is retried before the command ends (a server still starting).
CONNECT_WINDOW = 4.0
#: The pause between two tries of a first contact (one client starting: no herd to spread): the
#: command ends after the window or the client's ``max_attempts``, whichever comes first (8: 3.5 s).
FIRST_CONTACT_PAUSE = 0.5


def no_connection(exc: BaseException) -> bool:
    """The TCP connection itself failed (refused, unreachable): no request reached a server."""
    return isinstance(exc, aiohttp.ClientConnectorError) and not isinstance(exc, (aiohttp.ClientConnectorDNSError, aiohttp.ClientSSLError))


def origin(url: str) -> str:
    """``scheme://host:port`` of a request's URL: what the message names."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


class FirstContact:
    """Shared by a client's API requests and its token fetches: one answer from either ends the
    start-up window for both."""

    def __init__(self, *, window: float = CONNECT_WINDOW, clock: Callable[[], float] = time.monotonic):
        self.window = window
        self._clock = clock
        self.answered = False
        self._since: float | None = None  # the first refused connection

    def answer(self) -> None:
        self.answered = True

    def fault(self, exc: BaseException, url: str) -> BulkopsError | None:
        """The error that ends the request now, or None to retry it: before any answer, a host that
        does not resolve or a TLS failure at once (``settings_fault``), a refused connection once
        the window has passed."""
        if self.answered:
            return None
        wrong = settings_fault(exc, url)
        if wrong is not None or not no_connection(exc):
            return wrong
        now = self._clock()
        self._since = now if self._since is None else self._since
        return self._cannot(exc, url) if now - self._since >= self.window else None

    def starting(self, error: BaseException) -> bool:
        """A request that found no server before anything ever answered (paused briefly, not backed off)."""
        return not self.answered and isinstance(error, TransportError) and error.no_connection

    def final(self, error: BulkopsError, url: str) -> BulkopsError:
        """The error a request ends on after its retries: a refused connection that never got an
        answer (the retry budget ran out inside the window) is ``CannotConnectError`` too."""
        if self.starting(error):
            return self._cannot(error, url)
        return error

    def _cannot(self, exc: BaseException, url: str) -> CannotConnectError:
        waited = 0.0 if self._since is None else self._clock() - self._since
        return CannotConnectError(
            f"cannot connect to {origin(url)}: the connection was refused or the host is unreachable (for {waited:.0f} s); "
            "is the API (or `bulkops sim serve`) running there? check --region or --base-url",
            url=origin(url),
        )
