"""Every command bulkops prints works when copied (#28 §5): the refusals of a job that exists
already ("already has run state", "already has an undo job") name --state-dir, and each printed
command, run verbatim with only the credentials set, finds the job."""

from __future__ import annotations

import json
import re
import shlex

from click.testing import CliRunner, Result

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.simulator import Simulator


def invoke(sim: Simulator, *args: str) -> Result:
    env = {
        "GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret,
        "GENESYSCLOUD_ACCESS_TOKEN": None,
        "BULKOPS_BASE_URL": None,
        "BULKOPS_STATE_DIR": None,
    }
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def printed_commands(text: str) -> list[list[str]]:
    """The `bulkops ...` commands a message names, as a shell would split them."""
    found = [shlex.split(c) for c in re.findall(r"`(bulkops [^`]+)`", text)]
    assert found, text
    return found


def run_verbatim(sim: Simulator, command: list[str]) -> Result:
    assert command[0] == "bulkops"
    return invoke(sim, *command[1:])


def test_already_has_run_state_and_an_undo_job_print_commands_that_work(org, tmp_path):
    sim, url = org
    state = str(tmp_path / "run state")  # a space: the command must quote it
    path = tmp_path / "reorg.json"
    path.write_text(json.dumps({"version": 1, "mode": "merge", "users": [{"user": "agent00010@example.com", "title": "Agent II"}]}))
    first = invoke(sim, "run", str(path), "--job", "reorg", "--yes", "--base-url", url, "--state-dir", state)
    assert first.exit_code == exitcodes.OK, first.output

    again = invoke(sim, "run", str(path), "--job", "reorg", "--yes", "--base-url", url, "--state-dir", state)
    assert again.exit_code == exitcodes.STATE and "already has run state" in again.output, again.output
    commands = printed_commands(again.output)
    assert [c[:2] for c in commands] == [["bulkops", "resume"], ["bulkops", "status"]]
    for command in commands:
        assert command[-2:] == ["--state-dir", state], command
        ran = run_verbatim(sim, command)
        assert ran.exit_code == exitcodes.OK, (command, ran.output)

    assert invoke(sim, "undo", "reorg", "--yes", "--base-url", url, "--state-dir", state).exit_code == exitcodes.OK
    twice = invoke(sim, "undo", "reorg", "--yes", "--base-url", url, "--state-dir", state)
    assert twice.exit_code == exitcodes.STATE and "already has an undo job, reorg-undo" in twice.output, twice.output
    for command in printed_commands(twice.output):
        assert command[-2:] == ["--state-dir", state], command
        ran = run_verbatim(sim, command)
        assert ran.exit_code == exitcodes.OK and "reorg-undo" in ran.output, (command, ran.output)
