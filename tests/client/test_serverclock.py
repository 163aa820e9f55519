"""The API's clock from its Date header (#25 §8f): the pure parts, table-tested."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from bulkops.client.serverclock import RESOLUTION, ServerClock, describe_skew, parse_http_date

NOON = 1_796_644_800.0  # Mon, 07 Dec 2026 12:00:00 GMT


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Mon, 07 Dec 2026 12:00:00 GMT", NOON),
        ("Monday, 07-Dec-26 12:00:00 GMT", NOON),  # RFC 850, which RFC 9110 says to accept
        ("Mon Dec  7 12:00:00 2026", None),  # asctime has no zone: not taken
        ("", None),
        (None, None),
        ("yesterday", None),
        ("Mon, 99 Dec 2026 12:00:00 GMT", None),
    ],
)
def test_parse_http_date(header, expected):
    assert parse_http_date(header) == expected


def test_no_answer_yet_means_this_machines_clock():
    clock = ServerClock(wall=lambda: NOON)
    assert clock.skew is None and clock.now() == NOON and not clock.off


@pytest.mark.parametrize(
    ("local", "correction", "off"),
    [
        (NOON, 0.0, False),  # within the header's resolution: this machine's finer clock is kept
        (NOON + 1.2, 0.0, False),
        (NOON - 3 * 3600, 3 * 3600 + 0.5, True),  # 3 h behind
        (NOON + 3 * 3600, -3 * 3600 + 0.5, True),  # 3 h ahead
        (NOON - 30, 30.5, False),  # applied, but not worth a warning
    ],
)
def test_the_latest_date_sets_the_correction(local, correction, off):
    clock = ServerClock(wall=lambda: local)
    with capture_logs() as logs:
        clock.observe("Mon, 07 Dec 2026 12:00:00 GMT")
        clock.observe("Mon, 07 Dec 2026 12:00:00 GMT")
    assert clock.correction == pytest.approx(correction) and clock.off is off
    assert abs(clock.correction) == 0 or abs(clock.correction) > RESOLUTION
    assert [e["event"] for e in logs] == (["clock.skew"] if off else [])  # said once, not on every answer


def test_an_unreadable_date_keeps_the_last_estimate():
    clock = ServerClock(wall=lambda: NOON - 600)
    clock.observe("Mon, 07 Dec 2026 12:00:00 GMT")
    clock.observe("garbage")
    assert clock.correction == pytest.approx(600.5)


def test_describe_skew_says_which_way():
    assert "10,800 s behind" in describe_skew(10800.0)
    assert "10,800 s ahead of" in describe_skew(-10800.0)
