"""Modes of what bulkops writes (#25 §6): the folders and files it creates are owner-only (0700,
0600); a folder the user named (``--state-dir``, a report's output folder) keeps its mode, even a
shared 1777 one (as root, ``--state-dir /tmp`` must not make /tmp private)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers.cli import write_matrix

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.simulator import SimConfig, Simulator
from bulkops.state.layout import private_dir


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_private_below(folder: Path) -> None:
    """Everything under ``folder`` (which bulkops created): folders 0700, files 0600."""
    found = list(folder.rglob("*"))
    assert len(found) > 6
    for path in found:
        assert mode(path) == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode(path))}"


@pytest.mark.parametrize("shared", [0o1777, 0o755])
def test_an_existing_state_dir_keeps_its_mode_and_the_job_folder_is_private(org, tmp_path, shared):
    sim, url = org
    sim.reset(SimConfig(users=40))
    state = tmp_path / "shared"
    state.mkdir()
    os.chmod(state, shared)
    spec = write_matrix(tmp_path / "m.csv", 30)
    ran = invoke(sim, "run", str(spec), "--job", "j", "--yes", "--rps", "1000", "--base-url", url, "--state-dir", str(state))
    assert ran.exit_code == exitcodes.OK, ran.output
    undone = invoke(sim, "undo", "j", "--yes", "--rps", "1000", "--base-url", url, "--state-dir", str(state))
    assert undone.exit_code == exitcodes.OK, undone.output
    assert mode(state) == shared
    assert mode(state / "j") == 0o700 and mode(state / "j-undo") == 0o700
    assert_private_below(state / "j")
    assert_private_below(state / "j-undo")


def test_a_state_dir_bulkops_creates_is_private_at_every_level_it_makes(org, tmp_path):
    sim, url = org
    sim.reset(SimConfig(users=20))
    spec = write_matrix(tmp_path / "m.csv", 10)
    os.chmod(tmp_path, 0o755)
    state = tmp_path / "new" / "state"
    ran = invoke(sim, "run", str(spec), "--job", "j", "--yes", "--rps", "1000", "--base-url", url, "--state-dir", str(state))
    assert ran.exit_code == exitcodes.OK, ran.output
    assert mode(tmp_path) == 0o755 and mode(tmp_path / "new") == 0o700 and mode(state) == 0o700
    assert_private_below(state)


def test_a_report_written_into_a_folder_the_user_named_leaves_its_mode(org, tmp_path):
    sim, url = org
    sim.reset(SimConfig(users=20))
    spec = write_matrix(tmp_path / "m.csv", 10)
    state = tmp_path / "state"
    assert invoke(sim, "run", str(spec), "--job", "j", "--yes", "--rps", "1000", "--base-url", url, "--state-dir", str(state)).exit_code == exitcodes.OK
    theirs = tmp_path / "reports"
    theirs.mkdir()
    os.chmod(theirs, 0o775)
    assert invoke(sim, "report", "j", "--state-dir", str(state), "--out", str(theirs / "r.html")).exit_code == exitcodes.OK
    assert mode(theirs) == 0o775 and mode(theirs / "r.html") == 0o600
    made = tmp_path / "made" / "here"
    assert invoke(sim, "report", "j", "--state-dir", str(state), "--out", str(made / "r.html")).exit_code == exitcodes.OK
    assert mode(made.parent) == 0o700 and mode(made) == 0o700 and mode(made / "r.html") == 0o600


def test_private_dir_makes_only_the_missing_levels_private(tmp_path):
    os.chmod(tmp_path, 0o1777)
    private_dir(tmp_path)
    assert mode(tmp_path) == 0o1777
    made = private_dir(tmp_path / "a" / "b")
    assert mode(tmp_path) == 0o1777 and mode(tmp_path / "a") == 0o700 and mode(made) == 0o700
    os.chmod(made, 0o750)
    private_dir(made)  # exists now: the user's, whatever bulkops did before
    assert mode(made) == 0o750
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        private_dir(tmp_path / "file")
