"""Change windows (#30 §4): the hours of the day a job may write in, as local wall-clock times.

A window is a daily interval ``start``-``end`` in an IANA zone; it may cross midnight (22:00-06:00).
Its openings and closings are instants worked out day by day, so a DST change inside a night moves
the close by the hour the clocks move. A wall time the change skips (01:30 on the spring-forward
night) happens at the change itself: the first instant the clock reads later than it; a wall time
it repeats happens at its first occurrence.

Time comes from a ``Clock`` so the window logic is tested exactly, and fast, with a clock a test
drives; the CLI uses ``SystemClock``.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bulkops.errors import BulkopsError


class WindowError(BulkopsError, ValueError):
    """A window or zone the command line cannot mean (the CLI shows it as a usage error, exit 2)."""


class Clock(Protocol):
    """Where a windowed run reads the time and waits: the system's, or a test's."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...

    async def sleep_until(self, instant: datetime) -> None:
        """Return at ``instant`` (at once if it has passed)."""
        ...


class SystemClock:
    """The machine's clock. Waits in short steps, so a suspended laptop or a changed system
    clock is noticed within a minute rather than after a whole sleep computed before it."""

    STEP = 30.0

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, instant: datetime) -> None:
        while True:
            left = (instant - self.now()).total_seconds()
            if left <= 0:
                return
            await asyncio.sleep(min(left, self.STEP))


@dataclass(frozen=True, slots=True)
class Opening:
    """One day's window as instants: open from ``opens`` (inclusive) to ``closes`` (exclusive)."""

    opens: datetime
    closes: datetime


_CLOCK_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


@dataclass(frozen=True, slots=True)
class Window:
    """A daily change window: ``start``-``end`` wall-clock time in ``zone``."""

    start: time
    end: time
    zone: tzinfo
    #: The zone's IANA name as given (``--tz``), or None for the machine's unnamed local zone.
    zone_name: str | None

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def nominal_length(self) -> timedelta:
        """The window's length on a day with no DST change."""
        seconds = _seconds(self.end) - _seconds(self.start)
        return timedelta(seconds=seconds % 86400)

    def describe(self) -> str:
        """``22:00-06:00 Europe/Dublin``: as the command line takes it."""
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}" + (f" {self.zone_name}" if self.zone_name else " (local time)")

    def spec(self) -> str:
        """The ``--window`` value that means this window again."""
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"

    def opening_on(self, day: date) -> Opening:
        """The window that opens on local date ``day``."""
        close_day = day + timedelta(days=1) if self.crosses_midnight else day
        return Opening(opens=wall_instant(day, self.start, self.zone), closes=wall_instant(close_day, self.end, self.zone))

    def _openings_around(self, now: datetime) -> Iterator[Opening]:
        today = now.astimezone(self.zone).date()
        for offset in range(-1, 9):  # yesterday's may still be open; one within a week always opens
            yield self.opening_on(today + timedelta(days=offset))

    def current(self, now: datetime) -> Opening | None:
        """The opening ``now`` falls in, or None when the window is shut."""
        return next((o for o in self._openings_around(now) if o.opens <= now < o.closes), None)

    def next_opening(self, now: datetime) -> Opening:
        """The first opening that starts after ``now``."""
        return next(o for o in self._openings_around(now) if o.opens > now)

    def local(self, instant: datetime) -> str:
        """``Tue 2026-12-08 22:00 GMT``: an instant as the window's zone shows it."""
        shown = instant.astimezone(self.zone)
        return shown.strftime("%a %Y-%m-%d %H:%M") + (f":{shown.second:02d}" if shown.second else "") + f" {shown.tzname()}"


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M:%S") if t.second else t.strftime("%H:%M")


def wall_instant(day: date, at: time, zone: tzinfo) -> datetime:
    """The instant (UTC) the clocks of ``zone`` first read ``at`` on ``day``.

    A repeated wall time (autumn) is its first occurrence; a skipped one (spring) is the change itself."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    return _first_instant_reading(naive, zone, naive.replace(tzinfo=zone, fold=1).astimezone(UTC), first)


def _first_instant_reading(naive: datetime, zone: tzinfo, low: datetime, high: datetime) -> datetime:
    """In a skipped stretch of wall time: the first instant in [low, high] whose wall time is not before ``naive``."""
    low, high = min(low, high), max(low, high)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def parse_clock_time(text: str) -> time:
    """``22:00`` or ``06:00:30`` (24-hour clock)."""
    matched = _CLOCK_TIME.fullmatch(text.strip())
    if matched is None:
        raise WindowError(f"{text.strip()!r} is not a time of day as HH:MM (24-hour clock)")
    hour, minute, second = (int(g) if g else 0 for g in matched.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise WindowError(f"{text.strip()!r} is not a time of day (00:00 to 23:59)")
    return time(hour, minute, second)


def parse_window(text: str, zone_name: str | None = None) -> Window:
    """``22:00-06:00`` in ``zone_name`` (an IANA name; the machine's local zone when None)."""
    start_text, dash, end_text = text.partition("-")
    if not dash:
        raise WindowError(f"{text!r} is not a window: give START-END, as 22:00-06:00")
    start, end = parse_clock_time(start_text), parse_clock_time(end_text)
    if start == end:
        raise WindowError(f"{text!r} opens and closes at the same time: leave the window out to run at any hour")
    zone, name = (zone_named(zone_name), zone_name) if zone_name else local_zone()
    return Window(start=start, end=end, zone=zone, zone_name=name)


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (Europe/Dublin), or a ``WindowError`` saying it is not one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise WindowError(f"{name!r} is not a time zone this machine knows (an IANA name, as Europe/Dublin)") from exc


def local_zone() -> tuple[tzinfo, str | None]:
    """The machine's zone with its rules (not just today's offset), and its IANA name when it has one."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        try:
            return ZoneInfo(tz), tz
        except (ZoneInfoNotFoundError, ValueError):
            pass
    link = Path("/etc/localtime")
    target = str(link.resolve()) if link.is_symlink() else ""
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if link.exists():
        with link.open("rb") as f:
            return ZoneInfo.from_file(f, key="localtime"), None
    return UTC, "UTC"


def windows_needed(window: Window, seconds: float) -> int:
    """How many openings a job of ``seconds`` at its pace takes (each used whole): at least one."""
    length = window.nominal_length.total_seconds()
    return max(1, math.ceil(seconds / length))


def human_wait(delta: timedelta) -> str:
    """``3h05m``, ``4m10s``, ``12s``: how long until an instant."""
    total = max(0, int(round(delta.total_seconds())))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")
