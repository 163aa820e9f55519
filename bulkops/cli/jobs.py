"""``plan``, ``run``, ``resume``, ``status``: the job commands."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import orjson

from bulkops.cli.impact import (
    accept_impact_option,
    echo_impact,
    gathered_on_sight,
    impact_before_run,
    plan_with_impact,
    refused,
    run_strict_option,
    strict_option,
)
from bulkops.cli.report import webhook_config, webhook_option
from bulkops.cli.support import exitcodes
from bulkops.cli.support.authoritative import authoritative_lines, authoritative_of, authoritative_options
from bulkops.cli.support.binding import CONNECTION_KEY, ORG_KEY, bind_org, binding_meta, connection_of, job_client_config
from bulkops.cli.support.common import (
    Stopper,
    client_config,
    complete_job_names,
    connection_options,
    echo_safe,
    engine_options,
    fail,
    handles_errors,
    pool_option,
    run_async,
    state_dir_flag,
    state_dir_option,
)
from bulkops.cli.support.confirm import can_ask, confirm_before_writing, yes_option
from bulkops.cli.support.progress import ProgressReporter
from bulkops.cli.support.verbosity import is_quiet, outcome_line, say
from bulkops.cli.support.waves import (
    RunPass,
    announce_breach,
    breach_exit,
    breached_step,
    drive,
    new_state,
    roll_back,
    watched_queues,
    waves_of,
    waves_options,
    waves_request,
    waves_status,
    waves_status_lines,
)
from bulkops.cli.support.window import (
    WindowedRun,
    describe_plan_windows,
    in_window,
    plan_window_line,
    stopped_waiting,
    window_of,
    window_options,
    windowed_run,
)
from bulkops.client import GenesysClient
from bulkops.client.connect.config import ClientConfig
from bulkops.domain.limits import MAX_SKILLS_PER_USER, UserCaps
from bulkops.domain.model import Mode
from bulkops.domain.rollout.waves import describe_share
from bulkops.engine.account import JobAccount, read_account
from bulkops.engine.plan.impact import Impact
from bulkops.engine.plan.impact_text import to_dict as impact_dict
from bulkops.engine.plan.planjob import Plan, describe_replacement, users_changing
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.run.requesttotal import META_KEY as TOTAL_KEY
from bulkops.engine.run.requesttotal import RequestTotal
from bulkops.engine.run.runner import Engine
from bulkops.engine.setup.collector import building
from bulkops.engine.setup.job import CheckedSpec, JobSetup, add_missing_skills, check_locally, create_job, job_id_for, open_job, resolve_against_org
from bulkops.engine.setup.jobhistory import JobEntry, UnfinishedJobError, list_jobs, next_job_name
from bulkops.engine.summary import account_fields, account_lines, render_summary
from bulkops.engine.waves.drive import WavesOutcome
from bulkops.kinds.registry import KINDS
from bulkops.report.hooks import after_pass
from bulkops.safetext import escaped_lines
from bulkops.spec.csv_admin import describe_ignored, ignored_column_json
from bulkops.state.joblock import JobLock, holder, new_job_lock
from bulkops.state.layout import RunPaths, check_job_name
from bulkops.state.waveslog import WavesState


def exit_code_for(summary: dict[str, Any]) -> int:
    """OK when the job is complete, PARTIAL when it finished with some needing a look, ABORTED while work is open."""
    state = (summary.get("account") or {}).get("state") or summary["status"]
    return exit_code_of_state(state)


def exit_code_of_state(state: str) -> int:
    if state == "complete":
        return exitcodes.OK
    if state == "finished":
        return exitcodes.PARTIAL
    return exitcodes.ABORTED


#: The headline's colour on a terminal: green only when nothing is left for a person.
STATE_COLOURS = {"complete": "green", "finished": "yellow", "running": "cyan"}


def status_headline(text: str, state: str) -> str:
    """``text`` coloured by ``state`` (click drops the colour when the output is not a terminal)."""
    return click.style(text, fg=STATE_COLOURS.get(state, "red"))


def report_outcome(summary: dict[str, Any], *, as_json: bool = False) -> int:
    """Print the summary (text and the next step, or ``--json``: the summary.json record); the exit code it means."""
    if as_json:
        click.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
    else:
        print_outcome(summary)
    return exit_code_for(summary)


def print_outcome(summary: dict[str, Any]) -> None:
    if is_quiet():  # -q: the outcome in one line, no hints
        click.echo(outcome_line(summary))
        return
    state = (summary.get("account") or {}).get("state") or summary["status"]
    head, _, rest = render_summary(summary).partition("\n")
    click.echo(status_headline(head, state) + ("\n" + rest if rest else ""))
    # Hints that work when copied: the job, and --state-dir when it is not the default.
    job = summary["job_id"] + state_dir_flag(str(Path(summary["files"]["checkpoint"]).parent.parent))
    if state == "finished":
        n = summary["account"]["need_look"]
        click.echo(
            f"\nnext: {n} need a look: `bulkops reconcile list {job}`, then `bulkops reconcile retry {job}` (or `reconcile drop` what you fixed by hand); "
            f"side by side in {reconciliation_link(Path(summary['files']['checkpoint']).parent)}"
        )
    elif state != "complete":
        click.echo(f"\nnext: `bulkops resume {job}` carries on from the checkpoint; `bulkops status {job}` shows where it stands")


def run_options(kw: dict[str, Any]) -> RunOptions:
    delay = kw.get("conflict_delay")
    return RunOptions(
        workers=kw.get("workers") or 16,
        conflict_attempts=kw.get("conflict_attempts") or 3,
        conflict_delay=RunOptions().conflict_delay if delay is None else float(delay),
    )


async def run_pass(
    client: GenesysClient,
    setup: JobSetup,
    kw: dict[str, Any],
    stopper: Stopper,
    only_users: list[str] | None = None,
    watch: Callable[[Engine], None] | None = None,
    hold_late_items: bool = False,
) -> dict[str, Any]:
    """One pass with progress; ``watch`` also gets the engine (a change window's close stops it as Ctrl-C does)."""
    webhook = webhook_config(kw)

    def on_engine(engine: Engine) -> None:
        stopper.attach(engine.request_stop)
        if watch is not None:
            watch(engine)

    with ProgressReporter(rps=client.config.rps, governor=client.governor, force_plain=kw.get("plain_progress", False)) as progress:
        return await execute(
            client,
            setup,
            options=run_options(kw),
            on_progress=progress.update,
            on_engine=on_engine,
            only_users=only_users,
            after_pass=after_pass(webhook),
            hold_late_items=hold_late_items,
        )


MODES: tuple[Mode, ...] = ("merge", "replace")

spec_argument = click.argument("spec", type=click.Path(dir_okay=False))
caps_option = click.option(
    "--max-per-user",
    "max_per_user",
    type=click.IntRange(1, 1000),
    default=MAX_SKILLS_PER_USER,
    show_default=True,
    help="Routing skills (and, separately, languages) one user may hold: Genesys Cloud's limit. "
    "A job that would take a user past it is refused, naming the line, before anything is sent.",
)


def caps_of(kw: dict[str, Any]) -> UserCaps:
    limit = kw.get("max_per_user") or MAX_SKILLS_PER_USER
    return UserCaps(skills=limit, languages=limit)


mode_option = click.option(
    "--mode",
    type=click.Choice(MODES),
    default=None,
    help="For CSV specs: merge (default; only named skills change) or replace (users end with exactly the listed skills). JSON specs say their own mode.",
)


@click.command()
@spec_argument
@mode_option
@caps_option
@connection_options
@click.option("--create-missing-skills", is_flag=True, help="Plan as if skills the org lacks were created first.")
@click.option("--detail", type=int, default=20, show_default=True, help="How many users to show change by change.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@strict_option
@click.option(
    "--detailed-exitcode",
    "detailed",
    is_flag=True,
    help="For schedulers (Terraform's convention): exit 0 when nothing would change, 2 when something would.",
)
@window_options(until_done=False)
@authoritative_options
@handles_errors
def plan(spec: str, mode: str | None, create_missing_skills: bool, detail: int, as_json: bool, detailed: bool, **kw: Any) -> None:
    """Show what SPEC would change, per user and in total, and how long it would take. Reads only.

    \b
    Example:
      bulkops plan jobs/reorg.json --region mypurecloud.ie
    """
    window = window_of(kw)
    authoritative = authoritative_of(kw)
    opened = check_locally(spec, as_mode(mode), caps_of(kw))
    opened.authoritative = opened.authoritative | authoritative  # the spec's (JSON v2) and the options'
    config = client_config(kw)

    async def main(_: Stopper) -> int:
        async with GenesysClient(config) as client:
            resolved = await resolve_against_org(client, opened, allow_missing_skills=create_missing_skills)
            if create_missing_skills:  # plan as if they existed; the org is not changed
                resolved = await add_missing_skills(client, resolved, create=False)
            result, impact, reads = await plan_with_impact(client, resolved, detail=detail)  # the impact's reads are plan's own
            directory, losing = resolved.directory, resolved.authoritative
        total = result.run_requests(reads)
        # The pace the run will keep: the configured rate, or the server's allowance seen on these reads.
        pace = client.governor.steady_pace
        bound = client.governor.describe() if client.governor.server_bound else None
        seconds = total / pace
        if as_json:
            out = {
                "users_named": result.users_named,
                "users_changing": result.users_changing,
                "users_unchanged": result.users_unchanged,
                "users_not_seen": result.users_not_seen,
                "totals": dict(result.totals),
                "users_read": result.users_read,
                "estimated_requests": total,
                "estimated_seconds": round(seconds, 1),
                "rps": config.rps,
                "pace_rps": round(pace, 3),
                "rate_bound": bound,
                **{folder.plan_key: result.sections.get(folder.name) for folder in KINDS if folder.plan_key},
                "queues": {
                    q.name: {"before": q.members_before, "gains": q.gains, "losses": q.losses, "after": q.members_after} for q in result.queues.values()
                },
                "warnings": result.warnings(),
                "ignored_columns": [ignored_column_json(c) for c in opened.spec.ignored_columns()],
                "users": result.users,
                "impact": impact_dict(impact),
            }
            if window is not None:
                out["change_window"] = describe_plan_windows(window, seconds)
            if losing:
                out["authoritative"] = losing.describe()
            click.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
            return plan_exit(result, impact, strict=kw.get("strict", False), detailed=detailed)
        click.echo(f"plan for {spec} ({opened.format}, mode {opened.mode}): reads only, nothing was changed")
        for column in opened.spec.ignored_columns():  # the admin UI's layout: what is read but not applied
            click.echo(describe_ignored(column))
        click.echo(f"users read: {result.users_read}")
        names = {v: k for table in (directory.skills, directory.languages, directory.queues, directory.divisions) for k, v in table.items()}
        managers = {u["changes"]["fields"]["manager"] for u in result.users if "manager" in u["changes"].get("fields", {})}
        names |= directory.users.emails_of(managers)  # a manager by email, as the spec names one
        for user in result.users:
            echo_safe(f"  {user['email'] or user['user_id']}: " + _describe(user, names), fg="yellow" if user.get("left_with_no_skills") else None)
        if result.users_changing > len(result.users):
            click.echo(f"  ... and {result.users_changing - len(result.users)} more (use --detail N or --json)")
        click.echo(
            f"users: {result.users_named} named, {result.users_changing} to change, {result.users_unchanged} already right, {result.users_not_seen} not found"
        )
        if result.totals:
            click.echo("changes: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.totals.items() if v))
        for folder in KINDS:
            for said in folder.plan_text(result.sections.get(folder.name)) if folder.name in result.sections else ():
                echo_safe(said)
        for q in result.queues.values():
            echo_safe(f"queue {q.name!r}: {q.members_before} members, +{q.gains} -{q.losses} -> {q.members_after}")
        for said in authoritative_lines(losing):
            echo_safe(said)
        for warning in result.warnings():
            echo_safe(f"warning: {warning}", fg="yellow")
        at = f"{pace:.2f}/s ({bound}; --rps {config.rps:g})" if bound else f"{config.rps:g}/s"
        click.echo(f"estimate: about {total} requests at {at}, so {_human(seconds)} (users to change / rate bounds a run)")
        if window is not None:
            click.echo(plan_window_line(window, describe_plan_windows(window, seconds)))
        echo_impact(impact)
        return plan_exit(result, impact, strict=kw.get("strict", False), detailed=detailed)

    sys.exit(run_async(main))


def would_change(result: Plan) -> bool:
    """Whether running the plan's spec would write anything: a user to change (or a division move), or an
    item with a write to make (reads a run would make, as of a queue or the default utilization already
    so, do not count)."""
    return result.users_changing > 0 or result.division_write_requests > 0 or any(folder.plan_writes(result.sections.get(folder.name)) for folder in KINDS)


def plan_exit(result: Plan, impact: Impact, *, strict: bool, detailed: bool) -> int:
    """``plan``'s exit code: the impact's refusal under --strict first, then --detailed-exitcode's 0 or 2."""
    code = refused(impact) if strict else None
    if code:
        return code
    return exitcodes.WOULD_CHANGE if detailed and would_change(result) else exitcodes.OK


def as_mode(value: str | None) -> Mode | None:
    """``--mode`` as the ``Mode`` it is: click's Choice has already let only MODES through."""
    if value is None:
        return None
    for mode in MODES:
        if value == mode:
            return mode
    raise click.BadParameter(f"must be one of {', '.join(MODES)}, not {value!r}", param_hint="--mode")


def _describe(user: dict[str, Any], names: dict[str, str]) -> str:
    """One line per user, with org names in place of ids. A replacement is spelled out as what it keeps,
    changes, adds and removes (the write names only what stays), and a user left with no skills says so."""
    changes = user["changes"]
    parts = [describe_replacement(user["skills_replacement"])] if "skills_replacement" in user else []
    for key, label in (("upsert_skills", "set skills"), ("upsert_languages", "set languages")):
        if key in changes:
            parts.append(f"{label} " + ", ".join(f"{names.get(k, k)}={v:g}" for k, v in changes[key].items()))
    for key, label in (("delete_skills", "remove skills"), ("delete_languages", "remove languages"), ("join_queues", "join"), ("leave_queues", "leave")):
        if key in changes:
            parts.append(f"{label} " + ", ".join(names.get(k, k) for k in changes[key]))
    if "fields" in changes:
        parts.append(", ".join(f"{k}={names.get(v, v) if k == 'manager' else v}" for k, v in changes["fields"].items()))
    if "division" in changes:
        parts.append(f"division {names.get(changes['division'], changes['division'])}")
    return "; ".join(parts) + ("  [warning: left with no skills]" if user.get("left_with_no_skills") else "")


def _human(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


@click.command()
@spec_argument
@mode_option
@caps_option
@connection_options
@pool_option
@state_dir_option
@engine_options
@webhook_option
@yes_option
@click.option(
    "--job",
    help="Name of the job (its folder under --state-dir). Default: <spec name>-<first 8 of its sha256> for a spec's first job; "
    "once a job of the spec finished, a new one named <spec name>-<UTC yyyymmddTHHMM> (nightly runs). "
    "A previous job of the spec that did not finish is refused (exit 14) with the command that resumes it.",
)
@click.option("--create-missing-skills", is_flag=True, help="Create org skills the spec names but the org lacks, before any user write.")
@run_strict_option
@accept_impact_option
@window_options(until_done=True)
@authoritative_options
@waves_options
@handles_errors
def run(spec: str, mode: str | None, state_dir: str, job: str | None, create_missing_skills: bool, **kw: Any) -> None:
    """Validate SPEC whole, then apply it: rate-limited, checkpointed, resumable.

    Nothing is written until every line of the spec is valid and every user, skill,
    language, queue and division it names exists. Ctrl-C once finishes the users in
    flight and checkpoints; twice stops at once. Either way `bulkops resume JOB` carries on.

    \b
    Example:
      export GENESYSCLOUD_OAUTHCLIENT_ID=... GENESYSCLOUD_OAUTHCLIENT_SECRET=...
      bulkops run jobs/skills-wide.csv --region mypurecloud.com
    """
    if job is not None:
        check_job_name(job)  # before anything is read or sent
    windowed = windowed_run(kw)  # a bad --window or --tz is a usage error, before the spec is read
    waves = waves_request(kw)  # so are --waves, --gate and --watch
    if waves is not None and windowed is not None:
        raise click.UsageError("--waves and --window cannot be combined: a watch would outlast the window")
    authoritative = authoritative_of(kw)
    with building():  # set-up's long-lived records: the collector paced down (#29 §5)
        opened = check_locally(spec, as_mode(mode), caps_of(kw))
    opened.authoritative = opened.authoritative | authoritative  # the spec's (JSON v2) and the options'
    job = job or nightly_job(opened, state_dir)
    for column in opened.spec.ignored_columns():
        say(describe_ignored(column))
    config = client_config(kw)
    webhook_config(kw)  # a bad webhook URL or a missing secret fails now, before any request

    async def main(stopper: Stopper) -> int:
        async with GenesysClient(config) as client:
            org = await client.get_organization()  # right after the token: the job records where it runs
            # on_sight: the impact's inputs gathered as the users are resolved, not walked after (#29 §5)
            with building():
                resolved = await resolve_against_org(client, opened, allow_missing_skills=create_missing_skills, on_sight=gathered_on_sight())
                asked = not kw["assume_yes"] and can_ask()
                impact = await impact_before_run(client, resolved, accept=kw["accept_impact"], strict=kw["strict"], asked=asked)
            if impact.refusal is not None:
                return impact.refusal  # a queue left with no member: before the question and any write
            watched = await watched_queues(client, waves, impact.queues) if waves is not None else {}  # an unknown queue: exit 2
            await confirm_before_writing(
                opened,
                config,
                stopper,
                assume_yes=kw["assume_yes"],
                users_named=opened.intents,
                users_changing=lambda: users_changing(resolved),
                impact=impact.question,
            )
            if windowed is not None and not await windowed.wait_open(stopper, announce=False):  # after the question, before the first write
                return stopped_waiting("no job was created and nothing was written; run the same command again")
            # The job's lock from before its folder is judged to the end of its first pass: of processes
            # starting this job at once, one runs it and the others are busy (#28 §5).
            with new_job_lock(RunPaths.for_job(state_dir, job or job_id_for(opened.spec))):
                if create_missing_skills:  # the first write: after the question
                    resolved = await add_missing_skills(client, resolved, create=True)
                setup = create_job(resolved, state_dir=state_dir, job_id=job, meta=binding_meta(org, connection_of(config, kw)))
                say(f"job {setup.job_id}: {setup.store.get('users')} users to check; state in {setup.paths.root}")
                if waves is not None:
                    outcome = await drive(client, setup, new_state(waves, watched), wave_pass(client, kw, stopper), stopper)
                    setup.store.close()
                else:
                    summary = await in_window(windowed, stopper, lambda watch: run_pass(client, setup, kw, stopper, watch=watch))
                    setup.store.close()
            if waves is not None:
                return await waves_outcome(client, setup, outcome, kw, binding_meta(org, connection_of(config, kw)), stopper)
        return windowed_outcome(windowed, summary, setup.job_id, state_dir, kw)

    sys.exit(run_async(main))


@click.command()
@click.argument("job", shell_complete=complete_job_names)
@connection_options
@pool_option
@state_dir_option
@engine_options
@webhook_option
@window_options(until_done=True)
@handles_errors
def resume(job: str, state_dir: str, **kw: Any) -> None:
    """Carry on with JOB from its checkpoint after a stop, a crash or a kill.

    Users finished before are not touched again; users that were in flight are
    re-checked, and one whose change is already in place is written nothing.
    Refused if the spec file changed since the job began, and against another org than the
    job's. With no --region/--base-url/--profile (nor their variables) it connects where the job ran.
    """
    webhook_config(kw)
    windowed = windowed_run(kw)
    setup = open_job(state_dir, job)
    config = job_client_config(kw, setup.store, job)

    async def main(stopper: Stopper) -> int:
        waves = waves_of(setup)
        if waves is not None and not (waves.finished and waves.phase == "passed"):
            return await _resume_waves(setup, waves, config, kw, stopper)
        # Locked before looking: another process's pass is refused (exit 8) even when it has just handled its last user.
        with JobLock(setup.paths.root):
            account = read_account(setup.store, setup.paths)
            if not account.open_work:  # nothing to carry on with: say so, and keep the last pass's summary as it is
                setup.store.close()
                return _already_finished(job, state_dir, account)
            left = account.users.get("pending", 0) + account.users.get("inflight", 0)
            items_left = account.open_work - left  # items of the other kinds count too: a queues-only job has no users
            say(
                f"resuming {job}: {account.total - left} of {account.total} users done, {left} to go"
                + (f"; {items_left} other item(s) to go" if items_left else "")
            )
            async with GenesysClient(config) as client:
                await bind_org(client, setup.store, job)  # right after the token, before any write
                summary = await in_window(windowed, stopper, lambda watch: run_pass(client, setup, kw, stopper, watch=watch))
        setup.store.close()
        return windowed_outcome(windowed, summary, job, state_dir, kw)

    sys.exit(run_async(main))


async def _resume_waves(setup: JobSetup, waves: WavesState, config: ClientConfig, kw: dict[str, Any], stopper: Stopper) -> int:
    """``resume`` of a run in waves: a breached one is not carried on (exit 13 again, with the way
    to undo it); otherwise the waves carry on where it stopped: a wave's users still open are
    applied, a watch cut short is watched for the rest of its time, never applied again."""
    job = setup.job_id
    if waves.phase == "breached":
        setup.store.close()
        return breach_exit(waves, None, rolled=False, job=job, as_json=kw.get("json_summary", False))
    share = describe_share(waves.plan.shares[waves.wave])
    say(f"resuming {job} in wave {waves.wave + 1} of {len(waves.plan.shares)} (to {share} of the users), {waves.phase}")
    async with GenesysClient(config) as client:
        with JobLock(setup.paths.root):  # released before a rollback: the undo refuses a running job
            await bind_org(client, setup.store, job)  # right after the token, before any write
            binding = {k: v for k, v in setup.store.meta().items() if k in (ORG_KEY, CONNECTION_KEY)}
            outcome = await drive(client, setup, waves, wave_pass(client, kw, stopper), stopper)
            setup.store.close()
        return await waves_outcome(client, setup, outcome, kw, binding, stopper)


def wave_pass(client: GenesysClient, kw: dict[str, Any], stopper: Stopper) -> RunPass:
    """One wave's pass (or the rollback's): ``run_pass`` over the users given, late items held or not."""

    async def one(setup: JobSetup, users: list[str] | None, hold: bool) -> dict[str, Any]:
        return await run_pass(client, setup, kw, stopper, only_users=users, hold_late_items=hold)

    return one


async def waves_outcome(client: GenesysClient, setup: JobSetup, outcome: WavesOutcome, kw: dict[str, Any], binding: dict[str, Any], stopper: Stopper) -> int:
    """After the waves (the job's lock released): stopped (6, resumable: a watch cut short carries
    on), breached (13, after the rollback when asked), or through every wave (the last pass's outcome)."""
    job, state_dir = setup.job_id, str(setup.paths.root.parent)
    as_json = kw.get("json_summary", False)
    if outcome.breached:
        rolled = outcome.state.plan.rollback
        if not as_json:
            announce_breach(outcome.state)  # before the rollback's own lines
        undone = await roll_back(client, setup.paths.root, wave_pass(client, kw, stopper), binding) if rolled else None
        return breach_exit(outcome.state, undone, rolled=rolled, job=job, as_json=as_json, announced=True)
    summary = outcome.summary if outcome.summary is not None else _last_summary(setup)
    if outcome.stopped:
        state = outcome.state
        click.echo(
            f"stopped in wave {state.wave + 1} of {len(state.plan.shares)} ({state.phase}); `bulkops resume {job}{state_dir_flag(state_dir)}` carries on"
        )
        return exitcodes.ABORTED
    if summary is None:
        return exitcodes.OK
    return report_outcome(summary, as_json=as_json)


def _last_summary(setup: JobSetup) -> dict[str, Any] | None:
    path = setup.paths.summary
    return orjson.loads(path.read_bytes()) if path.exists() else None


def nightly_job(opened: CheckedSpec, state_dir: str) -> str:
    """The name of the spec's next job (``jobhistory.next_job_name``); exit 14 with the ``resume``
    command when its previous job did not finish: nothing is read from the org or sent."""
    try:
        return next_job_name(state_dir, opened.path, job_id_for(opened.spec))
    except UnfinishedJobError as exc:
        opened.staged.close()
        opened.store.close()
        fail(
            f"{exc}; nothing was sent",
            exitcodes.UNFINISHED,
            f"bulkops resume {exc.entry.job_id} --state-dir {shlex.quote(state_dir)}",
        )


def windowed_outcome(windowed: WindowedRun | None, summary: dict[str, Any] | None, job: str, state_dir: str, kw: dict[str, Any]) -> int:
    """The pass's outcome; in a change window, with the next opening and the windowed ``resume`` when work is left."""
    if summary is None:  # stopped while waiting for the first opening
        return stopped_waiting(f"nothing was written; `{windowed.resume_command(job, state_dir)}` carries on" if windowed else "nothing was written")
    code = report_outcome(summary, as_json=kw.get("json_summary", False))
    if windowed is not None and code == exitcodes.ABORTED and not kw.get("json_summary"):
        windowed.next_steps(job, state_dir)
    return code


def _already_finished(job: str, state_dir: str, account: JobAccount) -> int:
    outcomes = ", ".join(f"{k} {v}" for k, v in account.users.items())
    click.echo(f"job {job} has no users left to handle ({outcomes}; {account.total} in all): nothing to resume")
    click.echo(status_headline(f"status: {account.status}", account.state))
    if account.state == "finished":
        where = state_dir_flag(state_dir)
        click.echo(
            f"next: {account.need_look} need a look: `bulkops reconcile list {job}{where}`, then `bulkops reconcile retry {job}{where}`; "
            f"side by side in {reconciliation_link(Path(state_dir) / job)}"
        )
    return exit_code_of_state(account.state)


@click.command()
@click.argument("job", required=False, shell_complete=complete_job_names)
@state_dir_option
@click.option("--spec", "spec", type=click.Path(dir_okay=False), default=None, help="Without JOB: list only the jobs of this spec file.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@handles_errors
def status(job: str | None, state_dir: str, as_json: bool, spec: str | None = None, log_level: str = "warning") -> None:
    """Where JOB stands: users per outcome, live figures while it runs, the last summary.

    Without JOB, lists the jobs under --state-dir (with --spec, that spec's jobs), newest
    first: each job's name, state, when it was created and its spec.
    """
    if job is None:
        _list_jobs(list_jobs(state_dir, spec_path=spec), state_dir, spec, as_json=as_json)
        return
    setup = open_job(state_dir, job, check_spec=False)
    store = setup.store
    meta = store.meta()
    account = read_account(store, setup.paths)  # what every view of the job shows
    summary_path = setup.paths.summary
    last: dict[str, Any] | None = orjson.loads(summary_path.read_bytes()) if summary_path.exists() else None
    who = holder(setup.paths.root)  # the OS lock, not a flag a killed process could not clear
    # The parts the text below reads are kept typed; ``info`` is only what --json prints.
    users = dict(account.users) | {"total": account.total}
    total = RequestTotal.from_dict(meta.get(TOTAL_KEY))  # every pass's requests, set-up included
    job_requests = {"requests": total.requests, "passes": total.passes} if total.passes else None
    live: dict[str, Any] | None = meta.get("live") if who is not None else None
    interrupted = bool(meta.get("running")) and who is None
    last_run = last.get("run_id") if last else None
    results_current = bool(last) and meta.get("results_for") == last_run
    shown = last | account_fields(account) if last else None  # its pass's figures, the job's account
    steps = _next_step(job, state_dir, account, running=who is not None, results_current=results_current)
    waves = waves_status(setup.paths.root, meta)
    if waves is not None and waves["phase"] == "breached" and who is None:  # resume refuses it: say what does apply
        steps = [step for step in steps if "bulkops resume" not in step] + [breached_step(job, state_dir_flag(state_dir), waves)]
    info = {
        "job_id": job,
        "status": account.status,
        "account": account.to_json(),
        "spec": meta.get("spec_path"),
        "mode": meta.get("mode"),
        "org": meta.get("org"),  # where the job runs (#28 §1); none for a job made before jobs recorded it
        "connection": meta.get("connection"),
        "users": users,
        "users_read": meta.get("users_read"),
        "requests_total": job_requests,
        "running": meta.get("running") if who is not None else None,
        "holder": who,
        "interrupted": interrupted,
        "live": live,
        "last_summary": shown,
        "results_current": results_current,
        "next": steps,
        "waves": waves,  # a run in waves (#31 §3): its wave and last readings
    }
    if as_json:
        click.echo(orjson.dumps(info, option=orjson.OPT_INDENT_2).decode())
        return
    _echo_status(info, account)


def _echo_status(info: dict[str, Any], account: JobAccount) -> None:
    """``status`` in words: what ``--json`` prints, headed by the job's account."""
    echo_safe(f"job {info['job_id']}  spec {info['spec']}  mode {info['mode']}")
    if (org := info["org"]) is not None:
        echo_safe(f"org {org.get('name')!r} (id {org.get('id')})" + (f" at {info['connection'].get('base_url')}" if info["connection"] else ""))
    click.echo(status_headline(f"status: {account.status}", account.state))
    click.echo("users:   " + "  ".join(f"{k} {v}" for k, v in info["users"].items()))
    for line in account_lines(account.to_json()):
        click.echo(line)
    if total := info["requests_total"]:
        click.echo(f"requests: {total['requests']} in {total['passes']} pass(es) of this job, set-up included")
    if (who := info["holder"]) is not None:
        line = f"running: pid {who.get('pid', '?')} on {who.get('host', '?')} since {who.get('since', '?')}"
        if live := info["live"]:
            age = time.time() - live["at"]
            line += f"; run {live['run_id']}: {live['handled']} users handled, {live['requests']} requests, {live['rps']} req/s (as of {age:.0f}s ago)"
        click.echo(line)
    else:
        if info["interrupted"]:
            click.echo("interrupted: the last pass ended without finishing (killed, or its disk was full)")
        if shown := info["last_summary"]:
            click.echo("last run:")
            click.echo("  " + escaped_lines(render_summary(shown)).replace("\n", "\n  "))
    if info["waves"] is not None:
        for line in waves_status_lines(info["waves"]):
            echo_safe(line)
    for step in info["next"]:
        click.echo(f"next: {step}")


def _next_step(job: str, state_dir: str, account: JobAccount, *, running: bool, results_current: bool) -> list[str]:
    """The command that moves each user on: every user not applied, unchanged or dropped has one."""
    if running:
        return []
    where = state_dir_flag(state_dir)
    steps = []
    if account.open_work:
        steps.append(f"{account.open_work} users or items still to handle: `bulkops resume {job}{where}`")
    if account.need_look:
        steps.append(
            f"{account.need_look} need a look: `bulkops reconcile list {job}{where}`, then `bulkops reconcile retry {job}{where}`; "
            f"side by side in {reconciliation_link(Path(state_dir) / job)}"
        )
    if not results_current:
        steps.append(f"the result files do not match the last pass (cut short?): `bulkops report {job}{where}` writes them again")
    return steps


def reconciliation_link(job_root: Path) -> str:
    """The report's reconciliation section, as a link a terminal or a browser opens."""
    return f"{(job_root / 'results' / 'report.html').absolute().as_uri()}#reconciliation"


def _list_jobs(entries: list[JobEntry], state_dir: str, spec: str | None, *, as_json: bool) -> None:
    """``status`` without a job: one line a job, newest first."""
    if as_json:
        rows = [
            {"job_id": e.job_id, "state": e.state, "status": e.status, "created": _utc(e.created), "spec": e.spec_path, "undo_of": e.undo_of} for e in entries
        ]
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    if not entries:
        click.echo(f"no jobs of {spec} under {state_dir}" if spec else f"no jobs under {state_dir}")
        return
    width = max(len(e.job_id) for e in entries)
    for e in entries:
        echo_safe(f"{e.job_id:<{width}}  {_utc(e.created)}  {e.status}  {e.spec_path or ''}")


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
