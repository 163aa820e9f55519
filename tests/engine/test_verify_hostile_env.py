"""``verify`` in a hostile environment (#25 §8e, §8f), against the simulator over HTTP: an audit query
that never completes is "not yet available" (11), not a crash (1); a client whose clock is hours off
compares times on the API's clock (its Date header) instead of waiting hours or reading the wrong window."""

from __future__ import annotations

import json
import re
import time

import aiohttp
import pytest
from helpers.clients import config_for
from helpers.engine import email
from test_verify import run_job, write_json

from bulkops.client import GenesysClient
from bulkops.client.serverclock import ServerClock, parse_http_date
from bulkops.domain.verification import Verification
from bulkops.engine.verify.verifyjob import CLOCK_SKEWS, read_job_writes
from bulkops.engine.verify.verifyrun import Pending, VerifyOptions, verify_job
from bulkops.state.store import RunStore

THREE_HOURS = 3 * 3600.0


def skewed_client(sim, offset: float) -> GenesysClient:
    """The real client, with this machine's clock ``offset`` seconds off (injected, not patched)."""
    return GenesysClient(config_for(sim), server_clock=ServerClock(wall=lambda: time.time() + offset))


async def job_writes(setup):
    store = RunStore.open(setup.paths.db)
    try:
        return read_job_writes(setup.paths.audit, created=store.get("created"), skews=store.get(CLOCK_SKEWS)), store.get("client_id"), store.get(CLOCK_SKEWS)
    finally:
        store.close()


async def small_job(sim, tmp_path, n: int = 3):
    sim.sim.configure(audit_delay_seconds=0.0, audit_query_seconds=0.0)
    setup, summary = await run_job(sim, write_json(tmp_path / "j.json", [{"user": email(i), "title": "Skew"} for i in range(n)]), tmp_path)
    assert summary["status"] == "complete"
    return setup


async def test_the_simulator_sends_a_date_header_on_every_answer(sim):
    async with aiohttp.ClientSession() as session:
        for method, path in (("GET", "/api/v2/users"), ("POST", "/oauth/token")):
            async with session.request(method, sim.base_url + path) as resp:
                date = parse_http_date(resp.headers.get("Date"))
                assert date is not None and abs(date - time.time()) < 5, (method, path)


async def test_an_audit_query_that_never_completes_is_not_yet_available(sim, tmp_path):
    setup = await small_job(sim, tmp_path)
    sim.sim.configure(audit_query_seconds=3600.0)  # the platform never finishes the query
    writes, client_id, _ = await job_writes(setup)
    async with GenesysClient(config_for(sim)) as client:
        started = time.monotonic()
        result = await verify_job(client, writes, client_id, VerifyOptions(audit_lag=0.0, query_timeout=0.5))
    assert isinstance(result, Pending), result
    assert re.search(r"could not read the platform's audit: .* was still (Queued|Running) after 0\.5 s", result.reason), result.reason
    assert result.wait > 0
    assert time.monotonic() - started < 60  # bounded by query_timeout, generously for a busy machine


@pytest.mark.parametrize("offset", [-THREE_HOURS, THREE_HOURS], ids=["3 h behind", "3 h ahead"])
async def test_a_client_clock_hours_off_verifies_at_once_on_the_apis_clock(sim, tmp_path, offset):
    setup = await small_job(sim, tmp_path)
    writes, client_id, skews = await job_writes(setup)
    assert skews and all(abs(s) < 5 for s in skews.values())  # the pass recorded its (small) skew
    async with skewed_client(sim, offset) as client:
        result = await verify_job(client, writes, client_id, VerifyOptions(audit_lag=30.0, wait=False))
        assert client.server_clock.off and abs(client.server_clock.skew + offset) < 5
    # 30 s of lag allowed for and none passed: on the API's clock that is about 30 s, never 3 h + 30 s,
    # and never a query of the wrong window (which would find nothing of the job)
    assert isinstance(result, Pending) and result.wait <= 31, result
    # ``Date`` has whole seconds: the API's clock is known to about half a second, so a job that ended
    # a moment ago may be "not yet" for that long; waiting up to 30 s lets that pass, while a clock read
    # 3 h off would put the audit 3 h away, past the wait, and return Pending at once
    async with skewed_client(sim, offset) as client:
        verified = await verify_job(client, writes, client_id, VerifyOptions(audit_lag=0.0, wait=True, timeout=30.0))
    assert isinstance(verified, Verification) and verified.verified, verified


async def test_a_pass_run_with_a_clock_off_is_read_in_the_apis_clock(sim, tmp_path):
    """The job's own times are this machine's: moved by each pass's recorded skew into the platform's."""
    setup = await small_job(sim, tmp_path)
    plain, _, skews = await job_writes(setup)
    (run,) = skews
    plain = read_job_writes(setup.paths.audit, skews=skews)
    lines = [json.loads(line) for line in setup.paths.audit.read_text().splitlines()]
    assert {line["run_id"] for line in lines} == {run}
    shifted = read_job_writes(setup.paths.audit, skews={run: skews[run] - THREE_HOURS})
    assert shifted.last_line is not None and plain.last_line is not None
    assert abs((plain.last_line - shifted.last_line) - THREE_HOURS) < 0.01
    assert all(abs((a.start - b.start) - THREE_HOURS) < 0.01 for a, b in zip(plain.windows, shifted.windows, strict=True))
