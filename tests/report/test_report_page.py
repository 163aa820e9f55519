"""The HTML report: its figures checked against the audit log, self-contained, and rendered by a real browser."""

from __future__ import annotations

import math
import shutil
import subprocess

import orjson
import pytest
from click.testing import CliRunner
from reporthelpers import email, number, parse_page, run_job, write_jsonl

from bulkops.cli.main import cli
from bulkops.report.files import write_report
from bulkops.report.timeline import build_timeline, latency_histogram, percentile, pick_width, run_start
from bulkops.simulator import SimConfig
from bulkops.state.auditline import AuditLine, UserLine, audit_lines, user_line
from bulkops.state.ndjson import read_ndjson
from bulkops.state.reconciliation import ReconciliationQueue
from bulkops.state.records import UserOutcome


async def conflicted_run(sim, tmp_path):
    """60 users with 409s from a concurrent admin, one that always conflicts."""
    sim.sim.reset(SimConfig(users=80, conflict_rate=0.25, seed=11))
    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    names = list(s.skill_ids_by_name())[:2]
    spec = write_jsonl(tmp_path / "c.jsonl", [{"user": email(i), "skills": {names[0]: 3, names[1]: 2}, "title": f"Agent {i}"} for i in range(60)])
    return await run_job(sim, spec, tmp_path / "state", before_execute=lambda: s.configure(always_conflict=[by_email[email(5)]]))


async def test_the_report_figures_are_the_audit_logs(sim, tmp_path):
    setup, summary = await conflicted_run(sim, tmp_path)
    page = parse_page(write_report(setup.paths).read_text(encoding="utf-8"))
    audit = [r for r in read_ndjson(setup.paths.audit)]
    run = summary["this_run"]

    assert number(page.figures["users-handled"]) == len(audit) == 60
    assert number(page.figures["requests"]) == run["requests"]
    assert number(page.figures["audit-requests"]) == round(sum(r["requests"] for r in audit), 1)
    assert number(page.figures["conflicts"]) == sum(r["conflicts"] for r in audit) == run["conflicts_409"] > 0
    assert number(page.figures["http-429"]) == run["http_429"] and number(page.figures["http-5xx"]) == run["http_5xx"]
    assert number(page.figures["configured-rps"]) == run["configured_rps"] == 2000
    assert page.figures["status"] == summary["status"]
    outcomes = {}
    for r in audit:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    for k, v in outcomes.items():
        assert number(page.figures[f"job-{k}"]) == v == number(page.figures[f"run-{k}"])
    assert number(page.figures["job-total"]) == 60
    # the plain-words summary on top says the same, for a reader who stops there
    short = page.figures["in-short"]
    assert f"{outcomes.get('applied', 0)} agent(s) now have the routing the job asked for" in short
    if outcomes.get("reconciliation") or outcomes.get("failed"):
        assert f"{outcomes.get('reconciliation', 0) + outcomes.get('failed', 0)} need a person's look" in short
    assert {b["data-outcome"]: int(b["data-value"]) for b in page.bars["outcomes-job"]} == outcomes

    # requests/s: the bars times the bucket width give back every request of the audit
    rps = page.bars["rps"]
    width = _width(page, setup)
    assert math.isclose(sum(float(b["data-value"]) for b in rps) * width, sum(r["requests"] for r in audit), rel_tol=0.01)
    assert page.limits["rps"] == 2000
    # 409s over time add up to the audit's
    assert sum(int(float(b["data-value"])) for b in page.bars["conflicts"]) == sum(r["conflicts"] for r in audit)
    # latency: every user in one bin; percentiles are audit values
    lat = sorted(r["latency_ms"] for r in audit)
    assert sum(int(b["data-value"]) for b in page.bars["latency"]) == len(lat)
    assert number(page.figures["latency-p50"]) == pytest.approx(lat[math.ceil(0.5 * len(lat)) - 1], abs=0.001)
    assert number(page.figures["latency-max"]) == pytest.approx(lat[-1], abs=0.001)
    # the slowest and the most retried users
    slowest = [r["user_id"] for r in sorted(audit, key=lambda r: -r["latency_ms"])[:10]]
    assert page.tables["slowest"] == slowest
    retried = [r for r in audit if r["attempts"] > 1 or r["conflicts"]]
    assert set(page.tables["most-retried"]) <= {r["user_id"] for r in retried} and len(page.tables["most-retried"]) == min(10, len(retried))
    by_id = {r["user_id"]: r for r in audit}
    shown = [(by_id[u]["conflicts"], by_id[u]["attempts"]) for u in page.tables["most-retried"]]
    assert shown == sorted(shown, reverse=True) and shown[0] == max((r["conflicts"], r["attempts"]) for r in retried)
    # the reconciliation queue, whole
    queue = ReconciliationQueue(setup.paths.reconciliation).entries()
    assert queue and page.tables["reconciliation"] == list(queue) and number(page.figures["reconciliation-open"]) == len(queue)


def _width(page, setup) -> float:
    lines = [u for ln in audit_lines(setup.paths.audit) if (u := user_line(ln)) is not None]
    return build_timeline(lines, start=run_start(lines[0].run_id)).width


async def test_the_page_needs_no_network_and_says_what_the_data_cannot_show(sim, tmp_path):
    setup, _ = await conflicted_run(sim, tmp_path)
    text = write_report(setup.paths, tmp_path / "out" / "r.html").read_text(encoding="utf-8")
    page = parse_page(text)
    assert not page.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert page.urls == []  # nothing to fetch: no src, no href
    assert "@import" not in text and "url(" not in text
    csp = next(m["content"] for m in page.meta if m.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp
    assert "not recorded per time" in text and "not in the audit" in text


def _chromium() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) if p), None)


@pytest.mark.skipif(_chromium() is None, reason="no chromium binary on PATH")
async def test_a_headless_browser_renders_the_page(sim, tmp_path):
    setup, _ = await conflicted_run(sim, tmp_path)
    page = write_report(setup.paths)
    shot = tmp_path / "r.png"
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        f"--screenshot={shot}",
        "--window-size=1200,2400",
        page.as_uri(),
    ]
    subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 30_000  # charts and tables drawn, not a blank page


async def test_bulkops_report_writes_the_page_and_the_files(sim, tmp_path):
    setup, _ = await conflicted_run(sim, tmp_path)
    out = tmp_path / "page.html"
    result = CliRunner().invoke(cli, ["report", setup.job_id, "--state-dir", str(tmp_path / "state"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and "report: " in result.output
    for name in ("applied.csv", "unchanged.csv", "failed.csv", "reconciliation.csv", "unprocessed.csv", "retry-spec.jsonl"):
        assert (setup.paths.root / "results" / name).exists()
    unknown = CliRunner().invoke(cli, ["report", "nope", "--state-dir", str(tmp_path / "state")])
    assert unknown.exit_code == 7
    bad_run = CliRunner().invoke(cli, ["report", setup.job_id, "--state-dir", str(tmp_path / "state"), "--run", "x"])
    assert bad_run.exit_code == 7


# -- pure aggregation ------------------------------------------------------------------


def _line(ts: str, requests: float, latency_ms: float, **kw) -> UserLine:
    record = UserOutcome("applied", kw.pop("uid", ts), email="", requests=requests, latency_ms=latency_ms, **kw)
    return AuditLine(ts, "20261123T100000Z-abcdef", "", record)


def test_requests_are_spread_over_each_users_latency_window():
    lines = [
        _line("2026-11-23T10:00:04.000Z", 4, 4000),  # 10:00:00 - 10:00:04: one per second
        _line("2026-11-23T10:00:06.500Z", 2, 0, conflicts=2),  # at once
    ]
    tl = build_timeline(lines, start=run_start("20261123T100000Z-abcdef"))
    assert tl.width == 1 and [b.requests for b in tl.buckets] == [1, 1, 1, 1, 0, 0, 2]
    assert [b.conflicts for b in tl.buckets] == [0, 0, 0, 0, 0, 0, 2]
    assert sum(b.users for b in tl.buckets) == 2
    wide = build_timeline(lines, start=run_start("20261123T100000Z-abcdef"), width=10)
    assert [b.requests for b in wide.buckets] == [6] and wide.buckets[0].rps == 0.6


def test_bucket_width_adapts_to_the_run_length():
    assert pick_width(40) == 1 and pick_width(600) == 10 and pick_width(8 * 3600) == 600
    assert pick_width(1e9) == 86400


def test_latency_bins_and_nearest_rank_percentiles():
    bins = latency_histogram([10, 49.9, 50, 999, 1000, 120000])
    assert [b.count for b in bins][:6] == [2, 1, 0, 0, 1, 1] and bins[-1].count == 1 and bins[-1].high_ms is None
    assert bins[0].label == "< 50 ms" and bins[5].label == "1–2.5 s" and bins[-1].label == "≥ 60 s"
    values = sorted(range(1, 101))
    assert percentile(values, 50) == 50 and percentile(values, 99) == 99 and percentile([], 50) == 0.0


def test_damaged_audit_lines_are_reported_not_fatal(tmp_path):
    from bulkops.domain.model import UserIntent
    from bulkops.report.load import load_job
    from bulkops.report.timeline import build_figures
    from bulkops.state.layout import RunPaths
    from bulkops.state.store import RunStore

    paths = RunPaths(tmp_path / "job")
    store = RunStore.create(paths.db, {"job_id": "job", "mode": "merge"})
    store.add_intents([UserIntent(user="u1", skills={"s1": 3.0}, line=2)])
    store.mark_done("u1", "unchanged")  # the checkpoint, as the pass left it: what the account counts
    store.close()
    good = {
        "ts": "2026-11-23T10:00:01.000Z",
        "run_id": "20261123T100000Z-aaaaaa",
        "job_id": "job",
        "outcome": "unchanged",
        "user_id": "u1",
        "requests": 0,
        "latency_ms": 5.0,
    }
    paths.audit.write_bytes(orjson.dumps(good) + b'\n{"ts": "2026-11-23T10:00:0')
    data = load_job(paths)
    assert data.line_count == 1 and len(data.bad_lines) == 1
    figures = build_figures(data)
    assert figures.outcomes_job == {"unchanged": 1} and figures.summary is None
    page = parse_page(write_report(paths, data=data).read_text(encoding="utf-8"))
    assert "1 damaged audit line" in page.figures["bad-lines"]
    assert page.figures["requests"] == "—"  # no summary.json: shown as unknown, not invented
