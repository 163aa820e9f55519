"""A job remembers where it runs (#28 §1): its org and connection are recorded at creation; the
`next:` lines work as printed with only the credentials set; another org is refused before any write."""

import shlex
import signal
import subprocess
import sys
import time
import urllib.request

import orjson
import pytest
from helpers.cli import bulkops, sim_config, spawn, status, write_matrix

from bulkops.cli.binding import JobConnection, check_org, with_recorded_connection
from bulkops.client.organization import Organization
from bulkops.errors import WrongOrgError
from bulkops.simulator.organization import organization
from bulkops.simulator.process import simulator_process

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


def _writes(url: str) -> int:
    """Requests the simulator at ``url`` counted that could change the org: every PATCH/PUT/DELETE,
    and every POST but the token's."""
    with urllib.request.urlopen(f"{url}/__sim/stats", timeout=10) as answer:
        stats = orjson.loads(answer.read())
    by_method = stats["byMethod"]
    posts = sum(v["total"] for k, v in stats["byRoute"].items() if k.startswith("POST") and "oauth" not in k)
    return sum(by_method.get(m, 0) for m in ("PATCH", "PUT", "DELETE")) + posts


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
        out = _interrupt_late(proc, state, handled=100)
        before = status(state)["users"]
        assert before.get("pending", 0) > 0, "the run ended before the interrupt: give it more users"

        wrong = bulkops("resume", "j", "--base-url", other, "--state-dir", str(state))
        assert wrong.returncode == 5, wrong.stderr
        mine, theirs = organization(3), organization(4)
        for named in (mine["name"], mine["id"], theirs["name"], theirs["id"]):
            assert named in wrong.stderr
        assert _writes(other) == 0
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
        assert _writes(other) == 0
