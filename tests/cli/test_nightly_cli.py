"""Nightly runs (#30 §2): the same spec run again once its job finished is a new job named for when it
began, and exits 0 with no write when nothing needs changing; a previous job of the spec that did not
finish is refused (exit 14) with the `resume` command to run; `plan --detailed-exitcode` says 0
(nothing would change) or 2 (something would); `status` without a job lists jobs newest first."""

from __future__ import annotations

import calendar
import re
import signal
import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result
from helpers.cli import bulkops, sim_writes, spawn, write_matrix

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.engine.setup.jobhistory import dated_name
from bulkops.simulator import Simulator
from bulkops.simulator.process import simulator_process

READ_POSTS = ("/oauth/token", "/query", "/search")


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def writes(sim: Simulator) -> int:
    routes = sim.stats()["byRoute"]
    return sum(r["total"] for key, r in routes.items() if not key.startswith(("GET ", "HEAD ")) and not (key.startswith("POST ") and key.endswith(READ_POSTS)))


def matrix(path: Path, sim: Simulator, users: int, level: int) -> Path:
    emails = sorted(u.email for u in sim.org.users.values())[:users]
    path.write_text("email,Billing\n" + "".join(f"{e},{level}\n" for e in emails), encoding="utf-8")
    return path


def test_the_same_spec_run_twice_is_a_new_dated_job_that_writes_nothing(org, tmp_path):
    sim, url = org
    spec = matrix(tmp_path / "nightly.csv", sim, 30, 4)
    state = str(tmp_path / "state")
    common = ["--base-url", url, "--state-dir", state, "--rps", "1000", "--yes"]
    first = invoke(sim, "run", str(spec), *common)
    assert first.exit_code == exitcodes.OK, first.output
    written = writes(sim)
    assert written > 0
    second = invoke(sim, "run", str(spec), *common)
    assert second.exit_code == exitcodes.OK, second.output
    assert writes(sim) == written  # nothing needed changing: no write was sent
    jobs = orjson.loads(invoke(sim, "status", "--state-dir", state, "--spec", str(spec), "--json").output)
    assert [j["state"] for j in jobs] == ["complete", "complete"]
    newest, oldest = jobs[0]["job_id"], jobs[1]["job_id"]
    assert re.fullmatch(r"nightly-[0-9a-f]{8}", oldest)  # a spec's first job keeps the name it always had
    assert re.fullmatch(r"nightly-\d{8}T\d{4}(\d{2})?", newest), newest  # the next says when it began (UTC)
    assert f"job {newest}:" in second.output
    listed = invoke(sim, "status", "--state-dir", state).output.splitlines()
    assert [line.split()[0] for line in listed] == [newest, oldest]  # newest first
    # A third run in the same minute still gets a folder of its own.
    third = invoke(sim, "run", str(spec), *common)
    assert third.exit_code == exitcodes.OK and len(list(Path(state).iterdir())) == 3


def test_plan_detailed_exitcode_is_0_when_nothing_would_change_and_2_when_something_would(org, tmp_path):
    sim, url = org
    spec = matrix(tmp_path / "nightly.csv", sim, 20, 3)
    state = str(tmp_path / "state")
    common = ["--base-url", url, "--rps", "1000"]
    assert invoke(sim, "plan", str(spec), *common, "--detailed-exitcode").exit_code == exitcodes.WOULD_CHANGE
    assert invoke(sim, "plan", str(spec), *common).exit_code == exitcodes.OK  # without the flag: 0 as always
    assert invoke(sim, "run", str(spec), *common, "--state-dir", state, "--yes").exit_code == exitcodes.OK
    written = writes(sim)
    unchanged = invoke(sim, "plan", str(spec), *common, "--detailed-exitcode")
    assert unchanged.exit_code == exitcodes.OK, unchanged.output
    assert invoke(sim, "plan", str(spec), *common, "--detailed-exitcode", "--json").exit_code == exitcodes.OK
    edited = spec.read_text().splitlines()
    edited[1] = edited[1].rsplit(",", 1)[0] + ",5"
    spec.write_text("\n".join(edited) + "\n")
    changed = invoke(sim, "plan", str(spec), *common, "--detailed-exitcode")
    assert changed.exit_code == exitcodes.WOULD_CHANGE and "1 to change" in changed.output
    assert writes(sim) == written


def test_dated_names_never_reuse_a_folder(tmp_path):
    when = calendar.timegm((2026, 12, 7, 4, 0, 0, 0, 0, 0))
    first = dated_name(tmp_path, "nightly", when)
    assert first == "nightly-20261207T0400"
    (tmp_path / first).mkdir()
    second = dated_name(tmp_path, "nightly", when)
    assert second == "nightly-20261207T040000"
    (tmp_path / second).mkdir()
    assert dated_name(tmp_path, "nightly", when) == "nightly-20261207T0400-2"


@pytest.mark.slow
def test_an_unfinished_previous_job_is_refused_with_its_resume_command_then_resumed_and_run_again(tmp_path):
    """A run killed mid-way (SIGKILL: no summary, users still to go); the spec run again exits 14 and
    prints the resume command verbatim, sending nothing; that command finishes the job; the spec run
    once more is a new job that writes nothing."""
    spec = write_matrix(tmp_path / "nightly.csv", 120)
    state = tmp_path / "state"
    with simulator_process("--users", "150", "--seed", "3") as url:
        common = ["--base-url", url, "--state-dir", str(state)]
        proc = spawn("run", str(spec), *common, "--rps", "8", "--plain-progress")
        deadline = time.monotonic() + 60
        audits: list[Path] = []
        while time.monotonic() < deadline and not any(a.stat().st_size for a in audits):
            assert proc.poll() is None, "the run ended before the kill"
            time.sleep(0.2)
            audits = list(state.glob("*/audit.ndjson"))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        (job,) = [a.parent.name for a in audits]
        written = sim_writes(url)

        again = bulkops("run", str(spec), *common, "--rps", "500")
        assert again.returncode == exitcodes.UNFINISHED, again.stderr
        command = f"bulkops resume {job} --state-dir {state}"
        assert command in again.stderr and f"previous job of this spec, {job}, did not finish" in again.stderr
        assert sim_writes(url) == written  # refused before anything was sent

        done = bulkops(*command.split()[1:], "--base-url", url, "--rps", "500", "--plain-progress")
        assert done.returncode == exitcodes.OK, done.stderr
        after = sim_writes(url)
        nightly = bulkops("run", str(spec), *common, "--rps", "500", "--plain-progress")
        assert nightly.returncode == exitcodes.OK, nightly.stderr
        assert sim_writes(url) == after
        listed = bulkops("status", "--state-dir", str(state), "--spec", str(spec)).stdout.splitlines()
        assert len(listed) == 2 and listed[1].startswith(job) and "complete" in listed[0]


def test_a_damaged_previous_job_is_listed_as_such_and_still_exits_7(org, tmp_path):
    """Damage is not 'unfinished': a person must look first (exit 7, as for any damaged state), and
    `status` lists the job as damaged instead of failing on it."""
    sim, url = org
    spec = matrix(tmp_path / "nightly.csv", sim, 10, 2)
    state = tmp_path / "state"
    common = ["--base-url", url, "--state-dir", str(state), "--rps", "1000", "--yes"]
    assert invoke(sim, "run", str(spec), *common).exit_code == exitcodes.OK
    (db,) = state.glob("*/state.db")
    db.write_bytes(b"not a database" * 100)
    listed = invoke(sim, "status", "--state-dir", str(state))
    assert listed.exit_code == exitcodes.OK and db.parent.name in listed.output and "damaged" in listed.output
    written = writes(sim)
    again = invoke(sim, "run", str(spec), *common)
    assert again.exit_code == exitcodes.STATE, again.output
    assert writes(sim) == written
