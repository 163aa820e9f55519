"""A job remembers where it runs (#28 §1): its org and connection are recorded at creation; the
`next:` lines work as printed with only the credentials set; another org is refused before any write."""

import shlex
import signal
import sqlite3
import subprocess
import sys
import time

import orjson
import pytest
from click.testing import CliRunner
from helpers.cli import bulkops, sim_config, sim_writes, spawn, status, write_matrix, writes_counted

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.cli.support.binding import JobConnection, check_org, with_recorded_connection
from bulkops.client.endpoints.organization import Organization
from bulkops.errors import WrongOrgError
from bulkops.simulator import SimConfig
from bulkops.simulator.model.organization import organization
from bulkops.simulator.process import simulator_process
from bulkops.state.store import RunStore

#: The only settings of the shell the `next:` lines are run in: the simulator's OAuth client.
ONLY_CREDENTIALS = {"GENESYSCLOUD_OAUTHCLIENT_ID": "bulkops-sim", "GENESYSCLOUD_OAUTHCLIENT_SECRET": "bulkops-sim-secret"}
RECORDED = JobConnection(base_url="http://127.0.0.1:4010", region=None, profile="prod")


@pytest.mark.parametrize(
    ("kw", "env", "expected"),
    [
        ({}, {}, {"base_url": "http://127.0.0.1:4010", "profile": "prod"}),  # nothing given: the record, profile too
        ({}, ONLY_CREDENTIALS, {"base_url": "http://127.0.0.1:4010", "profile": None}),  # credentials given: not the profile's
        ({"client_id": "x"}, {}, {"client_id": "x", "base_url": "http://127.0.0.1:4010", "profile": None}),
        ({"region": "mypurecloud.ie"}, {}, {"region": "mypurecloud.ie"}),  # an option or variable wins over the record
        ({"base_url": "http://127.0.0.1:9"}, {}, {"base_url": "http://127.0.0.1:9"}),
        ({"profile": "other"}, {}, {"profile": "other"}),
    ],
)
def test_the_recorded_connection_fills_in_only_for_none_given(kw, env, expected):
    assert with_recorded_connection(kw, RECORDED, env) == expected


def test_no_record_changes_nothing():
    kw = {"rps": 8.0}
    assert with_recorded_connection(kw, None, {}) is kw
    assert JobConnection.from_json(None) is None and JobConnection.from_json({"base_url": 3}) is None
    assert JobConnection.from_json(RECORDED.to_json()) == RECORDED


def test_another_org_is_refused_naming_both():
    mine, other = Organization(id="id-a", name="Contoso 3"), Organization(id="id-b", name="Fabrikam 4")
    check_org({"id": "id-a", "name": "Contoso 3"}, mine, "j", "https://api.mypurecloud.ie")
    check_org(None, other, "j", "https://api.mypurecloud.ie")  # a job made before orgs were recorded
    with pytest.raises(WrongOrgError) as refused:
        check_org({"id": "id-a", "name": "Contoso 3"}, other, "j", "https://api.mypurecloud.ie")
    assert all(part in str(refused.value) for part in ("Contoso 3", "id-a", "Fabrikam 4", "id-b", "nothing was written"))


def _verbatim(printed: str, marker: str) -> list[str]:
    """The command of the first `next:` line holding ``marker``, split as a shell would, as argv."""
    line = next(line for line in printed.splitlines() if line.startswith("next:") and marker in line)
    words = shlex.split(line.split("`")[1])
    assert words[0] == "bulkops"
    return [sys.executable, "-m", "bulkops", *words[1:]]


def _run_bare(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """A command in an environment whose only settings are the credentials."""
    return subprocess.run(argv, env=ONLY_CREDENTIALS, capture_output=True, text=True, timeout=180)


def _interrupt_late(proc: subprocess.Popen[str], state, handled: int) -> str:
    """SIGINT ``proc`` once it has handled ``handled`` users; its stdout."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        shown = bulkops("status", "j", "--state-dir", str(state), "--json").stdout  # empty until the job exists
        live = (orjson.loads(shown).get("live") if shown else None) or {}
        if live.get("handled", 0) >= handled:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 6, err
    return out


@pytest.mark.slow
def test_interrupted_job_resumes_verbatim_refuses_another_org_then_verify_and_undo_need_no_connection(tmp_path):
    spec = write_matrix(tmp_path / "m.csv", 150)
    state = tmp_path / "state"
    with simulator_process("--users", "200", "--seed", "3") as url, simulator_process("--users", "200", "--seed", "4") as other:
        sim_config(url, audit_delay_seconds=0.0, audit_query_seconds=0.0)  # verify reads the audit at once
        proc = spawn("run", str(spec), "--base-url", url, "--state-dir", str(state), "--job", "j", "--rps", "10", "--plain-progress")
        out = _interrupt_late(proc, state, handled=20)  # early: a status poll takes seconds on a busy machine
        before = status(state)["users"]
        assert before.get("pending", 0) > 0, "the run ended before the interrupt: give it more users"

        wrong = bulkops("resume", "j", "--base-url", other, "--state-dir", str(state))
        assert wrong.returncode == 5, wrong.stderr
        mine, theirs = organization(3), organization(4)
        for named in (mine["name"], mine["id"], theirs["name"], theirs["id"]):
            assert named in wrong.stderr
        assert sim_writes(other) == 0
        assert status(state)["users"] == before  # nothing written to the state either

        done = _run_bare(_verbatim(out, "bulkops resume"))
        assert done.returncode == 0, done.stderr
        assert "connecting where job j ran" in done.stderr
        users = status(state)["users"]
        assert users.get("applied", 0) + users.get("unchanged", 0) == 150

        verified = _run_bare([sys.executable, "-m", "bulkops", "verify", "j", "--state-dir", str(state), "--audit-lag", "0"])
        assert verified.returncode == 0, verified.stdout + verified.stderr
        undone = _run_bare([sys.executable, "-m", "bulkops", "undo", "j", "--state-dir", str(state), "--yes", "--rps", "500", "--plain-progress"])
        assert undone.returncode == 0, undone.stdout + undone.stderr
        assert status(state, "j-undo")["users"].get("applied", 0) > 0
        assert sim_writes(other) == 0


def _in_process(sim, *args: str):
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _ran(sim, url: str, tmp_path, users: int = 4) -> list[str]:
    """A finished job ``reorg`` of ``users`` users; the options that name its state folder."""
    spec = tmp_path / "reorg.json"
    lines = [{"user": f"agent{i:05d}@example.com", "skills": {"Billing": 4}} for i in range(users)]
    spec.write_text(orjson.dumps({"version": 1, "mode": "merge", "users": lines}).decode(), encoding="utf-8")
    ran = _in_process(sim, "run", str(spec), "--job", "reorg", "--yes", "--base-url", url, "--state-dir", str(tmp_path / "st"))
    assert ran.exit_code == exitcodes.OK, ran.output
    return ["--state-dir", str(tmp_path / "st")]


def test_a_job_records_its_org_and_connection_and_never_a_secret(org, tmp_path):
    sim, url = org
    _ran(sim, url, tmp_path)
    store = RunStore.open(tmp_path / "st" / "reorg" / "state.db")
    meta = store.meta()
    store.close()
    assert meta["org"] == {"id": organization(sim.config.seed)["id"], "name": organization(sim.config.seed)["name"]}
    assert meta["connection"] == {"base_url": url, "region": None, "profile": None}
    assert sim.config.client_secret not in orjson.dumps(meta).decode()
    shown = _in_process(sim, "status", "reorg", "--state-dir", str(tmp_path / "st")).output
    assert f"org {meta['org']['name']!r} (id {meta['org']['id']}) at {url}" in shown


def test_another_org_is_refused_by_undo_and_verify_before_any_write(org, tmp_path):
    sim, url = org
    where = _ran(sim, url, tmp_path)
    sim.reset(SimConfig(seed=sim.config.seed + 1, audit_delay_seconds=0.0))  # the same URL now serves another org
    for args in (("undo", "reorg", "--yes"), ("verify", "reorg", "--audit-lag", "0")):
        refused = _in_process(sim, *args, "--base-url", url, *where)
        assert refused.exit_code == exitcodes.AUTH_CONFIG, refused.output
        assert organization(sim.config.seed)["name"] in refused.output and organization(sim.config.seed - 1)["id"] in refused.output
    assert writes_counted(sim.stats()) == 0
    assert not (tmp_path / "st" / "reorg-undo").exists()


def test_a_job_made_before_orgs_were_recorded_records_it_at_its_next_pass_and_says_so(org, tmp_path):
    sim, url = org
    where = _ran(sim, url, tmp_path)
    db = tmp_path / "st" / "reorg" / "state.db"
    with sqlite3.connect(db) as conn:  # as a job of an earlier bulkops left it
        conn.execute("DELETE FROM meta WHERE key IN ('org', 'connection')")
    undone = _in_process(sim, "undo", "reorg", "--yes", "--base-url", url, *where)
    assert undone.exit_code == exitcodes.OK, undone.output
    assert "had no org recorded" in undone.output
    store = RunStore.open(db)
    assert store.get("org")["id"] == organization(sim.config.seed)["id"] and store.get("connection")["base_url"] == url
    store.close()


def test_reconcile_retry_refuses_another_org_with_the_queue_untouched_then_needs_no_connection(org, tmp_path):
    sim, url = org
    state = tmp_path / "st"
    spec = tmp_path / "s.json"
    lines = [{"user": f"agent{i:05d}@example.com", "title": "Agent III"} for i in range(6)]
    spec.write_text(orjson.dumps({"version": 1, "mode": "merge", "users": lines}).decode(), encoding="utf-8")
    by_email = {sim.user(u)["email"]: u for u in sim.user_ids()}
    sim.configure(always_conflict=[by_email["agent00002@example.com"]])  # one user answers 409 to every write
    fast = ("--rps", "1000", "--conflict-attempts", "1", "--conflict-delay", "0", "--plain-progress")
    ran = _in_process(sim, "run", str(spec), "--job", "j", "--yes", "--base-url", url, "--state-dir", str(state), *fast)
    assert ran.exit_code == exitcodes.PARTIAL, ran.output
    queued = _in_process(sim, "reconcile", "list", "j", "--state-dir", str(state), "--json").output

    seed = sim.config.seed
    sim.reset(SimConfig(seed=seed + 1))  # the same URL, another org
    refused = _in_process(sim, "reconcile", "retry", "j", "--base-url", url, "--state-dir", str(state), *fast)
    assert refused.exit_code == exitcodes.AUTH_CONFIG, refused.output
    assert writes_counted(sim.stats()) == 0
    assert _in_process(sim, "reconcile", "list", "j", "--state-dir", str(state), "--json").output == queued  # nothing reopened

    sim.reset(SimConfig(seed=seed))  # back to the job's org, the user no longer held
    retried = _in_process(sim, "reconcile", "retry", "j", "--state-dir", str(state), *fast)  # no connection given
    assert retried.exit_code == exitcodes.OK, retried.output
    assert "connecting where job j ran" in retried.output
