"""``validate --json`` (#28): one object on stdout, valid or not, with every problem located."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from bulkops.cli.main import cli

JOBS = Path(__file__).resolve().parents[2] / "jobs"


def validate_json(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["validate", "--json", *args], catch_exceptions=False)
    return result.exit_code, orjson.loads(result.stdout)


def test_a_valid_spec_gives_its_format_counts_and_ignored_columns() -> None:
    code, doc = validate_json(str(JOBS / "admin-ui-import.csv"))
    assert code == 0
    assert doc["valid"] is True and doc["format"] == "csv-admin" and doc["mode"] == "merge" and doc["problems"] == []
    assert doc["counts"]["users"] == 5
    assert [c["column"] for c in doc["ignored_columns"]] == ["name", "phone_work", "extension", "location_work", "roles_divisions"]


def test_the_sections_are_counted() -> None:
    code, doc = validate_json(str(JOBS / "utilization.json"))
    assert code == 0
    assert doc["counts"] == {
        "users": 0,
        "skill_definitions": 0,
        "queues": 0,
        "labels": 1,
        "user_utilization": 6,
        "org_default_utilization": True,
    }


def test_an_invalid_spec_lists_every_problem_located_and_exits_4(tmp_path: Path) -> None:
    spec = tmp_path / "bad.csv"
    spec.write_text("email,Billing,Sales\na@x.com,9,1\nb@x.com,2,seven\n")
    code, doc = validate_json(str(spec))
    assert code == 4
    assert doc["valid"] is False
    assert [(p["line"], p["column"]) for p in doc["problems"]] == [(2, 9), (3, 11)]
    assert all(p["path"] == str(spec) and p["message"] for p in doc["problems"])
