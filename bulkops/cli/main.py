"""Entry point: ``bulkops`` and ``python -m bulkops``."""

from __future__ import annotations

import gc
import os

import click

from bulkops import __version__
from bulkops.cli.support import exitcodes
from bulkops.cli.support.lazygroup import LazyCommand, LazyGroup
from bulkops.cli.support.verbosity import set_verbosity

# Every command, imported when it is used: `bulkops --version` and `--help` import none of them.
COMMANDS = {
    "demo": LazyCommand("bulkops.cli.demo", "demo", "Run a realistic reorganization against the embedded Genesys Cloud simulator."),
    "export": LazyCommand("bulkops.cli.export", "export", "Write the org's users as a job spec bulkops reads back."),
    "plan": LazyCommand("bulkops.cli.jobs", "plan", "Show what SPEC would change, per user and in total, and how long it would take."),
    "reconcile": LazyCommand("bulkops.cli.reconcile", "reconcile", "Work on a job's reconciliation queue: users that kept conflicting (409) or failed."),
    "report": LazyCommand("bulkops.cli.report", "report", "Write JOB's report: one self-contained HTML page, and the result files."),
    "resume": LazyCommand("bulkops.cli.jobs", "resume", "Carry on with JOB from its checkpoint after a stop, a crash or a kill."),
    "run": LazyCommand("bulkops.cli.jobs", "run", "Validate SPEC whole, then apply it: rate-limited, checkpointed, resumable."),
    "sim": LazyCommand("bulkops.cli.sim", "sim", "Run the embedded Genesys Cloud Platform API v2 simulator."),
    "status": LazyCommand("bulkops.cli.jobs", "status", "Where JOB stands: users per outcome, live figures while it runs, the last summary."),
    "undo": LazyCommand("bulkops.cli.undo", "undo", "Take back what JOB changed, as a job of its own (JOB-undo)."),
    "validate": LazyCommand("bulkops.cli.validate", "validate", "Check SPEC locally: format, encoding, values, duplicates, limits."),
    "verify": LazyCommand("bulkops.cli.verify", "verify", "Check JOB against the platform's own audit trail (read with `audits:audit:view`)."),
}

EPILOG = "\b\nExit codes:\n" + "\n".join(f"  {code}  {text}" for code, text in exitcodes.TABLE)


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}, epilog=EPILOG)
@click.version_option(__version__, prog_name="bulkops")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the final one-line outcome (no progress, no notes).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging on stderr: one JSON line per request (a command's --log-level wins).")
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """Apply large routing-configuration changes to Genesys Cloud CX, safely.

    A job spec (a CSV or JSON skill matrix, plus reorganization fields: department,
    title, manager, division, queues, languages) is validated whole, then applied by a
    rate-limited engine that checkpoints as it goes, survives a kill, and never drops
    a skill the spec does not mention.

    \b
    Typical session:
      bulkops demo                          # see it work against the embedded simulator
      bulkops validate jobs/reorg.json      # every local check, no credentials needed
      bulkops plan jobs/reorg.json          # what would change, and how long it takes
      bulkops run jobs/reorg.json           # apply it (Ctrl-C once: stop cleanly)
      bulkops resume reorg-1a2b3c4d         # carry on after a stop or a crash
      bulkops status reorg-1a2b3c4d         # where a job stands
      bulkops reconcile list reorg-1a2b3c4d # users that need a person

    Connection: --region (or GENESYSCLOUD_REGION) or --base-url, and an OAuth
    client-credentials client in GENESYSCLOUD_OAUTHCLIENT_ID / _SECRET, or a ready
    token in GENESYSCLOUD_ACCESS_TOKEN, or --profile NAME from the gc CLI's
    ~/.gc/config.toml. Options win over the environment, the environment over the profile.

    On a terminal `run` shows what it is about to do and asks before the first write
    (--yes skips that); without one (CI, cron) it does not ask.

    \b
    Shell completion (bash; zsh and fish likewise with zsh_source / fish_source):
      eval "$(_BULKOPS_COMPLETE=bash_source bulkops)"
    """
    from bulkops.logsetup import configure_logging

    configure_logging("warning")  # until a command's --log-level says otherwise
    set_verbosity(ctx, quiet=quiet, verbose=verbose)


def main() -> None:
    # Everything bulkops writes (run state, audit, results, report, webhook log) may hold
    # emails and before/after values: owner-only, whatever the shell's umask.
    os.umask(0o077)
    # Set-up allocates ten and more objects a user it reads, most kept for the run: at the default
    # threshold (a young collection each 700) the collector ran ~6,000 times before a 100k-user
    # run's first write, 40 of them over the whole heap; at 10,000 about 200, and the run process
    # spends ~1.5 CPU s less to its first write (bench_startup.py --first-write, #29 §5).
    gc.set_threshold(10_000, 10, 10)
    # NO_COLOR (no-color.org): no ANSI colours anywhere (click's own detection only checks for a terminal).
    cli(color=False if os.environ.get("NO_COLOR") else None)
