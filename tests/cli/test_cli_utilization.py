"""``validate`` and ``plan`` on utilization jobs (#19): validate counts the users' settings and the org
default with no credentials; plan names the users' settings in counts and the default before and after."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from click.testing import CliRunner, Result

from bulkops.cli.main import cli
from bulkops.domain.utilization import MEDIA_TYPES


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_validate_counts_the_users_settings_and_the_default(tmp_path):
    spec = tmp_path / "u.json"
    spec.write_text(
        json.dumps(
            {
                "version": 2,
                "utilizationDefault": {"media": {"email": {"maximumCapacity": 2}}},
                "utilization": [
                    {"user": "a@example.com", "media": {"email": {"maximumCapacity": 3}}},
                    {"user": "b@example.com", "whole": True, "media": {m: {"maximumCapacity": 1} for m in MEDIA_TYPES}},
                ],
            }
        )
    )
    result = invoke("validate", str(spec))
    assert result.exit_code == 0, result.output
    assert "0 users, 2 user utilization settings, the org default utilization)" in result.output


def test_validate_counts_a_csvs_util_columns(tmp_path):
    spec = tmp_path / "u.csv"
    spec.write_text("email,Billing,util:email,util:setting\na@example.com,3,4,\nb@example.com,,,inherit\n")
    result = invoke("validate", str(spec))
    assert result.exit_code == 0, result.output
    assert "(csv-wide, mode merge, 2 users, 2 user utilization settings)" in result.output


def test_plan_says_the_users_settings_and_the_default_in_words_and_in_json():
    from helpers.simthread import simulator_thread

    from bulkops.logsetup import configure_logging
    from bulkops.simulator import SimConfig

    job = Path(__file__).resolve().parents[2] / "jobs" / "utilization.json"
    with simulator_thread() as (sim, url):
        sim.reset(SimConfig())
        env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret}
        text = CliRunner().invoke(cli, ["plan", str(job), "--base-url", url], env=env, catch_exceptions=False)
        as_json = CliRunner().invoke(cli, ["plan", str(job), "--base-url", url, "--json"], env=env, catch_exceptions=False)
    configure_logging("warning")
    assert text.exit_code == 0, text.output
    assert "utilization default: chat maximumCapacity 4 -> 3; label 'VIP' (none) -> maximumCapacity 1, interruptingLabels []" in text.output
    assert (
        "utilization: 6 user(s): 3 merged into their setting (read, PUT), 1 given a whole setting (PUT, no read), "
        "2 back to the org default (read, DELETE); call for 1 (capacity 1: 1)"
    ) in text.output
    plan = orjson.loads(as_json.output)
    assert plan["utilization"]["users"] == 6 and plan["utilization"]["labels"] == {"VIP": 2}
    assert plan["utilization_default"]["already"] == []
