"""Change windows over HTTP (#30 §4): `run`/`resume --window` against the simulator, in-process.

The window is computed from now, in seconds, so it closes a few seconds into the run; the command's
clock is the real one, or (``--until-done``) one that skips the wait for the next day's opening. The
writes the simulator counts and the audit lines per user show nothing is written twice."""

from __future__ import annotations

import asyncio
import math
import os
import re
import shlex
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result
from helpers.cli import bulkops, sim_writes, spawn, write_matrix, writes_counted
from helpers.clock import GatedClock

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.cli.support import window as window_cli
from bulkops.simulator import SimConfig, Simulator
from bulkops.simulator.process import simulator_process
from bulkops.state.ndjson import read_ndjson

USERS = 150


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def window_around(now: datetime, *, opened: float, closes_in: float) -> str:
    """``--window`` (UTC, with seconds) that opened ``opened`` seconds ago and closes ``closes_in`` from now."""
    start, end = now - timedelta(seconds=opened), now + timedelta(seconds=closes_in)
    return f"{start:%H:%M:%S}-{end:%H:%M:%S}"


def audit_per_user(state: Path) -> Counter[str]:
    return Counter(str(r["user_id"]) for r in read_ndjson(state / "j" / "audit.ndjson") if isinstance(r, dict) and "kind" not in r)


def job_users(sim: Simulator, state: Path) -> dict[str, int]:
    shown = invoke(sim, "status", "j", "--state-dir", str(state), "--json")
    users: dict[str, int] = orjson.loads(shown.stdout)["users"]
    return users


def assert_done(users: dict[str, int]) -> None:
    """Every user handled: applied, or already as the spec says (a few of the seeded org are)."""
    assert users["total"] == USERS and users.get("applied", 0) + users.get("unchanged", 0) == USERS and users.get("applied", 0) > USERS // 2


@pytest.fixture
def baseline_writes(org, tmp_path) -> int:
    """The writes one uninterrupted run of the same job sends to the same fresh org."""
    sim, url = org
    sim.reset(SimConfig(users=USERS + 20))
    spec = write_matrix(tmp_path / "m.csv", USERS)
    done = invoke(sim, "run", str(spec), "--job", "j", "--yes", "--rps", "1000", "--base-url", url, "--state-dir", str(tmp_path / "baseline"))
    assert done.exit_code == exitcodes.OK, done.output
    writes = writes_counted(sim.stats())
    sim.reset(SimConfig(users=USERS + 20))
    return writes


class Progress:
    """The gate of a ``GatedClock``: a window closes once ``step`` more users have their audit line
    (``step`` None: never; the pass finishes first)."""

    def __init__(self, audit: Path, step: int | None) -> None:
        self.audit, self.step, self.mark = audit, step, 0

    def __call__(self) -> bool:
        lines = self.audit.read_bytes().count(b"\n") if self.audit.exists() else 0
        if self.step is None or lines < self.mark + self.step:
            return False
        self.mark = lines
        return True


def closing_window(progress: Progress) -> tuple[str, GatedClock]:
    """A UTC window open now for an hour either side, and a clock that closes it when ``progress`` says."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    clock = GatedClock(gated=lambda instant: instant.astimezone(UTC).time() == end.time(), ready=progress)
    return f"{start:%H:%M}-{end:%H:%M}", clock


def test_a_window_that_closes_mid_run_exits_6_checkpointed_and_its_resume_command_finishes_writing_nothing_twice(org, tmp_path, monkeypatch, baseline_writes):
    """The window closes once 20 users are done: the run stops within seconds, checkpointed; the `resume`
    it prints, run verbatim, waits for the next opening (the clock skips the night) and finishes the job."""
    sim, url = org
    spec, state = tmp_path / "m.csv", tmp_path / "state"
    progress = Progress(state / "j" / "audit.ndjson", step=20)
    window, clock = closing_window(progress)
    monkeypatch.setattr(window_cli, "CLOCK", [clock])
    ran = invoke(sim, "run", str(spec), "--job", "j", "--yes", "--rps", "15", "--base-url", url, "--state-dir", str(state), "--window", window, "--tz", "UTC")
    assert ran.exit_code == exitcodes.ABORTED, ran.output
    assert len(clock.let_through) == 1 and time.monotonic() - clock.let_through[0] < 30  # the in-flight users drain: seconds
    assert "change window closed at" in ran.output and "it opens next" in ran.output
    printed = re.search(r"next: `(bulkops resume j --window [^`]*)` carries on in the window", ran.output)
    assert printed is not None, ran.output
    command = printed.group(1)
    assert shlex.split(command)[3:] == ["--window", window, "--tz", "UTC", "--state-dir", str(state)]
    users = job_users(sim, state)
    assert users.get("inflight", 0) == 0 and users.get("pending", 0) > 0 and users.get("applied", 0) >= 20  # checkpointed mid-job

    progress.step = None  # the next opening stays open until the job is done
    resumed = invoke(sim, *shlex.split(command)[1:], "--rps", "1000", "--base-url", url)
    assert resumed.exit_code == exitcodes.OK, resumed.output
    assert "outside the change window" in resumed.output and len(clock.jumps) == 2  # the close, then the next opening
    assert_done(job_users(sim, state))
    assert set(audit_per_user(state).values()) == {1} and len(audit_per_user(state)) == USERS
    assert writes_counted(sim.stats()) == baseline_writes


def test_until_done_sleeps_through_to_the_next_opening_and_finishes_writing_nothing_twice(org, tmp_path, monkeypatch, baseline_writes):
    """Each opening closes once 40 more users are done: four closes, four nights slept through, one run."""
    sim, url = org
    spec, state = tmp_path / "m.csv", tmp_path / "state"
    window, clock = closing_window(Progress(state / "j" / "audit.ndjson", step=40))
    monkeypatch.setattr(window_cli, "CLOCK", [clock])
    ran = invoke(
        sim,
        "run",
        str(spec),
        "--job",
        "j",
        "--yes",
        "--rps",
        "50",
        "--base-url",
        url,
        "--state-dir",
        str(state),
        "--window",
        window,
        "--tz",
        "UTC",
        "--until-done",
    )
    assert ran.exit_code == exitcodes.OK, ran.output
    closes = len(clock.let_through)
    assert closes >= 2 and ran.output.count("change window closed at") == closes and ran.output.count("outside the change window") == closes
    assert ran.output.count("the job is not done") == closes
    assert_done(job_users(sim, state))
    assert set(audit_per_user(state).values()) == {1} and len(audit_per_user(state)) == USERS
    assert writes_counted(sim.stats()) == baseline_writes


class InterruptedWait:
    """A wait for an opening that only Ctrl-C ends: the process's own SIGINT, through the real handler."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, instant: datetime) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.Event().wait()


def test_ctrl_c_while_waiting_for_the_window_stops_with_nothing_written(org, tmp_path, monkeypatch):
    sim, url = org
    sim.reset(SimConfig(users=30))
    spec, state = write_matrix(tmp_path / "m.csv", 20), tmp_path / "state"
    monkeypatch.setattr(window_cli, "CLOCK", [InterruptedWait()])
    shut = window_around(datetime.now(UTC) + timedelta(hours=3), opened=0, closes_in=3600)
    ran = invoke(sim, "run", str(spec), "--job", "j", "--yes", "--base-url", url, "--state-dir", str(state), "--window", shut, "--tz", "UTC")
    assert ran.exit_code == exitcodes.ABORTED, ran.output
    assert "waiting until" in ran.output and "stopped while waiting for the change window" in ran.output
    assert writes_counted(sim.stats()) == 0 and not (state / "j").exists()


def test_plan_says_how_many_windows_the_job_needs_at_the_rate(org, tmp_path):
    """A 4-second window (seconds are allowed) against plan's own estimate at --rps 10."""
    sim, url = org
    sim.reset(SimConfig(users=120))
    spec = write_matrix(tmp_path / "m.csv", 100)
    args = ("plan", str(spec), "--base-url", url, "--rps", "10", "--window", "22:00:00-22:00:04", "--tz", "Europe/Dublin")
    shown = invoke(sim, *args, "--json")
    assert shown.exit_code == exitcodes.OK, shown.output
    plan = orjson.loads(shown.stdout)
    needed, seconds = plan["change_window"]["windows_needed"], plan["estimated_seconds"]  # seconds rounded to 0.1
    assert plan["change_window"]["length_s"] == 4 and math.ceil((seconds - 0.05) / 4) <= needed <= math.ceil((seconds + 0.05) / 4)
    assert needed > 1 and plan["change_window"]["next_opening_local"].endswith(("22:00 GMT", "22:00 IST"))
    text = invoke(sim, *args)
    assert f"the job needs {needed} windows at this rate" in text.output and "Europe/Dublin" in text.output
    assert writes_counted(sim.stats()) == 0


@pytest.mark.parametrize(
    ("args", "option"),
    [(["--window", "22:00to06:00"], "'--window'"), (["--window", "22:00-06:00", "--tz", "Nowhere/Land"], "'--tz'"), (["--until-done"], "--until-done")],
)
def test_bad_window_options_are_usage_errors_naming_the_option(org, tmp_path, args, option):
    sim, url = org
    spec = write_matrix(tmp_path / "m.csv", 5)
    for command in (["run", str(spec)], ["resume", "j"]):
        ran = invoke(sim, *command, "--base-url", url, "--state-dir", str(tmp_path / "state"), *args)
        assert ran.exit_code == exitcodes.USAGE and option in ran.output, ran.output
    assert writes_counted(sim.stats()) == 0


@pytest.mark.slow
def test_a_kill_while_waiting_for_the_window_or_in_it_resumes_as_any_stop(tmp_path):
    """Real processes: a windowed run killed (-9) in its window, then a windowed resume killed while it
    waits for the next opening (holding the job's lock); a plain `resume` then finishes the job."""
    spec, state = write_matrix(tmp_path / "m.csv", 120), tmp_path / "state"
    audit = state / "j" / "audit.ndjson"
    with simulator_process("--users", "150", "--seed", "3") as url:
        common = ["--base-url", url, "--state-dir", str(state)]
        open_now = window_around(datetime.now(UTC), opened=60, closes_in=3600)
        proc = spawn("run", str(spec), *common, "--job", "j", "--yes", "--rps", "8", "--window", open_now, "--tz", "UTC")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (audit.exists() and audit.read_bytes().count(b"\n") >= 5):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        proc.kill()
        proc.communicate(timeout=30)

        shut = window_around(datetime.now(UTC) + timedelta(hours=2), opened=0, closes_in=3600)
        waiting = spawn("resume", "j", *common, "--window", shut, "--tz", "Europe/Dublin")
        assert waiting.stderr is not None
        said = ""
        while "outside the change window" not in said:
            line = waiting.stderr.readline()
            assert line, said
            said += line
        proc_writes = sim_writes(url)
        waiting.kill()
        waiting.communicate(timeout=30)
        assert sim_writes(url) == proc_writes  # the wait wrote nothing

        done = bulkops("resume", "j", *common, "--rps", "500")
        assert done.returncode == exitcodes.OK, done.stdout + done.stderr
        per_user = audit_per_user(state)
        assert len(per_user) == 120 and set(per_user.values()) == {1}
