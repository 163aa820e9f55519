"""The token bucket, exactly, on a manual clock."""

from __future__ import annotations

import pytest

from bulkops.simulator import ManualClock
from bulkops.simulator.ratelimit import FixedWindow, RateLimiter, TokenBucket


def test_burst_up_to_capacity_then_429_with_retry_after():
    clock = ManualClock()
    b = TokenBucket(5, 1.0, clock)
    decisions = [b.acquire() for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.count for d in decisions] == [1, 2, 3, 4, 5, 5]
    assert all(d.limit == 5 for d in decisions)
    denied = decisions[-1]
    assert denied.retry_after == 1 and denied.reset == 1
    assert denied.headers()["Retry-After"] == "1"
    assert "Retry-After" not in decisions[0].headers()
    clock.advance(0.2)  # one token back
    assert b.acquire().allowed and not b.acquire().allowed


def test_client_pacing_at_exactly_the_rate_never_sees_429():
    clock = ManualClock()
    b = TokenBucket(300, 60.0, clock)  # the platform's 300/min
    for _ in range(300):  # an initial burst empties the bucket...
        assert b.acquire().allowed
    assert not b.acquire().allowed
    for _ in range(2000):  # ...then exactly 5/s is always allowed
        clock.advance(0.2)
        assert b.acquire().allowed


def test_fresh_bucket_paced_from_the_start():
    clock = ManualClock()
    b = TokenBucket(3, 1.0, clock)
    for _ in range(1000):
        d = b.acquire()
        assert d.allowed
        clock.advance(1 / 3)


def test_per_minute_headers_and_reset():
    clock = ManualClock()
    b = TokenBucket(300, 60.0, clock)
    d = b.acquire()
    assert (d.count, d.limit, d.reset) == (1, 300, 1)  # 1 token refills in 0.2 s -> ceil 1
    for _ in range(99):
        d = b.acquire()
    assert d.count == 100 and d.reset == 20  # 100 tokens at 5/s
    clock.advance(10)  # 50 back
    d = b.acquire()
    assert d.count == 51


def test_retry_after_is_whole_seconds_at_least_one():
    clock = ManualClock()
    b = TokenBucket(1, 60.0, clock)  # one per minute
    assert b.acquire().allowed
    d = b.acquire()
    assert not d.allowed and d.retry_after == 60
    clock.advance(59.5)
    assert b.acquire().retry_after == 1


def test_buckets_are_per_token_and_knobs():
    clock = ManualClock()
    limiter = RateLimiter.from_knobs(2, None, clock)
    assert limiter.acquire("a").allowed and limiter.acquire("a").allowed
    assert not limiter.acquire("a").allowed
    assert limiter.acquire("b").allowed
    assert RateLimiter.from_knobs(None, None, clock) is None
    assert RateLimiter.from_knobs(None, 300, clock).window == 60.0


# -- the fixed window (rate_mode="fixed"), the realistic 300 per 60 s -------------------------


def test_fixed_window_allows_a_burst_then_429_until_the_window_ends():
    clock = ManualClock()
    w = FixedWindow(300, 60.0, clock)
    first = w.acquire()
    assert (first.count, first.limit, first.reset) == (1, 300, 60)  # the window starts at the first request
    for _ in range(299):
        d = w.acquire()
    assert d.allowed and d.count == 300
    clock.advance(20)
    denied = w.acquire()
    assert not denied.allowed and denied.count == 300 and denied.reset == 40 and denied.retry_after == 40
    assert denied.headers()["Retry-After"] == "40"
    clock.advance(39.5)
    assert w.acquire().retry_after == 1  # whole seconds, rounded up
    clock.advance(0.5)  # the window ends: the count is forgotten at once, not refilled
    d = w.acquire()
    assert d.allowed and d.count == 1 and d.reset == 60


def test_fixed_window_paced_evenly_never_sees_429_and_reset_counts_down():
    clock = ManualClock()
    w = FixedWindow(300, 60.0, clock)
    resets = []
    for _ in range(3000):  # 5/s exactly, 10 windows
        d = w.acquire()
        assert d.allowed
        resets.append(d.reset)
        clock.advance(0.2)
    assert max(resets) == 60 and min(resets) == 1
    assert max(d.count for d in [w.acquire()]) <= 300


def test_fixed_window_skips_idle_windows_and_stays_aligned():
    clock = ManualClock()
    w = FixedWindow(2, 10.0, clock)
    w.acquire()
    clock.advance(35)  # three whole windows later, 5 s into the fourth
    d = w.acquire()
    assert d.count == 1 and d.reset == 5


def test_a_family_of_routes_with_a_lower_allowance_of_its_own():
    clock = ManualClock()
    limiter = RateLimiter.from_knobs(None, 300, clock, mode="fixed", route_prefix="/api/v2/routing/queues", route_rate_per_minute=2)
    assert limiter.acquire("a", "/api/v2/users/x").limit == 300
    q = [limiter.acquire("a", "/api/v2/routing/queues/q1/members") for _ in range(3)]
    assert [d.allowed for d in q] == [True, True, False]
    assert all(d.limit == 2 and d.key == "route.rate.per.minute" for d in q)  # the tighter allowance's headers
    assert q[2].retry_after == 60
    other = limiter.acquire("a", "/api/v2/users/x")  # the route's refusal was not charged to the general allowance
    assert other.allowed and other.count == 4 and other.key == "client.credentials.token.rate.per.minute"
    clock.advance(60)
    assert limiter.acquire("a", "/api/v2/routing/queues/q1/members").allowed


def test_a_route_refused_by_the_general_allowance_is_not_charged_to_its_own():
    clock = ManualClock()
    limiter = RateLimiter.from_knobs(1, None, clock, mode="fixed", route_prefix="/api/v2/routing", route_rate_per_minute=5)
    assert limiter.acquire("a", "/api/v2/users").allowed
    d = limiter.acquire("a", "/api/v2/routing/skills")
    assert not d.allowed and d.limit == 1 and d.key == "client.credentials.token.rate.per.minute"
    clock.advance(1)
    assert limiter.acquire("a", "/api/v2/routing/skills").count == 1  # only the general window rolled: route count is 1, not 2


def test_route_limit_alone_and_bad_mode():
    clock = ManualClock()
    limiter = RateLimiter.from_knobs(None, None, clock, route_prefix="/api/v2/routing", route_rate_per_minute=1)
    assert limiter.acquire("a", "/api/v2/users") is None  # no general allowance: no headers off the family
    assert limiter.acquire("a", "/api/v2/routing/skills").allowed
    assert not limiter.acquire("a", "/api/v2/routing/skills").allowed
    with pytest.raises(ValueError):
        RateLimiter(5, 1.0, clock, mode="sliding").acquire("a")


def test_config_refuses_a_half_set_route_family_and_an_unknown_mode():
    from bulkops.simulator import SimConfig

    with pytest.raises(ValueError, match="together"):
        SimConfig(route_limit_prefix="/api/v2/routing/queues")
    with pytest.raises(ValueError, match="together"):
        SimConfig(route_rate_per_minute=60)
    with pytest.raises(ValueError, match="positive"):
        SimConfig(route_limit_prefix="/x", route_rate_per_minute=0)
    with pytest.raises(ValueError, match="rate_mode"):
        SimConfig(rate_mode="sliding")
    assert SimConfig(rate_mode="fixed", rate_per_minute=300).rate_mode == "fixed"
