"""``bulkops verify`` from the command line, in-process against the simulator over HTTP: a clean
job verified (0) with verification.json and the report's section, a write outside the job by
the same client named (10), a lagging audit not yet available (11) then waited for, a running
job refused (BUSY), a role without the audit permission (5)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest
from click.testing import CliRunner, Result
from helpers.clients import client_for

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.logsetup import configure_logging
from bulkops.simulator import SimConfig, Simulator
from bulkops.state.joblock import LOCK_NAME

FAST = SimConfig(audit_delay_seconds=0.0, audit_query_seconds=0.0)


@pytest.fixture
def org(served: tuple[Simulator, str]) -> Iterator[tuple[Simulator, str]]:
    sim, url = served
    sim.reset(FAST)
    yield sim, url
    configure_logging("warning")


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def run_job(sim: Simulator, url: str, tmp_path: Path, users: list[dict], job: str = "reorg") -> list[str]:
    spec = tmp_path / f"{job}.json"
    spec.write_text(json.dumps({"version": 1, "mode": "merge", "users": users}), encoding="utf-8")
    common = ["--base-url", url, "--state-dir", str(tmp_path / "st")]
    ran = invoke(sim, "run", str(spec), "--job", job, "--yes", *common)
    assert ran.exit_code == exitcodes.OK, ran.output
    return common


def lock_elsewhere(path: Path) -> subprocess.Popen[str]:
    """Another process holding the job's lock (as a running pass does) until killed."""
    code = f"import fcntl, os, time; fd = os.open({str(path)!r}, os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def users(n: int) -> list[dict]:
    return [{"user": f"agent{i:05d}@example.com", "title": "Verified", "skills": {"Billing": 4}, "joinQueues": ["Billing"]} for i in range(n)]


def test_a_clean_job_is_verified_with_its_record_and_the_reports_section(org, tmp_path):
    sim, url = org
    common = run_job(sim, url, tmp_path, users(6))
    done = invoke(sim, "verify", "reorg", "--audit-lag", "0", *common)
    assert done.exit_code == exitcodes.OK, done.output
    assert "verified: every write the job recorded is in the platform's audit" in done.output
    record = orjson.loads((tmp_path / "st" / "reorg" / "verification.json").read_bytes())
    assert record["verified"] and record["counts"]["confirmed"] == 6 and record["client_id"] == sim.config.client_id
    page = (tmp_path / "st" / "reorg" / "results" / "report.html").read_text()
    assert 'data-figure="verification"' in page and "verified" in page
    as_json = orjson.loads(invoke(sim, "verify", "reorg", "--audit-lag", "0", "--json", *common).output)
    assert as_json["verified"] and as_json["labels"]


def test_a_write_outside_the_job_by_the_same_client_is_named_in_names(org, tmp_path):
    sim, url = org
    common = run_job(sim, url, tmp_path, users(4))
    by_email = {sim.user(u)["email"]: u for u in sim.user_ids()}
    sales = sim.skill_ids_by_name()["Sales"]
    handle = SimpleNamespace(base_url=url, client_id=sim.config.client_id, client_secret=sim.config.client_secret)

    async def outside() -> None:
        async with client_for(handle) as client:
            await client.upsert_skills(by_email["agent00001@example.com"], {sales: 5})
            await client.upsert_skills(by_email["agent00150@example.com"], {sales: 1})

    asyncio.run(outside())
    result = invoke(sim, "verify", "reorg", "--audit-lag", "0", *common)
    assert result.exit_code == exitcodes.NOT_VERIFIED, result.output
    assert "agent00001@example.com: unexpected Update on agent00001@example.com (skill Sales)" in result.output
    stranger = sim.user(by_email["agent00150@example.com"])["name"]
    assert f"(not in the job) unexpected Update on {stranger} (skill Sales)" in result.output
    assert "not verified: 1 user(s)/item(s) to look at, 1 write(s) by this client on what the job never named;" in result.output


def test_a_lagging_audit_is_not_yet_available_then_waited_for(org, tmp_path):
    sim, url = org
    sim.configure(audit_delay_seconds=1.5)
    common = run_job(sim, url, tmp_path, users(3))
    early = invoke(sim, "verify", "reorg", "--audit-lag", "60", *common)
    assert early.exit_code == exitcodes.AUDIT_PENDING, early.output
    assert "not yet available" in early.output and "next: wait" in early.output and "--wait" in early.output
    guessed_short = invoke(sim, "verify", "reorg", "--audit-lag", "0", "--json", *common)
    if guessed_short.exit_code == exitcodes.AUDIT_PENDING:  # the 1.5 s may already have passed on a slow machine
        assert orjson.loads(guessed_short.output)["available"] is False
    waited = invoke(sim, "verify", "reorg", "--audit-lag", "1.5", "--wait", "--timeout", "60", *common)
    assert waited.exit_code == exitcodes.OK, waited.output


def test_a_running_job_is_refused_and_a_role_without_the_permission_is_an_auth_error(org, tmp_path):
    sim, url = org
    common = run_job(sim, url, tmp_path, users(2))
    holder = lock_elsewhere(tmp_path / "st" / "reorg" / LOCK_NAME)  # a pass running in another process
    try:
        busy = invoke(sim, "verify", "reorg", "--audit-lag", "0", *common)
    finally:
        holder.kill()
        holder.wait()
    assert busy.exit_code == exitcodes.BUSY, busy.output
    assert "is being run by another bulkops process" in busy.output
    sim.configure(audits_forbidden=True)
    refused = invoke(sim, "verify", "reorg", "--audit-lag", "0", *common)
    assert refused.exit_code == exitcodes.AUTH_CONFIG, refused.output
    assert "audits:audit:view" in refused.output


def test_an_audit_query_that_never_completes_ends_with_11_and_says_so(org, tmp_path):
    """#25 §8e: a query still running at --query-timeout is 'not yet available' (11), not an unexpected error (1)."""
    sim, url = org
    common = run_job(sim, url, tmp_path, users(2))
    sim.configure(audit_query_seconds=3600.0)
    result = invoke(sim, "verify", "reorg", "--audit-lag", "0", "--query-timeout", "1", *common)
    assert result.exit_code == exitcodes.AUDIT_PENDING, result.output
    assert "not yet available: could not read the platform's audit" in result.output and "after 1 s" in result.output
    assert "next: wait" in result.output and "Traceback" not in result.output
