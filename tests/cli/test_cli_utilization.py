"""``validate`` and ``plan`` on utilization jobs (#19): validate counts the users' settings and the org
default with no credentials; plan names the users' settings in counts and the default before and after."""

from __future__ import annotations

import json

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
