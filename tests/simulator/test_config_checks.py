"""SimConfig's checks, one table: each bad knob is refused with its message, the first found."""

from __future__ import annotations

import pytest

from bulkops.simulator.config import SimConfig, knob_problem, rate_problem, size_problem


@pytest.mark.parametrize(
    "knobs, message",
    [
        ({"users": -1}, "users must be >= 0"),
        ({"queues": -1}, "queues must be >= 0"),
        ({"divisions": 0}, "divisions must be >= 1 (the Home division always exists)"),
        ({"rps": 5, "rate_per_minute": 300}, "set rps or rate_per_minute, not both"),
        ({"rps": 0}, "rps must be positive (or None for unlimited)"),
        ({"rate_per_minute": 0}, "rate_per_minute must be positive (or None for unlimited)"),
        ({"rate_mode": "leaky"}, "rate_mode must be 'bucket' or 'fixed'"),
        ({"route_limit_prefix": "/api/v2/routing"}, "set route_limit_prefix and route_rate_per_minute together"),
        ({"route_limit_prefix": "/x", "route_rate_per_minute": 0}, "route_rate_per_minute must be positive"),
        ({"error_rate": 1.5}, "error_rate must be between 0 and 1"),
        ({"queue_admin_edit_rate": -0.1}, "queue_admin_edit_rate must be between 0 and 1"),
        ({"read_lag_ms": -1}, "latency_ms and read_lag_ms must be >= 0"),
        ({"cursor_ttl": 0}, "token_ttl and cursor_ttl must be positive"),
        ({"audit_query_seconds": -1}, "audit_delay_seconds and audit_query_seconds must be >= 0"),
        ({"extra_clients": 100}, "extra_clients must be between 0 and 99"),
        ({"utilization_edit_rate": 2}, "utilization_label_limit must be >= 0 and utilization_edit_rate between 0 and 1"),
        ({"users": -1, "rps": 0, "error_rate": 2}, "users must be >= 0"),  # sizes first, then rates, then the other knobs
        ({"rps": 0, "error_rate": 2}, "rps must be positive (or None for unlimited)"),
    ],
)
def test_a_bad_knob_is_refused_with_its_message(knobs, message):
    with pytest.raises(ValueError) as refused:
        SimConfig(**knobs)
    assert str(refused.value) == message


def test_a_good_config_has_no_problem_and_sets_are_frozen():
    c = SimConfig(always_conflict=["u-1"], rps=5, route_limit_prefix="/x", route_rate_per_minute=10)
    assert size_problem(c) is None and rate_problem(c) is None and knob_problem(c) is None
    assert c.always_conflict == frozenset({"u-1"})
