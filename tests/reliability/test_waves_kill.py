"""A run in waves killed (SIGKILL, a real ``bulkops run`` process) during its first watch, then
resumed (#31 §3): the watch carries on for the rest of its time, the first wave is not applied
again (one audit line per user in all), the second wave follows and the job ends complete."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import orjson
import pytest
from helpers.cli import bulkops, spawn

from bulkops.simulator.process import simulator_process
from bulkops.state.auditline import audit_lines
from bulkops.state.records import UserOutcome
from bulkops.state.waveslog import GateReading, WaveEvent, read_log

pytestmark = pytest.mark.slow

USERS = 30
WATCH = 6.0


def _until_watching(root: Path, proc, timeout: float = 60.0) -> None:
    """Wait until the first wave's watch has taken a reading after its first (some of it is done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before its watch: {proc.communicate()}")
        if any(isinstance(line, GateReading) and line.wave == 0 and line.elapsed > 0 for line in read_log(root)):
            return
        time.sleep(0.1)
    raise AssertionError("no reading of the first watch in time")


def test_a_kill_during_a_watch_resumes_the_watch_not_the_wave(tmp_path):
    spec = tmp_path / "canary.json"
    users = [{"user": f"agent{i:05d}@example.com", "skills": {"Waves Canary": 3}} for i in range(USERS)]
    spec.write_bytes(orjson.dumps({"version": 1, "mode": "merge", "users": users}))
    state = tmp_path / "state"
    root = state / "j"
    with simulator_process("--profile", "routing", "--error-rate", "0", "--conflict-rate", "0", "--latency-ms", "0", "--rate-per-minute", "6000") as url:
        args = ("--base-url", url, "--state-dir", str(state))
        proc = spawn(
            "run", str(spec), *args, "--job", "j", "--yes", "--create-missing-skills", "--waves", "50%,100%",
            "--gate", "Support ES:waiting<=100", "--watch", f"{WATCH:g}s",
        )  # fmt: skip
        _until_watching(root, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        first = [e for e in read_log(root) if isinstance(e, WaveEvent)]
        assert [e.event for e in first] == ["start", "applied", "watch"]
        status = orjson.loads(bulkops("status", "j", "--state-dir", str(state), "--json").stdout)
        assert status["waves"]["phase"] == "watching" and status["waves"]["last_readings"]
        resumed = bulkops("resume", "j", *args)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    events = [e for e in read_log(root) if isinstance(e, WaveEvent)][len(first) :]
    assert [(e.wave, e.event) for e in events] == [(0, "watch"), (0, "passed"), (1, "start"), (1, "applied"), (1, "watch"), (1, "passed")]
    left = float(events[0].detail.split("s left")[0])
    assert 0 <= left < WATCH  # the rest of the watch, not all of it again
    lines = [line.record for line in audit_lines(root / "audit.ndjson") if isinstance(line.record, UserOutcome)]
    assert len(lines) == USERS and len({r.user_id for r in lines}) == USERS  # nobody written twice
