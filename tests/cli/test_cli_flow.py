"""The real command line, in child processes, against a simulator in its own process."""

import signal
import subprocess
import sys
import time

import orjson
import pytest
from helpers.cli import bulkops, spawn, write_matrix

from bulkops.simulator.process import client_env, simulator_process

pytestmark = pytest.mark.slow  # real processes: `pytest -m 'not slow'` is the quick inner loop


def test_first_sigint_drains_and_checkpoints_then_resume_finishes(tmp_path):
    """The stop must come mid-run on a busy machine too: 200 users at 8 req/s take about 30 s, and the
    signal goes once status shows the live figures and a user is audited (each `status` is a process
    of its own: at 20 req/s and 120 users a loaded machine once saw the run end before the signal)."""
    spec = write_matrix(tmp_path / "m.csv", 200)
    state = tmp_path / "state"
    audit = state / "j" / "audit.ndjson"
    with simulator_process("--users", "250", "--seed", "3") as url:
        common = ["--base-url", url, "--state-dir", str(state)]
        proc = spawn("run", str(spec), *common, "--job", "j", "--rps", "8", "--plain-progress")
        deadline = time.monotonic() + 60
        running = ""
        while time.monotonic() < deadline:  # status reads the live figures while the run goes on
            running = bulkops("status", "j", "--state-dir", str(state)).stdout
            audited = audit.exists() and audit.read_bytes().count(b"\n") > 0
            if "running:" in running and "requests" in running and audited:  # the lock's holder, the live figures, a user done
                break
            assert proc.poll() is None, "the run ended before the stop"
            time.sleep(0.3)
        assert "running:" in running and "requests" in running
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 6, err
        assert "finishing in-flight users" in err and "bulkops resume j" in out
        counts = orjson.loads(bulkops("status", "j", "--state-dir", str(state), "--json").stdout)["users"]
        assert counts.get("inflight", 0) == 0  # drained: nothing left half-done
        assert counts.get("pending", 0) > 0 and counts.get("applied", 0) > 0

        done = bulkops("resume", "j", *common, "--rps", "500", "--plain-progress")
        assert done.returncode == 0, done.stderr
        users = orjson.loads(bulkops("status", "j", "--state-dir", str(state), "--json").stdout)["users"]
        assert users["total"] == 200 and users.get("applied", 0) + users.get("unchanged", 0) == 200
        assert not users.get("pending") and not users.get("inflight")


def test_a_second_sigint_stops_at_once_with_a_summary_and_the_resume_command(tmp_path):
    """A second Ctrl-C printed ~50 lines of asyncio traceback and no summary, no `next:` (#28)."""
    spec = write_matrix(tmp_path / "m.csv", 120)
    state = tmp_path / "state"
    with simulator_process("--users", "150", "--seed", "3") as url:
        common = ["--base-url", url, "--state-dir", str(state)]
        errors = tmp_path / "stderr.txt"
        with errors.open("w") as err_file:
            args = [sys.executable, "-m", "bulkops", "run", str(spec), *common, "--job", "j", "--rps", "5", "--plain-progress"]
            proc = subprocess.Popen(args, env=client_env(), stdout=subprocess.PIPE, stderr=err_file, text=True)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and "requests" not in bulkops("status", "j", "--state-dir", str(state)).stdout:
                time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
            # the second once the first is handled (two sent at once arrive as one), while the users
            # in flight, 16 at 5 requests a second, are still being written
            while time.monotonic() < deadline and "SIGINT" not in errors.read_text():
                time.sleep(0.05)
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=60)
        err = errors.read_text()
        assert proc.returncode == 6, err
        assert "Traceback" not in err and "never retrieved" not in err, err
        assert "stopped at once" in err and "bulkops resume j" in out + err
        assert (state / "j" / "summary.json").exists()

        done = bulkops("resume", "j", *common, "--rps", "500", "--plain-progress")
        assert done.returncode == 0, done.stderr
        users = orjson.loads(bulkops("status", "j", "--state-dir", str(state), "--json").stdout)["users"]
        assert users.get("applied", 0) + users.get("unchanged", 0) == 120


def test_bad_spec_exits_4_naming_file_line_column_and_sends_nothing(tmp_path):
    spec = tmp_path / "bad.csv"
    spec.write_text("email,Billing,Sales\nagent00001@example.com,7,2\nagent00002@example.com,x,\n")
    result = bulkops("run", str(spec), "--base-url", "http://127.0.0.1:9")  # nothing listens there
    assert result.returncode == 4
    assert f"{spec}:2:" in result.stderr and f"{spec}:3:" in result.stderr and "nothing was sent" in result.stderr


def test_missing_credentials_exit_5_and_say_which_variables(tmp_path):
    spec = write_matrix(tmp_path / "m.csv", 2)
    env = {k: v for k, v in client_env().items() if not k.startswith("GENESYSCLOUD_")}
    result = subprocess.run(
        [sys.executable, "-m", "bulkops", "run", str(spec), "--region", "mypurecloud.ie"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 5 and "GENESYSCLOUD_OAUTHCLIENT_ID" in result.stderr
