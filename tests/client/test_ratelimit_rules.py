"""The governor's rules, with an injected clock and sleep so they are exact and instant."""

import pytest

from bulkops.client.ratelimit import RateGovernor, header_pause


def hdrs(count, allowed, reset):
    return {"inin-ratelimit-count": str(count), "inin-ratelimit-allowed": str(allowed), "inin-ratelimit-reset": str(reset)}


def test_healthy_headers_hold_nothing_back():
    assert header_pause(hdrs(10, 300, 40)) == 0.0
    assert header_pause({}) == 0.0
    assert header_pause(hdrs("x", 300, 1)) == 0.0


def test_spent_allowance_waits_for_the_reset():
    assert header_pause(hdrs(300, 300, 7)) == 7.0


def test_low_allowance_spreads_what_is_left_over_the_window():
    assert header_pause(hdrs(296, 300, 10)) == pytest.approx(10 / 5)


class FakeTime:
    def __init__(self):
        self.now = 100.0
        self.slept = []

    def clock(self):
        return self.now

    async def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


async def test_a_pause_holds_every_request_until_it_ends():
    t = FakeTime()
    gov = RateGovernor(1000, clock=t.clock, sleep=t.sleep, max_pause=60)
    gov.pause(5)
    await gov.acquire()
    assert t.slept == [5.0]
    assert t.now == 105.0


async def test_pause_is_clamped_and_never_shortened():
    t = FakeTime()
    gov = RateGovernor(1000, clock=t.clock, sleep=t.sleep, max_pause=30)
    gov.pause(3600)
    assert gov.paused_for == 30
    gov.pause(1)
    assert gov.paused_for == 30


def test_a_nan_pause_holds_back_for_the_longest_pause_not_for_nothing():
    t = FakeTime()
    gov = RateGovernor(1000, clock=t.clock, sleep=t.sleep, max_pause=30)
    gov.pause(float("nan"))
    assert gov.paused_for == 30
