"""``bulkops sim serve`` as a real subprocess: prints its URL, answers, saves on SIGTERM."""

from __future__ import annotations

import base64
import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkops.cli.sim import sim as sim_group

pytestmark = pytest.mark.slow  # real processes: `pytest -m 'not slow'` is the quick inner loop


def _start(*args: str) -> tuple[subprocess.Popen, str, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulkops.cli.sim", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        m = re.search(r"(http://127\.0\.0\.1:(\d+))", line)
        if m:
            assert m.group(2) != "0"
            return proc, m.group(1), lines
    raise AssertionError(f"no URL printed: {lines} {proc.stderr.read() if proc.stderr else ''}")


def _token(base: str, cid: str, secret: str) -> str:
    req = urllib.request.Request(
        f"{base}/oauth/token",
        data=b"grant_type=client_credentials",
        headers={"Authorization": "Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode()},
    )
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.load(r)["access_token"]


def _get(base: str, path: str, token: str) -> dict:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.load(r)


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
    return out


def test_serve_prints_url_and_credentials_and_answers():
    proc, base, lines = _start("--users", "30", "--seed", "5", "--client-id", "cid", "--client-secret", "sec")
    try:
        for line in proc.stdout:  # read the banner through the client secret
            lines.append(line)
            if "client secret" in line:
                break
        text = "".join(lines)
        assert "cid" in text and "sec" in text
        token = _token(base, "cid", "sec")
        listing = _get(base, "/api/v2/users?pageSize=100", token)
        assert listing["total"] == 30
    finally:
        out = _stop(proc)
    assert proc.returncode == 0, out


def test_serve_state_file_saved_on_sigterm_and_reloaded(tmp_path: Path):
    state = tmp_path / "org.json"
    proc, base, _ = _start("--users", "10", "--seed", "8", "--state", str(state))
    try:
        token = _token(base, "bulkops-sim", "bulkops-sim-secret")
        uid = _get(base, "/api/v2/users?pageSize=1", token)["entities"][0]["id"]
        user = _get(base, f"/api/v2/users/{uid}", token)
        body = json.dumps({"title": "Resumed", "version": user["version"]}).encode()
        req = urllib.request.Request(
            f"{base}/api/v2/users/{uid}",
            data=body,
            method="PATCH",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        urllib.request.urlopen(req, timeout=5).close()
    finally:
        out = _stop(proc)
    assert "saved simulator state" in out and state.exists()
    proc, base, _ = _start("--users", "999", "--state", str(state))  # sizes come from the file
    try:
        token = _token(base, "bulkops-sim", "bulkops-sim-secret")
        assert _get(base, f"/api/v2/users/{uid}", token)["title"] == "Resumed"
        assert _get(base, "/api/v2/users", token)["total"] == 10
    finally:
        _stop(proc)


def test_help_and_option_conflicts():
    runner = CliRunner()
    out = runner.invoke(sim_group, ["serve", "--help"])
    assert out.exit_code == 0 and "--rate-per-minute" in out.output and "--state" in out.output
    out = runner.invoke(sim_group, ["serve", "--rps", "5", "--rate-per-minute", "300"])
    assert out.exit_code != 0 and "not both" in out.output


def test_serve_extra_clients_prints_each_and_each_gets_a_token():
    proc, base, lines = _start("--users", "5", "--extra-clients", "2")
    try:
        for line in proc.stdout:  # the banner through the pool clients
            lines.append(line)
            if "bulkops-sim-3" in line:
                break
        pool = re.findall(r"pool client:\s+(\S+) / (\S+)", "".join(lines))
        assert pool == [("bulkops-sim-2", "bulkops-sim-2-secret"), ("bulkops-sim-3", "bulkops-sim-3-secret")]
        for cid, secret in pool:
            assert _get(base, "/api/v2/users?pageSize=1", _token(base, cid, secret))["total"] == 5
    finally:
        out = _stop(proc)
    assert proc.returncode == 0, out


def test_serve_time_scale_beats_the_routing_profiles_and_is_shown():
    """``--time-scale`` on the command line wins over the routing profile's 600 (#31 §1)."""
    assert "--time-scale" in CliRunner().invoke(sim_group, ["serve", "--help"]).output
    proc, base, lines = _start("--users", "40", "--profile", "routing", "--time-scale", "60")
    try:
        for line in proc.stdout:  # the banner through the queue traffic line
            lines.append(line)
            if "queue traffic" in line:
                break
        assert "simulated time x60 " in lines[-1]
        with urllib.request.urlopen(f"{base}/__sim/config", timeout=5) as r:
            config = json.load(r)
        assert config["time_scale"] == 60 and config["queue_traffic"] is True
    finally:
        out = _stop(proc)
    assert proc.returncode == 0, out
