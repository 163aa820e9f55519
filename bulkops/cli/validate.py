"""``bulkops validate SPEC``: every check that needs no API, and so no credentials."""

from __future__ import annotations

import click

from bulkops.cli.common import handles_errors
from bulkops.cli.jobs import as_mode, caps_of, caps_option, mode_option, spec_argument
from bulkops.engine.job import check_locally
from bulkops.spec.csv_admin import describe_ignored


@click.command()
@spec_argument
@mode_option
@caps_option
@handles_errors
def validate(spec: str, mode: str | None, max_per_user: int) -> None:
    """Check SPEC locally: format, encoding, values, duplicates, limits. Nothing is sent.

    Names (users, skills, queues, ...) are checked against the org by `bulkops plan`;
    this command needs no credentials, so it fits a WFM export's own pipeline.

    \b
    Exit codes: 0 valid, 4 invalid (every problem listed as file:line:column).
    """
    opened = check_locally(spec, as_mode(mode), caps_of({"max_per_user": max_per_user}))
    counts = f"{opened.intents} users"
    if definitions := len(opened.spec.definitions()):
        counts += f", {definitions} skill definition{'s' if definitions != 1 else ''}"
    if queues := len(opened.queue_settings):
        counts += f", {queues} queue{'s' if queues != 1 else ''} to configure"
    if labels := len(opened.labels):
        counts += f", {labels} utilization label{'s' if labels != 1 else ''}"
    if settings := len(opened.utilization):
        counts += f", {settings} user utilization setting{'s' if settings != 1 else ''}"
    if opened.utilization_default is not None:
        counts += ", the org default utilization"
    click.echo(f"{spec}: valid ({opened.format}, mode {opened.mode}, {counts}); `bulkops plan {spec}` checks the names against the org")
    for column in opened.spec.ignored_columns():  # the admin UI's layout: what is read but not applied
        click.echo(describe_ignored(column))
