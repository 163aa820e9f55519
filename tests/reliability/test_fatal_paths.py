"""Every way a run can end, ends: fatal errors on a job big enough to fill the worker queues.

A real ``bulkops run`` process against a simulator process, 1,600 users: at the moment the
fault strikes, the producer is blocked on full worker queues (the case that used to hang
forever). Each fatal path must end the process within seconds with its exit code and a
copyable ``next:`` hint, leave the summary and result files of a stopped pass, keep
``status`` honest, and lose nothing: once the fault is gone, ``resume`` finishes the job.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import orjson
import pytest
from helpers.cli import bulkops, sim_config, spawn, status, write_matrix

from bulkops.simulator.process import simulator_process

pytestmark = pytest.mark.slow  # real processes: `pytest -m 'not slow'` is the quick inner loop

USERS = 1600
FAST = ["--rps", "300", "--plain-progress", "--retry-budget", "3"]


def wait_for_lines(path: Path, n: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until the audit log has ``n`` lines (the run is well under way, its queues full)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before the fault: {proc.communicate()}")
        time.sleep(0.05)
    raise AssertionError("the run made no progress")


def ends(proc: subprocess.Popen, within: float) -> tuple[str, str, float]:
    """The process must end by itself; a hang fails the test instead of the suite."""
    started = time.monotonic()
    try:
        out, err = proc.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"still running {within}s after the fault: the run hangs\n{err[-3000:]}") from None
    return out, err, time.monotonic() - started


def assert_stopped_pass_recorded(state: Path, err: str, job: str = "j") -> None:
    assert "next:" in err and f"bulkops resume {job} --state-dir {state}" in err, err
    assert "Traceback" not in err, err
    info = status(state, job)
    assert not info["running"] and info["holder"] is None, "status must not say running after the process ended"
    assert any(f"bulkops resume {job}" in step for step in info["next"]), info["next"]
    summary = orjson.loads((state / job / "summary.json").read_bytes())
    assert summary["status"] == "stopped" and summary["error"], summary
    assert (state / job / "results").is_dir() and any((state / job / "results").iterdir())
    users = info["users"]
    assert users.get("pending", 0) + users.get("inflight", 0) > 0, "the fault struck mid-run"


def assert_resume_finishes(url: str, state: Path, job: str = "j") -> None:
    done = bulkops("resume", job, "--base-url", url, "--state-dir", str(state), "--rps", "1000", "--plain-progress")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"resuming {job}: " in done.stderr and " to go" in done.stderr  # says where it starts
    users = status(state, job)["users"]
    assert users["total"] == USERS and users.get("applied", 0) + users.get("unchanged", 0) == USERS, users


def under_way(url: str, tmp_path: Path) -> tuple[Path, subprocess.Popen]:
    """A 1,600-user `bulkops run` of job "j", well under way: its worker queues are full."""
    state = tmp_path / "state"
    spec = write_matrix(tmp_path / "m.csv", USERS)
    proc = spawn("run", str(spec), "--base-url", url, "--state-dir", str(state), "--job", "j", *FAST)
    wait_for_lines(state / "j" / "audit.ndjson", 150, proc)
    return state, proc


ORG = {"users": USERS + 100, "seed": 5, "latency_ms": 2}


@pytest.fixture(scope="module")
def served():
    """One simulator process for the module: starting a 1,700-user one per test cost seconds each."""
    with simulator_process("--users", str(ORG["users"]), "--seed", str(ORG["seed"]), "--latency-ms", str(ORG["latency_ms"])) as url:
        yield url


@pytest.fixture
def org(served):
    """The module's simulator with a fresh org and default knobs, as a new process would start:
    the tests write the same users and turn faults on and off (``POST /__sim/reset``)."""
    req = urllib.request.Request(f"{served}/__sim/reset", data=orjson.dumps(ORG), method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=60).read()
    return served


def test_credentials_revoked_mid_run_end_it_with_exit_5_and_resume_loses_nothing(org, tmp_path):
    state, proc = under_way(org, tmp_path)
    sim_config(org, credentials_revoked=True)
    _, err, took = ends(proc, within=30)
    assert proc.returncode == 5, err
    assert took < 15 and "credentials" in err
    assert_stopped_pass_recorded(state, err)
    sim_config(org, credentials_revoked=False)
    assert_resume_finishes(org, state)


def test_an_api_that_keeps_failing_stops_the_run_with_exit_6_after_the_budget(org, tmp_path):
    state, proc = under_way(org, tmp_path)
    sim_config(org, error_rate=1.0)
    _, err, took = ends(proc, within=60)
    assert proc.returncode == 6, err
    assert "the API kept failing" in err
    assert_stopped_pass_recorded(state, err)
    # No user was recorded failed for a fault that says nothing about it.
    assert not status(state)["users"].get("failed")
    sim_config(org, error_rate=0.0)
    assert_resume_finishes(org, state)


def test_an_api_gone_away_stops_the_run_with_exit_6(tmp_path):
    state = tmp_path / "state"
    spec = write_matrix(tmp_path / "m.csv", USERS)
    with simulator_process("--users", str(USERS + 100), "--seed", "5", "--latency-ms", "2") as url:
        proc = spawn("run", str(spec), "--base-url", url, "--state-dir", str(state), "--job", "j", *FAST)
        wait_for_lines(state / "j" / "audit.ndjson", 150, proc)
    # the simulator process is gone now: every connection is refused
    _, err, _ = ends(proc, within=60)
    assert proc.returncode == 6, err
    assert_stopped_pass_recorded(state, err)
    assert not status(state)["users"].get("failed")


def test_a_full_disk_under_the_state_dir_stops_the_run_with_exit_7_and_resume_loses_nothing(org, tmp_path):
    """The disk fills while the run writes: once a hundred users are audited, no file of the process
    may grow past 200 KB beyond the audit log's size then (RLIMIT_FSIZE set on the running
    child: a file that would grow past it fails with EFBIG, as on a full disk)."""
    state = tmp_path / "state"
    spec = write_matrix(tmp_path / "m.csv", USERS)
    proc = spawn("run", str(spec), "--base-url", org, "--state-dir", str(state), "--job", "j", "--rps", "150", "--plain-progress", "--retry-budget", "3")
    audit = state / "j" / "audit.ndjson"
    wait_for_lines(audit, 100, proc)
    limit = max(audit.stat().st_size, (state / "j" / "state.db").stat().st_size) + 200_000
    resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (limit, limit))
    _, err, _ = ends(proc, within=60)
    assert proc.returncode == 7, err
    assert "cannot write the run state" in err and "free disk space" in err
    assert "next:" in err and "Traceback" not in err
    info = status(state)
    # Whether the full disk also kept the pass from clearing its running mark depends on which SQLite write
    # met the limit (with the write-ahead record the WAL grows faster, and the clear can still fit): either
    # way the lock says it is not running, and the job is shown as stopped or interrupted.
    assert not info["running"], "the lock, not a flag a full disk kept, says it is not running"
    assert info["interrupted"] or info["last_summary"]["status"] == "stopped", info
    assert any("bulkops resume j" in step for step in info["next"])
    assert_resume_finishes(org, state)


def test_a_role_without_the_permission_stops_after_ten_refusals_with_exit_5(org, tmp_path):
    state = tmp_path / "state"
    spec = write_matrix(tmp_path / "m.csv", USERS)
    sim_config(org, forbidden_divisions=["*"])
    proc = spawn("run", str(spec), "--base-url", org, "--state-dir", str(state), "--job", "j", *FAST)
    _, err, _ = ends(proc, within=60)
    assert proc.returncode == 5, err
    assert "routing:skill:assign" in err and "403" in err
    info = status(state)
    assert not info["running"] and info["users"].get("failed", 0) <= 16
    # The refused users wait in the reconciliation queue; the rest wait for resume.
    sim_config(org, forbidden_divisions=[])
    resumed = bulkops("resume", "j", "--base-url", org, "--state-dir", str(state), "--rps", "1000", "--plain-progress")
    assert resumed.returncode == 3, resumed.stderr
    retried = bulkops("reconcile", "retry", "j", "--base-url", org, "--state-dir", str(state), "--rps", "1000", "--plain-progress")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    users = status(state)["users"]
    assert users.get("applied", 0) + users.get("unchanged", 0) == USERS, users


def test_a_division_the_role_cannot_reach_fails_its_users_and_the_run_goes_on(tmp_path):
    state = tmp_path / "state"
    spec = write_matrix(tmp_path / "m.csv", 300)
    with simulator_process("--users", "300", "--seed", "5") as url:
        divisions = orjson.loads(urllib.request.urlopen(f"{url}/__sim/state", timeout=10).read())["divisions"]
        home = next(d["id"] for d in (divisions.values() if isinstance(divisions, dict) else divisions) if d.get("homeDivision"))
        sim_config(url, forbidden_divisions=[home])
        result = bulkops("run", str(spec), "--base-url", url, "--state-dir", str(state), "--job", "j", "--rps", "1000", "--plain-progress")
    assert result.returncode == 3, result.stderr
    users = status(state)["users"]
    assert 0 < users["failed"] < 300 and users.get("applied", 0) + users.get("unchanged", 0) + users["failed"] == 300


def test_damaged_run_state_found_mid_run_ends_it_with_exit_7(org, tmp_path):
    state, proc = under_way(org, tmp_path)
    sim_config(org, credentials_revoked=True)
    ends(proc, within=30)
    sim_config(org, credentials_revoked=False)
    db = sqlite3.connect(state / "j" / "state.db")
    with db:
        db.execute("UPDATE intents SET payload = x'7b7b' WHERE user_id = (SELECT max(user_id) FROM intents WHERE status = 'pending')")
    db.close()
    resumed = spawn("resume", "j", "--base-url", org, "--state-dir", str(state), *FAST)
    _, err, _ = ends(resumed, within=60)
    assert resumed.returncode == 7, err
    assert "damaged" in err and "Traceback" not in err


def test_job_names_stay_inside_the_state_dir(tmp_path):
    state = tmp_path / "state"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    spec = write_matrix(tmp_path / "m.csv", 3)
    for name in ("../victim", ".", "..", "a/../../b", str(victim), ""):
        result = bulkops("run", str(spec), "--base-url", "http://127.0.0.1:9", "--state-dir", str(state), "--job", name)
        assert result.returncode == 2, (name, result.stderr)
        assert "not a plain name" in result.stderr
    assert (victim / "keep.txt").read_text() == "mine"
    assert not state.exists() or not any(state.iterdir())


def test_run_state_is_owner_only(org, tmp_path):
    state = tmp_path / "state"
    spec = write_matrix(tmp_path / "m.csv", 50)
    result = bulkops("run", str(spec), "--base-url", org, "--state-dir", str(state), "--job", "j", "--rps", "1000", "--plain-progress")
    assert result.returncode == 0, result.stderr
    found = [state, *state.rglob("*")]
    assert len(found) > 6
    for path in found:
        mode = os.stat(path).st_mode
        assert mode & 0o077 == 0, f"{path} is readable by others: {oct(mode)}"


def test_a_spec_saved_over_after_validation_is_not_applied(tmp_path):
    """The job reads the bytes it validated (a private snapshot), whatever happens to the file afterwards."""
    from bulkops.engine.setup.job import check_locally

    spec = write_matrix(tmp_path / "m.csv", 20)
    original = spec.read_bytes()
    opened = check_locally(spec)
    spec.write_text("email,Billing\nagent00000@example.com,9\n")  # invalid, and different
    assert opened.path == str(spec) and Path(opened.spec.source).read_bytes() == original
    assert os.stat(opened.spec.source).st_mode & 0o077 == 0
    assert opened.intents == 20 and len(list(opened.staged)) == 20  # parsed once, kept


def test_a_second_process_of_the_same_job_is_refused_and_writes_nothing(org, tmp_path):
    state = tmp_path / "state"
    spec = write_matrix(tmp_path / "m.csv", USERS)
    first = spawn("run", str(spec), "--base-url", org, "--state-dir", str(state), "--job", "j", "--rps", "100", "--plain-progress")
    wait_for_lines(state / "j" / "audit.ndjson", 20, first)
    info = status(state)
    assert info["holder"]["pid"] == first.pid
    second = bulkops("resume", "j", "--base-url", org, "--state-dir", str(state), "--rps", "100")
    assert second.returncode == 8, second.stderr
    assert f"pid {first.pid}" in second.stderr
    first.terminate()  # SIGTERM: drains and checkpoints
    ends(first, within=60)
    assert_resume_finishes(org, state)
    audit = [orjson.loads(line) for line in (state / "j" / "audit.ndjson").read_bytes().splitlines()]
    written = [r["user_id"] for r in audit if r["outcome"] == "applied" and any(not op.get("confirmed") for op in r.get("ops") or ())]
    assert len(written) == len(set(written)), "no user was written twice"


def test_a_kill_during_reconcile_retry_leaves_users_pending_for_resume(org, tmp_path):
    """Reopened before they leave the queue: whichever instant the kill comes, status names the way on."""
    state = tmp_path / "state"
    spec = write_matrix(tmp_path / "m.csv", 200)
    sim_config(org, forbidden_divisions=["*"])
    run = bulkops("run", str(spec), "--base-url", org, "--state-dir", str(state), "--job", "j", "--rps", "1000", "--plain-progress")
    assert run.returncode == 5
    sim_config(org, forbidden_divisions=[], credentials_revoked=True)
    retry = bulkops("reconcile", "retry", "j", "--base-url", org, "--state-dir", str(state), "--rps", "1000", "--plain-progress")
    assert retry.returncode == 5  # like a kill right after the entries were marked retried
    sim_config(org, credentials_revoked=False)
    info = status(state)
    assert any("bulkops resume j" in step for step in info["next"]), info
    assert_resume_finishes_count(org, state, 200)


def assert_resume_finishes_count(url: str, state: Path, total: int) -> None:
    done = bulkops("resume", "j", "--base-url", url, "--state-dir", str(state), "--rps", "1000", "--plain-progress")
    assert done.returncode in (0, 3), done.stdout + done.stderr
    users = status(state)["users"]
    assert users["total"] == total and not users.get("pending") and not users.get("inflight"), users


def test_a_state_dir_that_cannot_be_written_is_exit_7_without_a_traceback(org, tmp_path):
    """Root ignores a read-only mode, so a path through a regular file stands in for it (the same OSError path)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    spec = write_matrix(tmp_path / "m.csv", 5)
    result = bulkops("run", str(spec), "--base-url", org, "--state-dir", str(blocker / "state"), "--job", "j", "--rps", "1000")
    assert result.returncode == 7, result.stderr
    assert "cannot create the run state" in result.stderr and "Traceback" not in result.stderr


def test_four_processes_starting_one_new_job_at_once_one_runs_the_others_are_busy(org, tmp_path):
    """#28 §5: the job's lock is taken before its folder is judged, so a job half made by another
    process is never called damaged (7): of four processes, one runs and three are busy (8)."""
    state = tmp_path / "state"
    spec = write_matrix(tmp_path / "m.csv", 400)
    procs = [spawn("run", str(spec), "--base-url", org, "--state-dir", str(state), "--job", "j", "--rps", "40", "--plain-progress", "--yes") for _ in range(4)]
    deadline = time.monotonic() + 120
    while sum(p.poll() is not None for p in procs) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    ended = [p for p in procs if p.poll() is not None]
    running = [p for p in procs if p.poll() is None]
    assert len(ended) == 3 and len(running) == 1, [p.returncode for p in procs]
    for proc in ended:
        _, err = proc.communicate()
        assert proc.returncode == 8, err
        assert "being run by another bulkops process" in err, err
        assert "Traceback" not in err and "damaged" not in err, err
    running[0].terminate()  # SIGTERM: drains and checkpoints
    _, err, _ = ends(running[0], within=60)
    assert running[0].returncode == 6, err
    info = status(state)
    assert info["users"]["total"] == 400 and not info["running"]


def test_verify_wait_stops_promptly_on_sigterm_with_its_exit_code(org, tmp_path):
    """#28 §5: `verify --wait` sleeping until the platform's audit covers the job ends at the first
    SIGTERM, exit 11 (nothing verified; run it again), with the command to do so."""
    state = tmp_path / "state"
    spec = write_matrix(tmp_path / "m.csv", 5)
    done = bulkops("run", str(spec), "--base-url", org, "--state-dir", str(state), "--job", "j", "--rps", "200", "--plain-progress")
    assert done.returncode == 0, done.stderr
    waiting = spawn("verify", "j", "--state-dir", str(state), "--audit-lag", "900", "--wait", "--timeout", "1200")
    assert waiting.stderr is not None
    said = [waiting.stderr.readline() for _ in range(2)]  # where it connects; then, the handlers in place, that it waits
    assert "waiting up to 1200 s" in said[-1], said
    time.sleep(1)  # into the sleep
    waiting.terminate()
    _, err, took = ends(waiting, within=20)
    assert waiting.returncode == 11, err
    assert f"`bulkops verify j --state-dir {state}` again" in err and "Traceback" not in err, err
    assert took < 20
