"""The export's read of the org with the real client over HTTP: a listing whose cursor expires
part-way starts over and still writes each user once; one that keeps expiring ends with the
error and writes nothing; users wait on disk, not in the output, until the listing is done."""

from __future__ import annotations

import csv
import io

import pytest
from helpers.clients import make_client
from helpers.engine import client_for
from helpers.faultproxy import EMPTY_OBJECT, HTML_PAGE, TRUNCATED_JSON, FaultProxy, Via

from bulkops.errors import CursorExpiredError, MalformedResponseError
from bulkops.export.job import export_org
from bulkops.export.model import Selection
from bulkops.simulator import SimConfig


async def test_an_expired_cursor_starts_the_listing_over_and_each_user_is_written_once(sim):
    sim.sim.reset(SimConfig(users=1200, cursor_ttl=30))
    pages: list[tuple[int, int]] = []

    def on_page(listed: int, kept: int) -> None:
        pages.append((listed, kept))
        if len(pages) == 1:
            sim.advance(60)  # the first page's cursor is stale by the time the next is asked for

    out = io.StringIO()
    async with make_client(sim) as client:
        counts = await export_org(client, Selection(), "wide", out, on_page=on_page)
    emails = [row[0] for row in csv.reader(io.StringIO(out.getvalue()))][1:]
    assert sorted(emails) == sorted(u.email for u in sim.sim.org.users.values())  # each once
    assert counts.exported == 1200 and counts.listed == 1200
    assert pages[0] == (500, 500) and pages[1] == (500, 500)  # the listing started again


async def test_a_cursor_that_keeps_expiring_ends_with_the_error_and_writes_nothing(sim):
    sim.sim.reset(SimConfig(users=1200, cursor_ttl=30))
    out = io.StringIO()
    async with make_client(sim) as client:
        with pytest.raises(CursorExpiredError):
            await export_org(client, Selection(), "wide", out, on_page=lambda *_: sim.advance(60))
    assert out.getvalue() == ""


BUDGET = {"max_attempts": 3, "max_retry_seconds": 5.0}


@pytest.fixture
async def proxied(sim):
    async with FaultProxy(sim.base_url) as proxy:
        yield proxy, Via(proxy.base_url, sim.client_id, sim.client_secret)


async def test_a_malformed_listing_page_is_read_again_and_each_user_written_once(sim, proxied):
    """A 200 of ``{}`` or an HTML block page in the middle of a 2,000-user listing is no page: it is
    retried, and the export holds every user once."""
    proxy, via = proxied
    sim.sim.reset(SimConfig(users=2000))
    proxy.inject("GET", r"/api/v2/users/query", EMPTY_OBJECT, nth=2)
    proxy.inject("GET", r"/api/v2/users/query", HTML_PAGE, nth=4)
    out = io.StringIO()
    async with client_for(via, rps=2000, **BUDGET) as client:
        counts = await export_org(client, Selection(), "long", out)
    emails = {row[0] for row in csv.reader(io.StringIO(out.getvalue()))} - {"email"}
    holders = {u.email for u in sim.sim.org.users.values() if u.skills or u.languages}
    assert emails == holders and counts.listed == 2000
    assert proxy.count("GET", r"/api/v2/users/query") == 4 + 2  # the listing's pages, and the two read again


async def test_a_listing_that_keeps_failing_ends_with_the_error_and_writes_nothing(sim, proxied):
    proxy, via = proxied
    sim.sim.reset(SimConfig(users=2000))
    proxy.inject("GET", r"/api/v2/users/query", TRUNCATED_JSON, from_nth=3)
    out = io.StringIO()
    async with client_for(via, rps=2000, **BUDGET) as client:
        with pytest.raises(MalformedResponseError):
            await export_org(client, Selection(), "wide", out)
    assert out.getvalue() == ""
