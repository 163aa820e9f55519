"""``bulkops -q`` / ``bulkops -v``: how much every command says, set once on the group.

The group keeps the choice in click's context (``meta`` is shared by every sub-context), so a
command, the progress reporter and the error handler read it without it being passed along.
Quiet: errors and the final one-line outcome only. Verbose: debug logging, one JSON line per
request on stderr. Neither changes what ``--json`` prints.
"""

from __future__ import annotations

from typing import Any

import click

QUIET, NORMAL, VERBOSE = -1, 0, 1
_KEY = "bulkops.verbosity"


def set_verbosity(ctx: click.Context, *, quiet: bool, verbose: bool) -> None:
    if quiet and verbose:
        raise click.UsageError("-q and -v contradict each other; give one")
    ctx.meta[_KEY] = QUIET if quiet else VERBOSE if verbose else NORMAL


def verbosity() -> int:
    ctx = click.get_current_context(silent=True)
    return int(ctx.meta.get(_KEY, NORMAL)) if ctx is not None else NORMAL


def is_quiet() -> bool:
    return verbosity() == QUIET


def log_level(command_level: str | None) -> str:
    """The logging level: the command's --log-level when given on the command line or in the
    environment, otherwise debug with -v, error with -q, else the command's default (warning)."""
    ctx = click.get_current_context(silent=True)
    source = ctx.get_parameter_source("log_level") if ctx is not None else None
    explicit = source in (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT)
    if command_level and explicit:
        return command_level
    level = verbosity()
    if level == VERBOSE:
        return "debug"
    if level == QUIET:
        return "error"
    return command_level or "warning"


def say(message: str, *, err: bool = True) -> None:
    """A progress note (what is about to happen): printed unless -q."""
    if not is_quiet():
        click.echo(message, err=err)


def outcome_line(summary: dict[str, Any]) -> str:
    """The pass's summary in one line, for -q: job, status, users per outcome."""
    users = summary.get("users", {})
    counts = ", ".join(f"{k} {v}" for k, v in users.items() if k != "total" and v)
    total = users.get("total")
    return f"job {summary.get('job_id')}: {summary.get('status')}; {total} users" + (f" ({counts})" if counts else "")
