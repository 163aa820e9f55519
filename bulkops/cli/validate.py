"""``bulkops validate SPEC``: every check that needs no API, and so no credentials."""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from bulkops.cli.jobs import as_mode, caps_of, caps_option, mode_option, spec_argument
from bulkops.cli.support import exitcodes
from bulkops.cli.support.common import handles_errors
from bulkops.engine.setup.job import CheckedSpec, check_locally
from bulkops.errors import SpecError
from bulkops.spec.csv_admin import describe_ignored, ignored_column_json


@click.command()
@spec_argument
@mode_option
@caps_option
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON object (valid or not) on stdout.")
@handles_errors
def validate(spec: str, mode: str | None, max_per_user: int, as_json: bool) -> None:
    """Check SPEC locally: format, encoding, values, duplicates, limits. Nothing is sent.

    Names (users, skills, queues, ...) are checked against the org by `bulkops plan`;
    this command needs no credentials, so it fits a WFM export's own pipeline.

    \b
    Exit codes: 0 valid, 4 invalid (every problem listed as file:line:column).
    """
    if as_json:
        _validate_json(spec, mode, max_per_user)
        return
    opened = check_locally(spec, as_mode(mode), caps_of({"max_per_user": max_per_user}))
    counts = ", ".join([f"{opened.intents} users", *(f"{n} {noun}" for noun, n in _counts(opened).items() if n)])
    if opened.utilization_default is not None:
        counts += ", the org default utilization"
    click.echo(f"{spec}: valid ({opened.format}, mode {opened.mode}, {counts}); `bulkops plan {spec}` checks the names against the org")
    for column in opened.spec.ignored_columns():  # the admin UI's layout: what is read but not applied
        click.echo(describe_ignored(column))


def _counts(opened: CheckedSpec) -> dict[str, int]:
    """What the spec holds, by what it is called in words (zero counts are left out of the text)."""
    definitions, queues = len(opened.spec.definitions()), len(opened.queue_settings)
    labels, settings = len(opened.labels), len(opened.utilization)
    return {
        "skill definition" + ("s" if definitions != 1 else ""): definitions,
        "queue" + ("s" if queues != 1 else "") + " to configure": queues,
        "utilization label" + ("s" if labels != 1 else ""): labels,
        "user utilization setting" + ("s" if settings != 1 else ""): settings,
    }


def _validate_json(spec: str, mode: str | None, max_per_user: int) -> None:
    """``--json``: the outcome as one object, problems included, for a pipeline to read."""
    try:
        opened = check_locally(spec, as_mode(mode), caps_of({"max_per_user": max_per_user}))
    except SpecError as exc:
        problems = [{"path": p.path, "line": p.line, "column": p.column, "message": p.message} for p in exc.problems]
        _emit({"spec": spec, "valid": False, "problems": problems})
        sys.exit(exitcodes.INVALID_SPEC)
    _emit(
        {
            "spec": spec,
            "valid": True,
            "format": opened.format,
            "mode": opened.mode,
            "counts": {
                "users": opened.intents,
                "skill_definitions": len(opened.spec.definitions()),
                "queues": len(opened.queue_settings),
                "labels": len(opened.labels),
                "user_utilization": len(opened.utilization),
                "org_default_utilization": opened.utilization_default is not None,
            },
            "ignored_columns": [ignored_column_json(c) for c in opened.spec.ignored_columns()],
            "problems": [],
        }
    )


def _emit(doc: dict[str, Any]) -> None:
    click.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
