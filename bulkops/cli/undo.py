"""``bulkops undo JOB``: take a job back, as a job of its own."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import click
import orjson

from bulkops.cli.jobs import report_outcome, run_pass
from bulkops.cli.report import webhook_config, webhook_option
from bulkops.cli.support import exitcodes
from bulkops.cli.support.binding import bind_org, binding_meta, connection_of, job_client_config
from bulkops.cli.support.common import Stopper, complete_job_names, connection_options, engine_options, handles_errors, run_async, state_dir_option
from bulkops.cli.support.confirm import confirm_before_writing, yes_option
from bulkops.cli.support.verbosity import say
from bulkops.client import GenesysClient
from bulkops.engine.undo.undojob import UndoPlan, create_undo_job, load_inverse, plan_undo
from bulkops.engine.undo.undoview import describe_unaccounted, describe_undo, undo_plan_json
from bulkops.state.joblock import new_job_lock
from bulkops.state.layout import RunPaths, check_job_name


@dataclass(frozen=True, slots=True)
class _UndoFacts:
    """What ``run``'s question shows of a spec, for an undo."""

    path: str
    format: str = "undo"
    mode: str = "merge"


@click.command()
@click.argument("job", shell_complete=complete_job_names)
@connection_options
@state_dir_option
@engine_options
@webhook_option
@yes_option
@click.option("--dry-run", is_flag=True, help="Show what would be restored and what is held back, and write nothing.")
@click.option("--job", "undo_job", help="Name of the undo job. Default: JOB-undo.")
@click.option("--detail", type=int, default=20, show_default=True, help="How many users to show change by change.")
@handles_errors
def undo(job: str, state_dir: str, dry_run: bool, undo_job: str | None, detail: int, **kw: Any) -> None:
    """Take back what JOB changed, as a job of its own (JOB-undo).

    Each skill, language, field, division and queue membership JOB changed is put back to what
    it was before JOB, but only where the org still holds what JOB wrote: an element someone
    changed since is held back, and its user goes to reconciliation with all three values
    (before JOB, written by JOB, now). So are the other kinds JOB changed, part by part: queue
    settings and wrap-up codes, member activation, utilization (users' and the org default),
    skills and labels it created (deleted) or moved (moved back); a deleted one is not undone. The undo has its own state, audit, results and report:
    `bulkops resume JOB-undo` after a stop, `bulkops reconcile list JOB-undo`, and it can be
    undone in turn. Refused while JOB is running.

    \b
    Example:
      bulkops undo reorg-3f2a9c1e --dry-run
      bulkops undo reorg-3f2a9c1e
    """
    if undo_job is not None:
        check_job_name(undo_job)
    webhook_config(kw)
    as_json = kw.get("json_summary", False)
    source, inverse = load_inverse(state_dir, job)
    config = job_client_config(kw, source.store, job)  # where JOB ran, unless told otherwise

    async def main(stopper: Stopper) -> int:
        async with GenesysClient(config) as client:
            org = await bind_org(client, source.store, job)  # right after the token: JOB's org or nothing
            plan = await plan_undo(client, source, inverse, job_id=undo_job)
            source.store.close()
            # Something the job wrote that no line accounts for needs a person: exit 3, dry run or not.
            short = exitcodes.PARTIAL if plan.unaccounted else exitcodes.OK
            if dry_run or not plan.has_work:
                _show(plan, detail, as_json=as_json)
                return short
            if not as_json:
                for line in describe_undo(plan, detail=min(detail, 5)):
                    say(line)
            await confirm_before_writing(
                _UndoFacts(f"undo of job {job}"),
                config,
                stopper,
                assume_yes=kw["assume_yes"],
                users_named=len(plan.users),
                users_changing=lambda: plan.restoring,
            )
            with new_job_lock(RunPaths.for_job(state_dir, plan.job_id)):  # held from its creation to the end of its first pass
                setup = create_undo_job(plan, state_dir=state_dir)
                setup.store.set(**binding_meta(org, connection_of(config, kw)))  # the undo job runs where JOB ran
                say(f"job {setup.job_id}: {len(plan.users)} users and {len(plan.items.undoable)} items to restore; state in {setup.paths.root}")
                summary = await run_pass(client, setup, kw, stopper)
                setup.store.close()
        code = report_outcome(summary, as_json=as_json)
        if plan.unaccounted and not as_json:
            for line in describe_unaccounted(plan):
                click.echo(line, err=True)
        return exitcodes.PARTIAL if plan.unaccounted and code == exitcodes.OK else code

    sys.exit(run_async(main))


def _show(plan: UndoPlan, detail: int, *, as_json: bool) -> None:
    if as_json:
        click.echo(orjson.dumps(undo_plan_json(plan), option=orjson.OPT_INDENT_2).decode())
        return
    for line in describe_undo(plan, detail=detail):
        click.echo(line)
