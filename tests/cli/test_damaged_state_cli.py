"""A job's run state damaged after a real run over HTTP (#25 §5): every command that opens the job
ends with exit 7, says what is wrong and what to do, shows no traceback, never claims "interrupted
during set-up" when the audit log records writes, and sends nothing to the org."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers.cli import write_matrix

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.simulator import SimConfig, Simulator

USERS = 200


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def truncated(db: Path) -> None:
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])


def flipped(db: Path) -> None:
    """Bytes flipped past the header and the first pages: the damage is in the intents' pages."""
    data = bytearray(db.read_bytes())
    for i in range(8192, len(data), 397):
        data[i] ^= 0xFF
    db.write_bytes(bytes(data))


def zeroed(db: Path) -> None:
    db.write_bytes(bytes(db.stat().st_size))


def emptied(db: Path) -> None:
    db.write_bytes(b"")


def not_a_database(db: Path) -> None:
    db.write_bytes(b"id,name\n" * 4000)


def deleted(db: Path) -> None:
    db.unlink()


def meta_lost(db: Path) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM meta WHERE key IN ('ready', 'spec_hash')")
    conn.close()


def hash_lost(db: Path) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM meta WHERE key = 'spec_hash'")
    conn.close()


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (truncated, "is damaged"),
    "flipped": (flipped, "is damaged"),
    "zeroed": (zeroed, "is damaged"),
    "emptied": (emptied, "holds no tables, yet the job ran"),
    "not a database": (not_a_database, "is damaged"),
    "deleted": (deleted, "the run state (state.db) is missing"),
    "meta lost": (meta_lost, "is not marked ready, yet the job ran"),
    "hash lost": (hash_lost, "its job description lacks spec_hash"),
}


@pytest.fixture(scope="module")
def finished_job(served, tmp_path_factory) -> tuple[Path, Path]:
    """One real run of 200 users (some written, the rest already right), its folder kept pristine."""
    sim, url = served
    sim.reset(SimConfig(users=USERS + 20))
    root = tmp_path_factory.mktemp("damaged")
    spec = write_matrix(root / "m.csv", USERS)
    state = root / "pristine"
    ran = invoke(sim, "run", str(spec), "--job", "j", "--yes", "--rps", "1000", "--base-url", url, "--state-dir", str(state))
    assert ran.exit_code == exitcodes.OK, ran.output
    return state, spec


def writes(sim: Simulator) -> int:
    """Requests to the API that could change the org (a token is not one)."""
    return sum(v["total"] for route, v in sim.stats()["byRoute"].items() if not route.startswith("GET ") and "/oauth/" not in route)


def commands(url: str, spec: Path) -> list[list[str]]:
    return [
        ["run", str(spec), "--job", "j", "--yes", "--rps", "1000", "--base-url", url],  # a new job is not mixed into a damaged one's folder
        ["status", "j"],
        ["status", "j", "--json"],
        ["resume", "j", "--base-url", url],
        ["report", "j"],
        ["undo", "j", "--dry-run", "--base-url", url],
        ["undo", "j", "--yes", "--base-url", url],
        ["verify", "j", "--base-url", url],
        ["reconcile", "list", "j"],
        ["reconcile", "show", "j", "agent00001@example.com"],
        ["reconcile", "retry", "j", "--base-url", url],
        ["reconcile", "drop", "j", "agent00001@example.com"],
    ]


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_every_command_on_damaged_state_ends_with_exit_7_saying_what_and_what_to_do(served, finished_job, tmp_path, damage):
    sim, url = served
    pristine, spec = finished_job
    state = tmp_path / "state"
    shutil.copytree(pristine, state)
    harm, what = DAMAGE[damage]
    harm(state / "j" / "state.db")
    before = writes(sim)
    for args in commands(url, spec):
        result = invoke(sim, *args, "--state-dir", str(state))
        assert result.exit_code == exitcodes.STATE, (damage, args, result.output)
        assert what in result.output, (damage, args, result.output)
        assert "Traceback" not in result.output
        assert "interrupted during set-up" not in result.output
        assert "user(s) written" in result.output  # the audit log's account of what the job did
        assert "next: restore state.db from a backup" in result.output
    assert writes(sim) == before  # nothing sent
    assert not (state / "j-undo").exists()


def test_an_undo_job_whose_state_was_lost_is_not_started_again_over_its_audit(served, finished_job, tmp_path):
    sim, url = served
    pristine, _ = finished_job
    state = tmp_path / "state"
    shutil.copytree(pristine, state)
    (state / "j-undo").mkdir(mode=0o700)
    (state / "j-undo" / "audit.ndjson").write_text('{"user_id": "u1", "outcome": "applied", "before": {}}\n')
    before = writes(sim)
    result = invoke(sim, "undo", "j", "--yes", "--base-url", url, "--state-dir", str(state))
    assert result.exit_code == exitcodes.STATE, result.output
    assert "the run state (state.db) is missing" in result.output and "1 user(s) written" in result.output
    assert writes(sim) == before


def test_set_up_interrupted_is_said_only_with_an_empty_audit(served, finished_job, tmp_path):
    sim, _ = served
    pristine, _ = finished_job
    state = tmp_path / "state"
    shutil.copytree(pristine, state)
    (state / "j" / "state.db").write_bytes(b"")  # what a set-up killed before its first commit leaves
    (state / "j" / "audit.ndjson").unlink()
    result = invoke(sim, "status", "j", "--state-dir", str(state))
    assert result.exit_code == exitcodes.STATE and "interrupted during set-up, before any write (its audit log is empty)" in result.output


def test_a_missing_store_without_an_audit_is_no_job(served, tmp_path):
    sim, _ = served
    (tmp_path / "state" / "j").mkdir(parents=True)
    result = invoke(sim, "status", "j", "--state-dir", str(tmp_path / "state"))
    assert result.exit_code == exitcodes.STATE and "no job 'j' under" in result.output
