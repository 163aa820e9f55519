"""The API's time, measured from its answers' ``Date`` header (#25 §8f).

This machine's clock may be off by hours; the platform's audit stamps its own time. Every answer
the client reads carries ``Date`` (RFC 9110: an origin server with a clock sends it), so the
client keeps the latest difference, ``skew = server - local``, and whatever compares its times
with the platform's (``verify``'s audit window, its waits) asks ``now()`` instead of ``time.time()``.
``Date`` has whole seconds, so the estimate is within about a second: plenty for windows with a
margin of 60 s, and for saying that a clock is minutes or hours off.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import structlog

log = structlog.get_logger("bulkops.client.clock")

#: A difference past this is said (once per client): the machine's clock needs fixing.
SKEW_WARNING = 60.0
#: ``Date`` has whole seconds and the answer took a moment to arrive: a difference within this
#: is the header's resolution, not the clock's error, and is not applied (this machine's clock,
#: finer, is kept).
RESOLUTION = 2.0


class ServerClock:
    """The latest estimate of the API's clock. ``wall`` is this machine's (injectable for tests)."""

    def __init__(self, wall: Callable[[], float] = time.time, *, warn_over: float = SKEW_WARNING):
        self.wall = wall
        self.warn_over = warn_over
        self.skew: float | None = None  # server - local, seconds; None until an answer had a Date
        self._warned = False

    def observe(self, date: str | None) -> None:
        """Take the ``Date`` of an answer just received; an absent or unreadable one is ignored."""
        server = parse_http_date(date)
        if server is None:
            return
        self.skew = server + 0.5 - self.wall()  # the middle of the second the header names
        if abs(self.skew) > self.warn_over and not self._warned:
            self._warned = True
            log.warning("clock.skew", skew_s=round(self.skew), problem=describe_skew(self.skew))

    @property
    def correction(self) -> float:
        """Seconds to add to this machine's time for the API's: the skew, unless within ``RESOLUTION``."""
        return self.skew if self.skew is not None and abs(self.skew) > RESOLUTION else 0.0

    def now(self) -> float:
        """The API's time as best known: this machine's until an answer said otherwise."""
        return self.wall() + self.correction

    @property
    def off(self) -> bool:
        """Whether the difference is past ``warn_over`` (worth telling the operator)."""
        return self.skew is not None and abs(self.skew) > self.warn_over


def describe_skew(skew: float) -> str:
    """'this machine's clock is 10,800 s behind the API's' (or ahead)."""
    side = "behind" if skew > 0 else "ahead of"
    return f"this machine's clock is {abs(skew):,.0f} s {side} the API's (its Date header); times compared with the platform's use the API's clock"


def parse_http_date(date: str | None) -> float | None:
    if not date:
        return None
    try:
        parsed = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        return None  # RFC 9110 dates are GMT; one without a zone is not one
    return parsed.timestamp()
