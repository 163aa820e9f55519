"""When the server's allowance, not --rps, bounds a run: plan's estimate, progress lines, the summary."""

import io

import orjson
import pytest
from helpers.cli import write_matrix
from test_plan_replace import bulkops_plan

from bulkops.cli.support.progress import ProgressReporter
from bulkops.client.ratelimit import RateGovernor
from bulkops.engine.run.counters import RunCounters
from bulkops.engine.summary import render_summary
from bulkops.simulator import SimConfig


async def plan_json(sim, tmp_path, rps):
    spec = write_matrix(tmp_path / "m.csv", 40)
    proc_out = await bulkops_plan(sim, spec, "--json", "--rps", str(rps))  # the last --rps wins
    return orjson.loads(proc_out)


async def test_plan_estimates_at_the_allowance_it_saw_on_its_own_reads(sim, tmp_path):
    sim.sim.reset(SimConfig(users=60, rate_per_minute=300, rate_mode="fixed"))
    out = await plan_json(sim, tmp_path, 8)
    assert out["rate_bound"] == "server allows 300/min: 5.0 req/s"
    assert out["pace_rps"] == pytest.approx(4.95)
    assert out["estimated_seconds"] == pytest.approx(out["estimated_requests"] / 4.95, abs=0.1)


async def test_plan_estimates_at_the_configured_rate_when_the_server_allows_more(sim, tmp_path):
    sim.sim.reset(SimConfig(users=60, rps=60))
    out = await plan_json(sim, tmp_path, 50)
    assert out["rate_bound"] is None and out["pace_rps"] == 50
    assert out["estimated_seconds"] == pytest.approx(out["estimated_requests"] / 50, abs=0.1)


def learned(rps=8.0):
    now = [100.0]
    gov = RateGovernor(rps, clock=lambda: now[0])
    gov.observe({"inin-ratelimit-count": "1", "inin-ratelimit-allowed": "300", "inin-ratelimit-reset": "60"})
    return gov


def test_progress_lines_name_the_server_as_the_bound():
    out = io.StringIO()
    c = RunCounters(total=10)
    c.outcomes["applied"] = 10
    with ProgressReporter(rps=8, stream=out, force_plain=True, governor=learned()) as progress:
        progress.update(c)
    assert "server allows 300/min: 5.0 req/s" in out.getvalue()
    out = io.StringIO()
    with ProgressReporter(rps=8, stream=out, force_plain=True, governor=learned(rps=2)) as progress:
        progress.update(c)
    assert "server allows" not in out.getvalue()  # --rps 2 is the bound, not the server's 5/s


def test_the_summary_line_says_the_server_was_the_bound():
    run = {
        "outcomes": {"applied": 3},
        "requests": 3,
        "requests_per_changed_user": 1.0,
        "duration_s": 0.6,
        "achieved_rps": 4.9,
        "configured_rps": 8.0,
        "rps_fraction": 0.612,
        "rate_bound": "server allows 300/min: 5.0 req/s",
        "allowance_fraction": 0.98,
        "conflicts_409": 0,
        "conflict_refetches": 0,
        "http_retries": 0,
        "http_429": 0,
        "http_5xx": 0,
        "confirmed_after_restart": 0,
    }
    files = dict.fromkeys(("audit", "checkpoint", "reconciliation", "summary"), "x")
    text = render_summary({"job_id": "j", "run_id": "r", "status": "complete", "users": {"applied": 3}, "this_run": run, "files": files})
    assert "rate:    4.9 req/s of 8.0 configured (61.2%); bound by the server: server allows 300/min: 5.0 req/s (98.0% of it)" in text
