"""``validate``, ``plan`` and ``run`` on the admin UI's people-import CSV name each column they
read but do not apply, with how many rows held a value: never silently (#15 section 5)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result
from helpers.simthread import simulator_thread

from bulkops.cli.main import cli
from bulkops.logsetup import configure_logging
from bulkops.simulator import SimConfig, Simulator

JOB = Path(__file__).resolve().parents[2] / "jobs" / "admin-ui-import.csv"
IGNORED = [
    "ignored: column 1 'name' (a value on 5 of 5 rows): users are found by email; bulkops neither creates nor renames users",
    "ignored: column 3 'phone_work' (a value on 2 of 5 rows): bulkops does not change phone numbers",
    "ignored: column 4 'extension' (a value on 3 of 5 rows): bulkops does not change extensions",
    "ignored: column 8 'location_work' (a value on 2 of 5 rows): bulkops does not change locations",
    "ignored: column 9 'roles_divisions' (a value on 3 of 5 rows): bulkops does not grant roles",
]


@pytest.fixture
def org() -> Iterator[tuple[Simulator, str]]:
    with simulator_thread() as (sim, url):
        sim.reset(SimConfig())
        yield sim, url
    configure_logging("warning")


def invoke(sim: Simulator | None, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret} if sim else {}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_validate_names_the_ignored_columns() -> None:
    result = invoke(None, "validate", str(JOB))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "valid (csv-admin, mode merge, 5 users)" in lines[0]
    assert lines[1:] == IGNORED


def test_plan_names_the_ignored_columns_and_what_changes(org) -> None:
    sim, url = org
    result = invoke(sim, "plan", str(JOB), "--base-url", url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"plan for {JOB} (csv-admin, mode merge)")
    assert lines[1:6] == IGNORED
    said = {line.split(":", 1)[0].strip(): line for line in lines if line.startswith("  agent")}
    assert "title=Team Lead" in said["agent00063@example.com"] and "skills" not in said["agent00063@example.com"]
    parts = {p.split(" ", 1)[0]: p for p in said["agent00064@example.com"].split(": ", 1)[1].split("; ")}
    assert set(parts["join"].removeprefix("join ").split(", ")) == {"Support EN", "Retention"}
    assert "remove skills Complaints" in said["agent00064@example.com"]

    as_json = orjson.loads(invoke(sim, "plan", str(JOB), "--base-url", url, "--json").output)
    assert [(c["column"], c["rows_with_values"]) for c in as_json["ignored_columns"]] == [
        ("name", 5),
        ("phone_work", 2),
        ("extension", 3),
        ("location_work", 2),
        ("roles_divisions", 3),
    ]


def test_plan_of_other_forms_says_nothing_of_ignored_columns(org, tmp_path: Path) -> None:
    sim, url = org
    spec = tmp_path / "w.csv"
    spec.write_text("email,Billing\nagent00000@example.com,3\n")
    result = invoke(sim, "plan", str(spec), "--base-url", url)
    assert result.exit_code == 0 and "ignored:" not in result.output
    assert orjson.loads(invoke(sim, "plan", str(spec), "--base-url", url, "--json").output)["ignored_columns"] == []


def test_an_email_led_csv_of_layout_columns_sets_them_and_is_no_skill_matrix(org, tmp_path: Path) -> None:
    """``email,title`` was read as a matrix of a skill called "title" (#28): it is the layout without
    its name column, in any order."""
    sim, url = org
    spec = tmp_path / "titles.csv"
    spec.write_text("email,department,title\nagent00063@example.com,Operations,Team Lead\nagent00064@example.com,,Supervisor\n")
    result = invoke(sim, "plan", str(spec), "--base-url", url)
    assert result.exit_code == 0, result.output
    assert "(csv-admin, mode merge)" in result.output.splitlines()[0]
    said = {line.split(":", 1)[0].strip(): line for line in result.output.splitlines() if line.startswith("  agent")}
    assert "title=Team Lead" in said["agent00063@example.com"] and "department=Operations" in said["agent00063@example.com"]
    assert "title=Supervisor" in said["agent00064@example.com"] and "department" not in said["agent00064@example.com"]
    assert "not a number" not in result.output and "skill 'title'" not in result.output


def test_a_skill_column_keeps_an_email_led_csv_a_matrix(tmp_path: Path) -> None:
    spec = tmp_path / "matrix.csv"
    spec.write_text("email,Billing,title\nagent00063@example.com,3,2\n")
    result = invoke(None, "validate", str(spec))
    assert result.exit_code == 0, result.output
    assert "(csv-wide," in result.output
