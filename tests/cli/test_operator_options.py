"""Operator conventions, in-process with click's CliRunner against the simulator over HTTP:
-q / -v, GENESYSCLOUD_ACCESS_TOKEN, --profile from the gc CLI's config, no question without a
terminal, job names in shell completion."""

from __future__ import annotations

import base64
import urllib.request
from typing import Any

import orjson
from click.testing import CliRunner, Result
from helpers.cli import write_matrix

from bulkops.cli.main import cli
from bulkops.simulator import Simulator

#: Every credential variable unset (None), so the machine's own environment cannot leak in.
NO_CREDENTIALS: dict[str, str | None] = {
    k: None for k in ("GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_OAUTHCLIENT_SECRET", "GENESYSCLOUD_ACCESS_TOKEN", "GENESYSCLOUD_REGION", "BULKOPS_BASE_URL")
}


def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=NO_CREDENTIALS | (env or {}), catch_exceptions=False)


def client_env(sim: Simulator) -> dict[str, str | None]:
    return {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret}


def token_from(sim: Simulator, url: str) -> str:
    basic = base64.b64encode(f"{sim.config.client_id}:{sim.config.client_secret}".encode()).decode()
    req = urllib.request.Request(f"{url}/oauth/token", data=b"grant_type=client_credentials", headers={"Authorization": f"Basic {basic}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(orjson.loads(resp.read())["access_token"])


def billing_of(sim: Simulator, email: str) -> Any:
    ids = {v: k for k, v in sim.skill_ids_by_name().items()}
    for uid in sim.user_ids():
        user = sim.user(uid)
        if user["email"] == email:
            return {ids.get(s["id"], s["id"]): s["proficiency"] for s in user.get("skills") or []}.get("Billing")
    raise AssertionError(email)


def test_without_a_terminal_run_does_not_ask_and_proceeds(org, tmp_path):
    sim, url = org
    spec = write_matrix(tmp_path / "m.csv", 5)
    result = invoke("run", str(spec), "--base-url", url, "--state-dir", str(tmp_path / "st"), "--job", "j", "--rps", "500", env=client_env(sim))
    assert result.exit_code == 0, result.output
    assert "proceed?" not in result.output
    assert billing_of(sim, "agent00003@example.com") == 4  # write_matrix: 1 + i % 5


def test_quiet_prints_errors_and_the_one_line_outcome_only(org, tmp_path):
    sim, url = org
    spec = write_matrix(tmp_path / "m.csv", 5)
    result = invoke("-q", "run", str(spec), "--base-url", url, "--state-dir", str(tmp_path / "st"), "--job", "j", "--rps", "500", env=client_env(sim))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["job j: complete; 5 users (applied 5)"]
    assert result.stderr == ""  # no "job j: 5 users to check", no progress lines
    bad = tmp_path / "bad.csv"
    bad.write_text("email,Billing\nagent00001@example.com,9\n")
    refused = invoke("-q", "run", str(bad), "--base-url", url, "--state-dir", str(tmp_path / "st"), env=client_env(sim))
    assert refused.exit_code == 4 and f"{bad}:2:" in refused.stderr  # errors still show


def test_verbose_logs_one_json_line_per_request_unless_the_command_says_otherwise(org, tmp_path):
    sim, url = org
    spec = write_matrix(tmp_path / "m.csv", 3)
    before = sim.stats()["total"]
    result = invoke("-v", "plan", str(spec), "--base-url", url, env=client_env(sim))
    assert result.exit_code == 0, result.output
    requests = [orjson.loads(line) for line in result.stderr.splitlines() if line.startswith("{") and '"http.request"' in line]
    api_calls = sim.stats()["total"] - before - 1  # the token request is logged as auth.token
    assert len(requests) == api_calls and all(r["level"] == "debug" and r["status"] == 200 for r in requests)
    explicit = invoke("-v", "plan", str(spec), "--base-url", url, "--log-level", "warning", env=client_env(sim))
    assert explicit.exit_code == 0 and '"http.request"' not in explicit.stderr
    both = invoke("-q", "-v", "plan", str(spec), "--base-url", url, env=client_env(sim))
    assert both.exit_code == 2 and "contradict" in both.output


def test_a_ready_access_token_runs_and_once_refused_ends_with_exit_5_and_no_traceback(org, tmp_path):
    sim, url = org
    spec = write_matrix(tmp_path / "m.csv", 4)
    token = token_from(sim, url)
    env: dict[str, str | None] = {"GENESYSCLOUD_ACCESS_TOKEN": token}
    done = invoke("run", str(spec), "--base-url", url, "--state-dir", str(tmp_path / "st"), "--job", "a", "--rps", "500", env=env)
    assert done.exit_code == 0, done.output
    tokens_asked = sim.stats()["byRoute"]["POST /oauth/token"]["total"]
    assert tokens_asked == 1  # ours, above: bulkops never asked for one
    sim.tokens.expire_all()  # revoked
    refused = invoke("run", str(spec), "--base-url", url, "--state-dir", str(tmp_path / "st"), "--job", "b", env=env)
    assert refused.exit_code == 5
    assert "GENESYSCLOUD_ACCESS_TOKEN was refused" in refused.stderr and "expired or was revoked" in refused.stderr
    assert "Traceback" not in refused.output and token not in refused.output
    assert sim.stats()["byRoute"]["POST /oauth/token"]["total"] == tokens_asked  # no refresh attempt


def test_profile_reads_the_gc_cli_config_and_the_environment_still_wins(org, tmp_path):
    sim, url = org
    home = tmp_path / "home"
    (home / ".gc").mkdir(parents=True)
    (home / ".gc" / "config.toml").write_text(
        f'[DEFAULT]\nenvironment = "mypurecloud.com"\nclient_credentials = "someone-else"\nclient_secret = "wrong"\n\n'
        f'[sim]\nenvironment = "mypurecloud.ie"\nclient_credentials = "{sim.config.client_id}"\nclient_secret = "{sim.config.client_secret}"\n'
    )
    spec = write_matrix(tmp_path / "m.csv", 3)
    common = ["--base-url", url, "--state-dir", str(tmp_path / "st"), "--rps", "500"]
    ok = invoke("run", str(spec), *common, "--job", "p", "--profile", "sim", env={"HOME": str(home)})
    assert ok.exit_code == 0, ok.output
    # The environment beats the profile: wrong variables are used (and refused), not the profile's right ones.
    env: dict[str, str | None] = {"HOME": str(home), "GENESYSCLOUD_OAUTHCLIENT_ID": "nobody", "GENESYSCLOUD_OAUTHCLIENT_SECRET": "nothing"}
    wrong = invoke("run", str(spec), *common, "--job", "q", "--profile", "sim", env=env)
    assert wrong.exit_code == 5 and "token request refused" in wrong.stderr
    unknown = invoke("run", str(spec), *common, "--profile", "staging", env={"HOME": str(home)})
    assert unknown.exit_code == 5 and "profiles there: DEFAULT, sim" in unknown.stderr


def test_job_names_complete_in_the_shell(org, tmp_path):
    sim, url = org
    state = tmp_path / "st"
    for name in ("reorg-1", "reorg-2", "skills-1"):
        spec = write_matrix(tmp_path / f"{name}.csv", 2)
        assert invoke("-q", "run", str(spec), "--base-url", url, "--state-dir", str(state), "--job", name, "--rps", "500", env=client_env(sim)).exit_code == 0
    env = {"_BULKOPS_COMPLETE": "bash_complete", "COMP_WORDS": "bulkops resume re", "COMP_CWORD": "2", "BULKOPS_STATE_DIR": str(state)}
    completed = CliRunner().invoke(cli, [], prog_name="bulkops", env=env)
    assert completed.stdout.split() == ["plain,reorg-1", "plain,reorg-2"]
    env |= {"COMP_WORDS": "bulkops status ", "COMP_CWORD": "2"}
    assert CliRunner().invoke(cli, [], prog_name="bulkops", env=env).stdout.split() == ["plain,reorg-1", "plain,reorg-2", "plain,skills-1"]


def test_help_documents_precedence_confirmation_and_completion():
    top = invoke("--help").output
    assert "GENESYSCLOUD_ACCESS_TOKEN" in top and "~/.gc/config.toml" in top and "_BULKOPS_COMPLETE=bash_source" in top
    assert "9  not confirmed" in top
    run_help = invoke("run", "--help").output
    assert "--profile NAME" in run_help and "--yes" in run_help and "first found wins" in run_help
