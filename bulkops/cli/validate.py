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
from bulkops.kinds.folder import Counted
from bulkops.kinds.registry import KINDS
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
    counts = ", ".join([f"{opened.intents} users", *(c.words for c in _counts(opened) if c.words)])
    click.echo(f"{spec}: valid ({opened.format}, mode {opened.mode}, {counts}); `bulkops plan {spec}` checks the names against the org")
    for column in opened.spec.ignored_columns():  # the admin UI's layout: what is read but not applied
        click.echo(describe_ignored(column))


def _counts(opened: CheckedSpec) -> list[Counted]:
    """What the spec holds of each kind, in the registry's order (words None: not said in the text)."""
    counted = (folder.counts(opened.sections.get(folder.name)) for folder in KINDS)
    return [c for c in counted if c is not None]


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
                **{c.key: c.value for c in _counts(opened)},
            },
            "ignored_columns": [ignored_column_json(c) for c in opened.spec.ignored_columns()],
            "problems": [],
        }
    )


def _emit(doc: dict[str, Any]) -> None:
    click.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
