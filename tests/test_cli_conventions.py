"""Conventions an administrator expects: `validate` without credentials, NO_COLOR, --json, an honest resume."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest
from helpers.cli import bulkops, write_matrix

from bulkops.simulator.process import simulator_process


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """No credentials at all in the environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYSCLOUD_", "BULKOPS_"))}
    return subprocess.run([sys.executable, "-m", "bulkops", *args], env=clean | (env or {}), capture_output=True, text=True, timeout=60)


def test_validate_needs_no_credentials_and_lists_every_problem(tmp_path):
    good = write_matrix(tmp_path / "good.csv", 5)
    ok = cli("validate", str(good))
    assert ok.returncode == 0 and "valid (csv-wide, mode merge, 5 users)" in ok.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("email,Billing,Sales\nagent00001@example.com,7,2\nagent00002@example.com,x,\n")
    refused = cli("validate", str(bad))
    assert refused.returncode == 4
    assert f"{bad}:2:" in refused.stderr and f"{bad}:3:" in refused.stderr


def test_no_color_means_no_ansi_codes(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("email,Billing\nagent00001@example.com,9\n")
    # FORCE_COLOR-like: click colours only on a terminal, so ask for colour and check NO_COLOR wins.
    coloured = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv=['bulkops','validate',sys.argv[1]]; import click; "
         "from bulkops.cli.main import cli; cli(color=True)", str(bad)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "\x1b[" in coloured.stderr
    plain = cli("validate", str(bad), env={"NO_COLOR": "1"})
    assert plain.returncode == 4 and "\x1b[" not in plain.stderr


@pytest.mark.slow
def test_run_prints_its_summary_as_json_and_resume_leaves_a_finished_job_alone(tmp_path):
    state = tmp_path / "state"
    spec = write_matrix(tmp_path / "m.csv", 60)
    with simulator_process("--users", "80", "--seed", "3") as url:
        common = ["--base-url", url, "--state-dir", str(state)]
        first = bulkops("run", str(spec), *common, "--job", "j", "--rps", "1000", "--plain-progress", "--json")
        assert first.returncode == 0, first.stderr
        summary = orjson.loads(first.stdout)
        assert summary["status"] == "complete" and summary["users"]["total"] == 60
        before = (state / "j" / "summary.json").read_bytes()
        again = bulkops("resume", "j", *common, "--plain-progress")
        assert again.returncode == 0, again.stderr
        assert "nothing to resume" in again.stdout
        assert (state / "j" / "summary.json").read_bytes() == before
