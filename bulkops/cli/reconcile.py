"""``bulkops reconcile list|show|retry|drop``: the users a person must look at."""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from bulkops.cli.jobs import status_headline
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
    state_dir_flag,
    state_dir_option,
)
from bulkops.client import GenesysClient
from bulkops.domain.guard import HeldBack
from bulkops.domain.itemguard import HeldPart
from bulkops.engine.account import read_account
from bulkops.engine.setup.job import open_job
from bulkops.engine.undo.undoview import describe_held
from bulkops.errors import StateError
from bulkops.kinds.registry import kinds
from bulkops.report.hooks import refresh_job_files
from bulkops.state.joblock import JobLock
from bulkops.state.reconciliation import ReconciliationQueue


@click.group()
def reconcile() -> None:
    """Work on a job's reconciliation queue: users that kept conflicting (409) or failed.

    \b
    bulkops reconcile list JOB            what is waiting, and why
    bulkops reconcile show JOB USER       one entry whole: intended change, last state seen, error
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
    """List the open entries of JOB's reconciliation queue."""
    setup, queue = _queue(state_dir, job)
    entries = queue.entries()
    if as_json:
        click.echo(orjson.dumps(list(entries.values()), option=orjson.OPT_INDENT_2).decode())
        return
    names = setup.store.get("names") or {}
    if not entries:
        click.echo(f"the reconciliation queue of {job} is empty")
        return
    for uid, e in entries.items():
        err = e.get("error") or {}
        code = f" [{err.get('status')} {err.get('code')}]" if err else ""
        echo_safe(f"{e.get('email') or uid}  {e.get('outcome')}: {e.get('reason')}{code}  attempts {e.get('attempts')}")
        for held in e.get("held_back") or ():  # an undo's: what someone changed since the undone job
            echo_safe(f"    held back {describe_held(HeldBack.from_json(held), names)}")
        for part in (e.get("last_state") or {}).get("heldBack") or ():  # an undo item's parts, likewise
            echo_safe(f"    held back {HeldPart.from_json(part).describe()}")
    where = state_dir_flag(state_dir)  # a command that works when copied
    click.echo(f"{len(entries)} open; `bulkops reconcile retry {job}{where}` runs them again, `bulkops reconcile show {job} USER{where}` shows one")


@reconcile.command()
@click.argument("job")
@click.argument("user")
@state_dir_option
@handles_errors
def show(job: str, user: str, state_dir: str) -> None:
    """Show USER's entry (by email or id): intended change, last state seen, the error."""
    _, queue = _queue(state_dir, job)
    entries = queue.entries()
    (uid,) = _pick(entries, (user,))
    click.echo(orjson.dumps(entries[uid], option=orjson.OPT_INDENT_2).decode())


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
