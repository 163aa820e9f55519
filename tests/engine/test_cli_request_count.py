"""The command line's summary counts what the server counted: `run`, then `reconcile retry` as a
second process, in-process with click's CliRunner against the simulator on its own thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from helpers.cli import write_matrix
from helpers.simthread import simulator_thread

from bulkops.cli.main import cli
from bulkops.logsetup import configure_logging
from bulkops.simulator import SimConfig, Simulator


@pytest.fixture
def org() -> Iterator[tuple[Simulator, str]]:
    with simulator_thread(SimConfig(users=60, seed=4)) as pair:
        yield pair
    configure_logging("warning")  # a command pointed structlog at CliRunner's stderr


def bulkops(sim: Simulator, *args: str) -> dict[str, Any]:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code in (0, 3), result.output
    summary: dict[str, Any] = orjson.loads(result.stdout)
    return summary


def test_each_command_s_summary_counts_its_own_process_and_the_job_adds_them_up(org, tmp_path: Path):
    sim, url = org
    stuck = next(u for u in sim.user_ids() if sim.user(u)["email"] == "agent00004@example.com")
    sim.configure(always_conflict=[stuck])
    spec = write_matrix(tmp_path / "m.csv", 30)
    common = ["--base-url", url, "--state-dir", str(tmp_path / "state"), "--rps", "2000", "--conflict-delay", "0", "--json"]

    first = bulkops(sim, "run", str(spec), "--job", "j", "--yes", *common)
    counted = sim.stats()["total"]
    assert first["users"]["reconciliation"] == 1
    assert first["this_run"]["requests"] == counted and first["this_run"]["requests_by_kind"]["token"] == 1
    assert sum(first["this_run"]["requests_by_kind"].values()) == counted

    sim.configure(always_conflict=[])
    second = bulkops(sim, "reconcile", "retry", "j", *common)
    run = second["this_run"]
    assert run["outcomes"] == {"applied": 1}
    assert run["requests"] == sim.stats()["total"] - counted  # its own process: a token of its own, one fetch, the writes
    assert run["requests_by_kind"]["token"] == 1
    assert second["job"] == {"requests": sim.stats()["total"], "passes": 2}
