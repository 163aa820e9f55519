"""`bulkops run` and `resume` through a pool of OAuth clients given as the administrator gives it:
GENESYSCLOUD_OAUTHCLIENT_ID_2/_SECRET_2 in the environment and --pool-profile NAME (a gc CLI
profile); in-process with click's CliRunner against the simulator on its own thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result
from helpers.cli import write_matrix
from helpers.simthread import simulator_thread

from bulkops.cli.main import cli
from bulkops.cli.support.exitcodes import AUTH_CONFIG, OK
from bulkops.logsetup import configure_logging
from bulkops.simulator import SimConfig, Simulator
from bulkops.simulator.model.organization import OTHER_ORG_OFFSET


@pytest.fixture
def org() -> Iterator[tuple[Simulator, str]]:
    with simulator_thread(SimConfig(users=60, seed=4, extra_clients=2)) as pair:
        yield pair
    configure_logging("warning")  # a command pointed structlog at CliRunner's stderr


def bulkops(sim: Simulator, *args: str, home: Path, pooled: bool = True) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    env |= {"GENESYSCLOUD_OAUTHCLIENT_ID_2": "bulkops-sim-2", "GENESYSCLOUD_OAUTHCLIENT_SECRET_2": "bulkops-sim-2-secret"} if pooled else {}
    env |= {"HOME": str(home)}  # the gc CLI's ~/.gc/config.toml
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def gc_profile(home: Path) -> None:
    (home / ".gc").mkdir(parents=True)
    (home / ".gc" / "config.toml").write_text('[night]\nclient_credentials = "bulkops-sim-3"\nclient_secret = "bulkops-sim-3-secret"\n', encoding="utf-8")


def test_run_through_a_pool_from_the_environment_and_a_gc_profile(org, tmp_path: Path):
    sim, url = org
    gc_profile(tmp_path)
    spec = write_matrix(tmp_path / "m.csv", 40)
    common = ["--base-url", url, "--state-dir", str(tmp_path / "state"), "--rps", "2000", "--conflict-delay", "0"]
    result = bulkops(sim, "run", str(spec), "--job", "j", "--yes", "--pool-profile", "night", "--json", *common, home=tmp_path)
    assert result.exit_code == OK, result.output
    summary: dict[str, Any] = orjson.loads(result.stdout)
    run = summary["this_run"]
    assert [c["client_id"] for c in run["clients"]] == ["bulkops-sim", "bulkops-sim-2", "bulkops-sim-3"]
    stats = sim.stats()
    assert run["requests"] == stats["total"] and {c["client_id"]: c["requests"] for c in run["clients"]} == stats["byClient"]
    assert all(n > 1 for n in stats["byClient"].values())  # each client wrote, not only fetched a token

    # status shows the pool's clients in the last summary; the text summary lists them
    shown = bulkops(sim, "status", "j", "--state-dir", str(tmp_path / "state"), home=tmp_path)
    assert "a pool of 3 OAuth clients" in shown.output and "bulkops-sim-3:" in shown.output


def test_without_the_pool_option_plan_uses_one_client_and_a_half_given_pool_stops_run_before_any_request(org, tmp_path: Path):
    sim, url = org
    spec = write_matrix(tmp_path / "m.csv", 10)
    planned = bulkops(sim, "plan", str(spec), "--base-url", url, home=tmp_path)
    assert planned.exit_code == OK, planned.output
    assert set(sim.stats()["byClient"]) == {"bulkops-sim"}  # plan has no pool, whatever the environment holds
    before = sim.stats()["total"]
    half = CliRunner().invoke(
        cli,
        ["run", str(spec), "--base-url", url, "--yes", "--state-dir", str(tmp_path / "state")],
        env={
            "GENESYSCLOUD_OAUTHCLIENT_ID": "bulkops-sim",
            "GENESYSCLOUD_OAUTHCLIENT_SECRET": "bulkops-sim-secret",
            "GENESYSCLOUD_OAUTHCLIENT_ID_2": "bulkops-sim-2",
            "HOME": str(tmp_path),
        },
        catch_exceptions=False,
    )
    assert half.exit_code == AUTH_CONFIG and "GENESYSCLOUD_OAUTHCLIENT_SECRET_2 is missing" in half.output
    assert sim.stats()["total"] == before


def test_a_pool_client_of_another_org_stops_run_with_exit_5_before_any_write_naming_both_orgs(org, tmp_path: Path):
    sim, url = org
    sim.configure(other_org_clients=["bulkops-sim-2"])
    spec = write_matrix(tmp_path / "m.csv", 10)
    result = bulkops(sim, "run", str(spec), "--job", "j", "--yes", "--base-url", url, "--state-dir", str(tmp_path / "state"), home=tmp_path)
    assert result.exit_code == AUTH_CONFIG, result.output
    text = " ".join(result.output.split())
    assert (
        "bulkops-sim-2" in text
        and "Contact Centre 4 " in text
        and f"Contact Centre {4 + OTHER_ORG_OFFSET}" in text
        and "every client of a pool must be of one org" in text
    )
    routes = sim.stats()["byRoute"]
    assert all(route.startswith(("GET ", "POST /oauth")) for route in routes), routes  # read, never written
