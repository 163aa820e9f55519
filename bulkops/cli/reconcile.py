"""``bulkops reconcile list|show|retry|drop``: the users a person must look at."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import click
import orjson

from bulkops.cli.jobs import reconciliation_link, status_headline
from bulkops.cli.report import webhook_option
from bulkops.cli.support.binding import bind_org, job_client_config
from bulkops.cli.support.common import (
    Stopper,
    connection_options,
    echo_safe,
    engine_options,
    handles_errors,
    pool_option,
    run_async,
    state_dir_option,
)
from bulkops.client import GenesysClient
from bulkops.domain.itemguard import HeldPart
from bulkops.engine.account import read_account
from bulkops.engine.setup.job import open_job
from bulkops.engine.undo.undoview import describe_held
from bulkops.errors import BulkopsError, StateError, WrongOrgError
from bulkops.kinds.registry import kinds
from bulkops.report.hooks import refresh_job_files
from bulkops.report.settle import JobContext, OrgNow, SettleView, by_reason, job_context, keep_org_now, settle_view, table_lines
from bulkops.state.codec import intent_to_dict
from bulkops.state.joblock import JobLock
from bulkops.state.reconciliation import ReconciliationQueue
from bulkops.state.records import ReconciliationEntry


@click.group()
def reconcile() -> None:
    """Work on a job's reconciliation queue: users that kept conflicting (409) or failed.

    \b
    bulkops reconcile list JOB            what is waiting, grouped by why
    bulkops reconcile show JOB USER       one entry side by side: wanted, last seen, the org now
    bulkops reconcile retry JOB [USER..]  run just those users again as a new pass
    bulkops reconcile drop JOB USER..     take entries off the queue (you fixed them by hand)
    """


def _queue(state_dir: str, job: str) -> tuple[Any, ReconciliationQueue]:
    setup = open_job(state_dir, job, check_spec=False)
    return setup, ReconciliationQueue(setup.paths.reconciliation)


def _pick(entries: dict[str, dict[str, Any]], refs: tuple[str, ...]) -> list[str]:
    """Users by id or email; every ref must name an open entry."""
    by_email = {(e.get("email") or "").lower(): uid for uid, e in entries.items()}
    picked = []
    for ref in refs:
        uid = ref if ref in entries else by_email.get(ref.lower())
        if uid is None:
            raise StateError(f"{ref} is not in the reconciliation queue (see `bulkops reconcile list`)")
        picked.append(uid)
    return picked


@reconcile.command("list")
@click.argument("job")
@state_dir_option
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def list_(job: str, state_dir: str, as_json: bool) -> None:
    """List the open entries of JOB's reconciliation queue, grouped by reason, in names."""
    setup, queue = _queue(state_dir, job)
    entries = queue.entries()
    if as_json:
        click.echo(orjson.dumps(list(entries.values()), option=orjson.OPT_INDENT_2).decode())
        return
    if not entries:
        click.echo(f"the reconciliation queue of {job} is empty")
        return
    typed = {name: ReconciliationEntry.from_json(raw) for name, raw in entries.items()}
    ctx = job_context(setup.store, job, state_dir, typed.values(), queue=setup.paths.reconciliation)
    views = [settle_view(e, ctx) for e in typed.values()]
    for reason, group in by_reason(views).items():
        echo_safe(f"{reason}  ({len(group)})")
        for v in group:
            _list_line(v, typed[v.key], ctx)
    where = ctx.where  # a command that works when copied
    click.echo(
        f"{len(entries)} open; `bulkops reconcile show {job} USER{where}` shows one beside what the org holds now, "
        f"`bulkops reconcile retry {job}{where}` runs them all again"
    )
    click.echo(f"next: the report lists them side by side too: {reconciliation_link(setup.paths.root)}")


def _list_line(v: SettleView, entry: ReconciliationEntry, ctx: JobContext) -> None:
    error = f" [{v.error}]" if v.error else ""
    wants = "; ".join(f"{r.what}: {r.wanted} (saw {r.seen})" for r in v.rows[:3]) + (f"; +{len(v.rows) - 3} more" if len(v.rows) > 3 else "")
    echo_safe(f"  {v.label}  {v.outcome}{error}, attempts {v.attempts}, queued {v.queued_at or 'at an unknown time'}" + (f": {wants}" if wants else ""))
    for held in entry.held_back:  # an undo's: what someone changed since the undone job
        echo_safe(f"    held back {describe_held(held, {**ctx.names, **ctx.emails})}")
    for part in (entry.last_state or {}).get("heldBack") or ():  # an undo item's parts, likewise
        echo_safe(f"    held back {HeldPart.from_json(part).describe()}")


@reconcile.command()
@click.argument("job")
@click.argument("user")
@click.option("--offline", is_flag=True, help="Do not read the org now: show what the job wanted and last saw.")
@click.option("--json", "as_json", is_flag=True, help="The raw entry, ids and all, as the queue holds it.")
@connection_options
@state_dir_option
@handles_errors
def show(job: str, user: str, state_dir: str, offline: bool, as_json: bool, **kw: Any) -> None:
    """Show USER's entry (by email or id) side by side, in names: what the job wanted, what it last
    saw and what the org holds now (read with the job's connection), and the commands that settle it."""
    setup, queue = _queue(state_dir, job)
    entries = queue.entries()
    (uid,) = _pick(entries, (user,))
    if as_json:
        click.echo(orjson.dumps(entries[uid], option=orjson.OPT_INDENT_2).decode())
        return
    entry = ReconciliationEntry.from_json(entries[uid])
    now = None if offline or entry.intent is None else _read_now(setup, job, entry, kw)
    if now is not None and (not now.error or now.read_at):  # read (a user gone is an answer too), not a failed connection
        keep_org_now(setup.paths.root, uid, now)
    ctx = job_context(setup.store, job, state_dir, [entry], queue=setup.paths.reconciliation)
    for line in show_lines(settle_view(entry, ctx, now)):
        echo_safe(line)


def _read_now(setup: Any, job: str, entry: ReconciliationEntry, kw: dict[str, Any]) -> OrgNow:
    """The org now, with the job's connection; another org is refused (exit 5), any other failure is shown."""
    from bulkops.engine.orgnow import read_org_now

    try:
        config = job_client_config(kw, setup.store, job)

        async def main() -> OrgNow:
            async with GenesysClient(config) as client:
                await bind_org(client, setup.store, job, record=False)
                seen_manager = (entry.last_state or {}).get("manager")
                intent = intent_to_dict(entry.intent) if entry.intent is not None else None
                return await read_org_now(client, entry.key, intent, also_name=[seen_manager] if seen_manager else [])

        return asyncio.run(main())  # reads only: nothing to stop gracefully
    except WrongOrgError:
        raise
    except BulkopsError as exc:
        return OrgNow({}, error=f"not read ({exc}); the other two columns still hold")


def show_lines(v: SettleView) -> list[str]:
    """The terminal's view of one entry."""
    out = [f"{v.label}: {v.outcome}, {v.reason}"]
    if v.error:
        out.append(f"  error: {v.error}")
    out.append(f"  attempts {v.attempts}, queued {v.queued_at or 'at an unknown time'} by run {v.run_id or '?'}")
    if v.now_error:
        out.append(f"  the org now: {v.now_error}")
    elif v.now_read_at:
        out.append(f"  the org read now: {v.now_read_at}")
    if v.rows:
        out.append("")
        out += ["  " + line for line in table_lines(v.rows, with_now=bool(v.now_read_at) and not v.now_error)]
    out.append("")
    out.append("settle it:")
    for what, cmd in v.commands:
        out.append(f"  {what}:")
        out.append(f"    {cmd}")
    return out


@reconcile.command()
@click.argument("job")
@click.argument("users", nargs=-1)
@click.option("--note", default="", help="Why (kept in the queue's log).")
@state_dir_option
@handles_errors
def drop(job: str, users: tuple[str, ...], note: str, state_dir: str) -> None:
    """Take USERS off the queue (e.g. you resolved them by hand in Genesys Cloud).

    A dropped entry is settled by a person: counted apart as "dropped", never as needing a
    look. summary.json, the result files and the report are rewritten to say so."""
    setup, queue = _queue(state_dir, job)
    with JobLock(setup.paths.root):  # no pass writes the queue or the files meanwhile
        for uid in _pick(queue.entries(), users):
            queue.drop(uid, note=note)
        queue.close()
        refresh_job_files(setup.paths, setup.store)
        account = read_account(setup.store, setup.paths)
    setup.store.close()
    click.echo(f"dropped {len(users)} entr{'y' if len(users) == 1 else 'ies'}")
    click.echo(status_headline(f"status: {account.status}", account.state))


@reconcile.command()
@click.argument("job")
@click.argument("users", nargs=-1)
@connection_options
@pool_option
@state_dir_option
@engine_options
@webhook_option
@handles_errors
def retry(job: str, users: tuple[str, ...], state_dir: str, **kw: Any) -> None:
    """Run the queued USERS (default: all) again as a new pass, fetching just them by id.

    Each user is re-read and its intended change re-merged onto what is there now.
    Those that succeed leave the queue; those that still fail are queued again.
    """
    from bulkops.cli.jobs import report_outcome, run_pass

    setup, queue = _queue(state_dir, job)
    entries = queue.entries()
    picked = _pick(entries, users) if users else list(entries)
    if not picked:
        click.echo(f"the reconciliation queue of {job} is empty: nothing to retry")
        return
    config = job_client_config(kw, setup.store, job)
    with JobLock(setup.paths.root):  # held from before the users are reopened to the end of the pass

        async def main(stopper: Stopper) -> int:
            async with GenesysClient(config) as client:
                await bind_org(client, setup.store, job)  # another org is refused before the queue or the org changes
                user_ids = _reopen(setup, queue, picked)
                summary = await run_pass(client, setup, kw, stopper, only_users=user_ids)
            return report_outcome(summary, as_json=kw.get("json_summary", False))

        code = run_async(main)
    sys.exit(code)


def _reopen(setup: Any, queue: ReconciliationQueue, picked: list[str]) -> list[str]:
    """Reopen the picked users and items for a new pass; the user ids among them.
    Reopened first: a kill between the two leaves them pending for `resume`, never lost.
    An item of another kind is queued as "kind:key" (a skill definition: "skill:delete:sales")."""
    pass_no = int(setup.store.get("pass") or 0) + 1
    item_keys = [(p.split(":", 1)[0], p.split(":", 1)[1]) for p in picked if p.split(":", 1)[0] in kinds()]
    user_ids = [p for p in picked if p.split(":", 1)[0] not in kinds()]
    setup.store.reopen(user_ids, pass_no)
    setup.store.reopen_items(item_keys)
    setup.store.set(**{"pass": pass_no})
    for uid in picked:
        queue.mark_retried(uid, f"pass-{pass_no}")
    queue.close()
    return user_ids
