"""The token bucket, exactly, on a manual clock."""

from __future__ import annotations

from bulkops.simulator import ManualClock
from bulkops.simulator.ratelimit import RateLimiter, TokenBucket


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
