"""The governor's rules, with an injected clock and sleep so they are exact and instant."""

import pytest

from bulkops.client.ratelimit import HORIZON, Allowance, RateGovernor, RateHeaders
from tests.helpers.clock import FakeTime


def hdrs(count, allowed, reset):
    return {"inin-ratelimit-count": str(count), "inin-ratelimit-allowed": str(allowed), "inin-ratelimit-reset": str(reset)}


def governor(rps, t, **kw):
    return RateGovernor(rps, clock=t.clock, sleep=t.sleep, max_pause=kw.pop("max_pause", 60), **kw)


async def start_times(gov, t, n):
    out = []
    for _ in range(n):
        await gov.acquire()
        out.append(t.now)
    return out


# -- reading the headers ----------------------------------------------------------------------


def test_headers_read_or_none():
    assert RateHeaders.read(hdrs(10, 300, 40)) == RateHeaders(10, 300, 40)
    assert RateHeaders.read({}) is None
    assert RateHeaders.read(hdrs("x", 300, 1)) is None
    assert RateHeaders.read(hdrs(1, 0, 1)) is None  # an allowance of nothing is not an allowance
    assert RateHeaders.read(hdrs(1, 300, "nan")) is None and RateHeaders.read(hdrs(1, 300, -1)) is None


def test_allowance_describes_itself():
    assert Allowance(300, 60).describe() == "server allows 300/min: 5.0 req/s"
    assert Allowance(5, 1).describe() == "server allows 5/s: 5.0 req/s"
    assert Allowance(100, 10).describe() == "server allows 100/10s: 10.0 req/s"


# -- pacing: the configured rate is a ceiling ---------------------------------------------------


async def test_no_headers_paces_at_the_configured_rate_exactly():
    t = FakeTime(100.0)
    gov = governor(8, t)
    times = await start_times(gov, t, 9)
    assert times[-1] - times[0] == pytest.approx(1.0)  # 8 intervals of 1/8 s
    assert gov.allowance is None and not gov.server_bound and gov.describe() == "configured 8 req/s"


async def test_a_late_wake_up_does_not_lose_its_slot():
    """Start times are an absolute schedule: a request that starts late is not charged for it."""
    t = FakeTime(100.0)
    gov = governor(10, t)
    await gov.acquire()  # slot 100.0
    await gov.acquire()  # slot 100.1
    t.now += 0.03  # the loop woke us 30 ms late
    await gov.acquire()  # slot 100.2 still
    assert t.now == pytest.approx(100.2)


async def test_fixed_window_of_300_per_minute_is_spread_evenly_not_burst():
    t = FakeTime(100.0)
    gov = governor(8, t)
    gov.observe(hdrs(1, 300, 60))  # the first answer of a fixed window: its reset is the whole window
    assert gov.allowance == Allowance(300, 60)
    assert gov.server_bound and gov.describe() == "server allows 300/min: 5.0 req/s"
    assert gov.pace == pytest.approx(5.0 * 0.99)
    times = await start_times(gov, t, 298)
    per_window = sum(1 for x in times if x < times[0] + 60)
    assert 290 <= per_window <= 297  # under the 300 with the margin, never a burst of 300 then a wait
    gaps = {round(b - a, 6) for a, b in zip(times, times[1:], strict=False)}
    assert gaps == {round(1 / (5 * 0.99), 6)}


async def test_the_configured_rate_stays_the_ceiling_when_the_server_allows_more():
    t = FakeTime(100.0)
    gov = governor(50, t)
    gov.observe(hdrs(1, 60, 1))  # a 60/s allowance
    assert gov.allowance == Allowance(60, 1) and gov.pace == 50 and not gov.server_bound
    assert gov.describe() == "configured 50 req/s"


def test_the_window_is_the_longest_reset_seen_for_that_allowance():
    t = FakeTime(100.0)
    gov = governor(8, t)
    gov.observe(hdrs(20, 300, 4))  # a per-minute bucket early on: its reset is short...
    assert gov.allowance == Allowance(300, 4)  # ...so the estimate is high, and the ceiling (8/s) rules
    assert gov.pace == 8
    gov.observe(hdrs(200, 300, 50))  # ...until the bucket has been drawn down
    assert gov.allowance == Allowance(300, 50) and gov.pace == pytest.approx(6 * 0.99)
    gov.observe(hdrs(0, 300, 0))  # a full bucket says reset 0: that teaches nothing
    assert gov.allowance == Allowance(300, 50)


def test_a_lower_allowance_of_a_family_of_routes_does_not_set_the_general_pace():
    t = FakeTime(100.0)
    gov = governor(8, t)
    gov.observe(hdrs(1, 300, 60))
    gov.observe(hdrs(1, 60, 60))  # the queues' own allowance
    assert gov.allowance == Allowance(300, 60)


def test_an_allowance_not_seen_for_a_while_is_forgotten():
    t = FakeTime(100.0)
    gov = governor(8, t)
    gov.observe(hdrs(1, 300, 60))
    t.now += HORIZON + 1
    assert gov.allowance is None and gov.pace == 8


# -- low water and spent allowances ---------------------------------------------------------------


def test_healthy_headers_hold_nothing_back():
    t = FakeTime(100.0)
    gov = governor(1000, t)
    gov.observe(hdrs(10, 300, 40))
    assert gov.paused_for == 0 and gov.pauses == 0


def test_spent_allowance_waits_for_the_reset():
    t = FakeTime(100.0)
    gov = governor(1000, t)
    gov.observe(hdrs(300, 300, 7))
    assert gov.paused_for == 7.0 and gov.pauses == 1


async def test_low_allowance_spreads_what_is_left_over_the_window():
    t = FakeTime(100.0)
    gov = governor(1000, t)
    gov.observe(hdrs(296, 300, 10))  # 4 left for 10 s: 5 slots of 2 s
    assert gov.pace == pytest.approx(5 / 10)
    t.now += 10.5  # that window is over: back to the steady pace
    assert gov.pace == pytest.approx(300 / 10 * 0.99)
    gov.observe(hdrs(296, 300, 10))
    gov.observe(hdrs(3, 300, 60))  # a newer answer in a fresh window clears it
    assert gov.pace == pytest.approx(300 / 60 * 0.99)


# -- pauses (429 Retry-After) -------------------------------------------------------------------


async def test_a_pause_holds_every_request_until_it_ends():
    t = FakeTime(100.0)
    gov = governor(1000, t)
    gov.pause(5)
    await gov.acquire()
    assert t.slept == [5.0]
    assert t.now == 105.0


async def test_a_pause_that_starts_while_waiting_for_a_slot_is_honoured():
    t = FakeTime(100.0)
    gov = governor(1, t)
    await gov.acquire()  # slot 100
    gov.pause(0.5)

    async def sleep(seconds):
        t.slept.append(seconds)
        t.now += seconds
        if t.now < 102:
            gov.pause(3)  # a 429 arrives while this request waits for its slot

    gov._sleep = sleep
    await gov.acquire()
    assert t.now >= 103


async def test_pause_is_clamped_and_never_shortened():
    t = FakeTime(100.0)
    gov = governor(1000, t, max_pause=30)
    gov.pause(3600)
    assert gov.paused_for == 30
    gov.pause(1)
    assert gov.paused_for == 30


def test_a_nan_pause_holds_back_for_the_longest_pause_not_for_nothing():
    t = FakeTime(100.0)
    gov = governor(1000, t, max_pause=30)
    gov.pause(float("nan"))
    assert gov.paused_for == 30


def test_rps_must_be_positive():
    with pytest.raises(ValueError):
        RateGovernor(0)
