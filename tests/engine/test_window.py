"""Change windows (#30 §4): the window logic with a clock the test drives, exact and fast."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from helpers.clock import FakeClock

from bulkops.engine.run.window import WindowError, human_wait, parse_window, wall_instant, windows_needed
from bulkops.engine.run.windowrun import wait_until_open, watching_close

DUBLIN = "Europe/Dublin"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


NIGHT = parse_window("22:00-06:00", DUBLIN)


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        (utc(2026, 12, 7, 21, 59, 59), False),  # winter: Dublin is on GMT (UTC+0)
        (utc(2026, 12, 7, 22, 0), True),  # opens on the minute
        (utc(2026, 12, 7, 23, 59), True),
        (utc(2026, 12, 8, 0, 0), True),  # across midnight
        (utc(2026, 12, 8, 5, 59, 59), True),
        (utc(2026, 12, 8, 6, 0), False),  # closes on the minute (exclusive)
        (utc(2026, 12, 8, 12, 0), False),
        (utc(2027, 7, 1, 20, 59), False),  # summer: IST (UTC+1), so 22:00 local is 21:00 UTC
        (utc(2027, 7, 1, 21, 0), True),
        (utc(2027, 7, 2, 4, 59), True),
        (utc(2027, 7, 2, 5, 0), False),
    ],
)
def test_inside_and_outside_a_window_that_crosses_midnight(now, is_open):
    assert (NIGHT.current(now) is not None) is is_open


@pytest.mark.parametrize(
    ("now", "opens", "closes"),
    [
        # spring forward in Dublin, 2027-03-28 01:00 UTC (01:00 GMT -> 02:00 IST): a 7-hour night
        (utc(2027, 3, 27, 23, 0), utc(2027, 3, 27, 22, 0), utc(2027, 3, 28, 5, 0)),
        # fall back, 2027-10-31 01:00 UTC (02:00 IST -> 01:00 GMT): a 9-hour night
        (utc(2027, 10, 30, 23, 0), utc(2027, 10, 30, 21, 0), utc(2027, 10, 31, 6, 0)),
    ],
)
def test_a_dst_change_inside_the_night_moves_its_close_by_the_hour(now, opens, closes):
    current = NIGHT.current(now)
    assert current is not None
    assert (current.opens, current.closes) == (opens, closes)


@pytest.mark.parametrize(
    ("window", "now", "next_opens"),
    [
        (NIGHT, utc(2026, 12, 7, 12, 0), utc(2026, 12, 7, 22, 0)),  # later today
        (NIGHT, utc(2026, 12, 7, 23, 0), utc(2026, 12, 8, 22, 0)),  # open now: the next is tomorrow's
        (NIGHT, utc(2027, 3, 28, 6, 0), utc(2027, 3, 28, 21, 0)),  # the evening after the change: IST
        (NIGHT, utc(2027, 10, 31, 7, 0), utc(2027, 10, 31, 22, 0)),  # the evening after it: GMT
        (parse_window("09:00-17:00", DUBLIN), utc(2026, 12, 7, 17, 0), utc(2026, 12, 8, 9, 0)),
        # a wall time the spring change skips opens at the change itself (02:00 IST = 01:00 UTC)
        (parse_window("01:30-05:00", DUBLIN), utc(2027, 3, 27, 12, 0), utc(2027, 3, 28, 1, 0)),
        # a wall time the autumn change repeats opens at its first occurrence (01:30 IST = 00:30 UTC)
        (parse_window("01:30-05:00", DUBLIN), utc(2027, 10, 30, 12, 0), utc(2027, 10, 31, 0, 30)),
        (parse_window("22:00-06:00", "America/New_York"), utc(2026, 12, 7, 12, 0), utc(2026, 12, 8, 3, 0)),
    ],
)
def test_next_opening(window, now, next_opens):
    assert window.next_opening(now).opens == next_opens


def test_a_skipped_wall_time_is_the_change_and_a_real_one_is_exact():
    from zoneinfo import ZoneInfo

    dublin = ZoneInfo(DUBLIN)
    day = datetime(2027, 3, 28).date()
    assert wall_instant(day, time(1, 30), dublin) == utc(2027, 3, 28, 1, 0)
    assert wall_instant(day, time(0, 59, 59), dublin) == utc(2027, 3, 28, 0, 59, 59)
    assert wall_instant(day, time(2, 0), dublin) == utc(2027, 3, 28, 1, 0)
    assert wall_instant(day, time(3, 0), dublin) == utc(2027, 3, 28, 2, 0)


@pytest.mark.parametrize(
    ("text", "zone", "says"),
    [
        ("22:00", None, "START-END"),
        ("22-06", None, "HH:MM"),
        ("25:00-06:00", None, "00:00 to 23:59"),
        ("22:60-06:00", None, "00:00 to 23:59"),
        ("ten-six", None, "HH:MM"),
        ("22:00-22:00", None, "same time"),
        ("22:00-06:00", "Mars/Olympus", "time zone"),
        ("22:00-06:00", "../../etc/passwd", "time zone"),
    ],
)
def test_bad_windows_are_refused_saying_why(text, zone, says):
    with pytest.raises(WindowError, match=says):
        parse_window(text, zone)


def test_seconds_and_the_machine_zone_are_accepted():
    window = parse_window("22:00:30-6:00", "UTC")
    assert (window.start, window.end) == (time(22, 0, 30), time(6, 0))
    assert window.spec() == "22:00:30-06:00" and window.describe() == "22:00:30-06:00 UTC"
    assert parse_window("09:00-17:00").zone is not None  # no --tz: this machine's zone


@pytest.mark.parametrize(
    ("window", "seconds", "needed"),
    [("22:00-06:00", 60, 1), ("22:00-06:00", 8 * 3600, 1), ("22:00-06:00", 8 * 3600 + 1, 2), ("23:00-01:00", 5 * 3600, 3), ("09:00-17:30", 0, 1)],
)
def test_windows_a_job_needs(window, seconds, needed):
    assert windows_needed(parse_window(window, "UTC"), seconds) == needed


def test_human_wait():
    assert [human_wait(timedelta(seconds=s)) for s in (5, 125, 3 * 3600 + 300, -3)] == ["5s", "2m05s", "3h05m", "0s"]


async def test_outside_the_window_it_waits_for_the_opening_and_says_when():
    clock = FakeClock(utc(2026, 12, 7, 12, 0))
    told = []
    opening = await wait_until_open(NIGHT, clock, asyncio.Event(), told.append)
    assert opening is not None and opening.opens == utc(2026, 12, 7, 22, 0)
    assert clock.slept_until == [utc(2026, 12, 7, 22, 0)] and [o.opens for o in told] == [utc(2026, 12, 7, 22, 0)]


async def test_inside_the_window_it_does_not_wait():
    clock = FakeClock(utc(2026, 12, 8, 3, 0))
    opening = await wait_until_open(NIGHT, clock, asyncio.Event(), lambda _: None)
    assert opening is not None and opening.closes == utc(2026, 12, 8, 6, 0) and clock.slept_until == []


class NeverClock(FakeClock):
    """A wait that never ends by itself: only a stop ends it."""

    async def sleep_until(self, instant: datetime) -> None:
        await asyncio.Event().wait()


async def test_a_stop_while_waiting_ends_the_wait():
    stop = asyncio.Event()
    waiting = asyncio.create_task(wait_until_open(NIGHT, NeverClock(utc(2026, 12, 7, 12, 0)), stop, lambda _: None))
    await asyncio.sleep(0.01)
    stop.set()
    assert await asyncio.wait_for(waiting, 5) is None


class Engine:
    def __init__(self) -> None:
        self.stops = 0

    def request_stop(self) -> None:
        self.stops += 1


async def test_the_close_asks_the_engine_for_a_graceful_stop_at_the_closing_instant():
    clock = FakeClock(utc(2026, 12, 8, 5, 0))
    opening = NIGHT.current(clock.now())
    assert opening is not None
    closed = []
    engine = Engine()
    async with watching_close(opening, clock, closed.append) as watch:
        watch.attach(engine)
        await asyncio.sleep(0.01)
    assert watch.closed and engine.stops == 1 and closed == [opening]
    assert clock.slept_until == [utc(2026, 12, 8, 6, 0)]
    late = Engine()
    watch.attach(late)  # an engine made after the close is stopped at once
    assert late.stops == 1


async def test_a_pass_that_ends_before_the_close_is_not_stopped():
    clock = NeverClock(utc(2026, 12, 8, 5, 0))
    opening = NIGHT.current(clock.now())
    assert opening is not None
    engine = Engine()
    async with watching_close(opening, clock, lambda _: None) as watch:
        watch.attach(engine)
    assert not watch.closed and engine.stops == 0
