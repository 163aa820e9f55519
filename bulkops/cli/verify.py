"""``bulkops verify JOB``: the job's writes against the platform's own audit trail."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from bulkops.cli.support import exitcodes
from bulkops.cli.support.binding import bind_org, job_client_config
from bulkops.cli.support.common import Stopper, complete_job_names, connection_options, handles_errors, run_async, state_dir_flag, state_dir_option
from bulkops.client import GenesysClient
from bulkops.client.serverclock import describe_skew
from bulkops.domain.verification import CONFIRMED, Finding, Verification
from bulkops.engine.setup.job import open_job
from bulkops.engine.verify.otherjobs import other_jobs
from bulkops.engine.verify.verifyjob import CLOCK_SKEWS, DEFAULT_MARGIN, JobWrites, read_job_writes
from bulkops.engine.verify.verifyrun import REAL_AUDIT_LAG, SERVICES, Pending, VerifyOptions, verify_job
from bulkops.errors import ConfigError
from bulkops.report.verification import FILE_NAME, say
from bulkops.state.joblock import JobLock
from bulkops.state.layout import write_private

T = TypeVar("T")


@click.command()
@click.argument("job", shell_complete=complete_job_names)
@connection_options
@state_dir_option
@click.option(
    "--audit-lag",
    type=click.FloatRange(min=0),
    default=REAL_AUDIT_LAG,
    show_default=True,
    envvar="BULKOPS_AUDIT_LAG",
    help="Seconds the platform's audit may trail a write (a conservative guess for a real org; the simulator's is its audit_delay_seconds). [env BULKOPS_AUDIT_LAG]",
)
@click.option("--wait", "wait_", is_flag=True, help="Wait (up to --timeout) for the platform's audit to cover the job, instead of exiting 11.")
@click.option("--timeout", type=click.FloatRange(1, 86400), default=1800, show_default=True, help="With --wait: seconds verify may wait in all.")
@click.option(
    "--margin", type=click.FloatRange(0, 3600), default=DEFAULT_MARGIN, show_default=True, help="Seconds read before each pass and after its last line."
)
@click.option(
    "--query-timeout",
    type=click.FloatRange(1, 3600),
    default=300,
    show_default=True,
    help="Seconds one audit query may take, submit to done; one still running then ends verify with 11 (try again later).",
)
@click.option("--oauth-client", metavar="ID", help="The OAuth client whose writes to look for (default: the one the job recorded, else the one in use now).")
@click.option("--json", "as_json", is_flag=True, help="Print the verification record (verification.json) instead of text.")
@handles_errors
def verify(
    job: str,
    state_dir: str,
    audit_lag: float,
    wait_: bool,
    timeout: float,
    margin: float,
    query_timeout: float,
    oauth_client: str | None,
    as_json: bool,
    **kw: Any,
) -> None:
    """Check JOB against the platform's own audit trail (read with `audits:audit:view`).

    \b
    Per user (and item): confirmed  every write the job recorded is in the platform's audit
                         missing    the job recorded a write the platform does not have
                         unexpected the platform records a write by this OAuth client in the
                                    job's window that the job does not know of (a write another
                                    job of the state folder recorded is named as that job's)
    Writes <state-dir>/<job>/verification.json and a Verification section in the report.
    Exit 0 verified, 10 not verified, 11 the platform's audit does not cover the job yet (or a
    query did not finish within --query-timeout). Times are compared on the API's clock (its
    Date header), so a machine whose clock is off neither waits for nothing nor reads the wrong window.
    """
    setup = open_job(state_dir, job, check_spec=False)
    config = job_client_config(kw, setup.store, job)  # where the job ran, unless told otherwise
    with JobLock(setup.paths.root):  # a running pass is refused (BUSY); none starts while this reads
        store = setup.store
        client_id = oauth_client or store.get("client_id") or config.client_id or None
        # A job run through a pool of OAuth clients wrote through each of them: read each one's audit.
        pool = [] if oauth_client else [c for c in store.get("pool_client_ids") or () if c != client_id]
        clients = (client_id, *pool) if client_id else ()
        if not client_id:
            raise ConfigError("the job does not record its OAuth client and the credentials in use name none (a ready access token): pass --oauth-client ID")
        writes = read_job_writes(setup.paths.audit, created=store.get("created"), margin=margin, skews=store.get(CLOCK_SKEWS))
        others = other_jobs(state_dir, job, clients, created=store.get("created"), margin=margin)  # their writes are theirs (#27 §9)
        names: Mapping[str, str] = store.get("names") or {}
        options = VerifyOptions(audit_lag=audit_lag, wait=wait_, timeout=timeout, query_timeout=query_timeout)

        async def main(stopper: Stopper) -> int:
            async with GenesysClient(config) as client:
                await bind_org(client, store, job, record=False)  # reads only: another org's audit is refused, not read
                if wait_:
                    click.echo(f"waiting up to {timeout:g} s for the platform's audit to cover job {job} (Ctrl-C or SIGTERM stops)", err=True)
                result = await unless_stopped(verify_job(client, writes, clients, options, others=others), stopper)
            if result is None:
                click.echo("stopped before the platform's audit was read in full: nothing was verified, nothing written", err=True)
                click.echo(f"next: `bulkops verify {job}{state_dir_flag(state_dir)}` again", err=True)
                return exitcodes.AUDIT_PENDING
            if client.server_clock.off:  # said on stderr: --json's stdout stays one document
                click.echo(f"note: {describe_skew(client.server_clock.skew or 0.0)}", err=True)
            if isinstance(result, Pending):
                return _pending(job + state_dir_flag(state_dir), result, as_json)
            record = _record(job, result, writes, options, names)
            _save(setup.paths.root / FILE_NAME, record)
            _refresh_report(setup.paths)
            if as_json:
                click.echo(orjson.dumps(record, option=orjson.OPT_INDENT_2).decode())
            else:
                _print(job, result, writes, names, setup.paths.root / FILE_NAME)
            return exitcodes.OK if result.verified else exitcodes.NOT_VERIFIED

        code = run_async(main)
        store.close()
    sys.exit(code)


async def unless_stopped(work: Awaitable[T], stopper: Stopper) -> T | None:
    """``work``'s result, or None as soon as a signal asks to stop: verify writes nothing, so the
    first Ctrl-C or SIGTERM ends it at once, even in --wait's sleep (#28 §5)."""
    task = asyncio.ensure_future(work)
    stopper.notice = "stopping verify (it writes nothing)"
    stopper.attach(lambda: None if task.cancel() else None)
    try:
        return await task
    except asyncio.CancelledError:
        if stopper.requested and task.cancelled():
            return None
        raise


def _record(job: str, v: Verification, writes: JobWrites, options: VerifyOptions, names: Mapping[str, str]) -> dict[str, Any]:
    """verification.json: the verdict, and the names of what its findings name (people read names)."""
    apart = (*v.elsewhere, *v.other_jobs)
    seen = {f.entity_id for o in v.owners for f in (*o.missing, *o.unexpected)} | {f.entity_id for f in apart}
    seen |= {t.partition(":")[2] or t for o in v.owners for f in (*o.missing, *o.unexpected) for t in f.what}
    seen |= {t.partition(":")[2] or t for f in apart for t in f.what}
    return {
        "job_id": job,
        "verified_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **v.to_json(),
        "services": list(v.extra.get("services_queried") or SERVICES),  # chosen from the platform's service mapping
        "audit_lag": options.audit_lag,
        "runs": list(writes.runs),
        "labels": {o: writes.labels.get(o, o) for o in writes.owners},
        "names": {i: names[i] for i in sorted(seen) if i in names},
        "owners_total": len(writes.owners),
        "bad_lines": writes.bad_lines,
    }


def _save(path: Path, record: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write_private(tmp, orjson.dumps(record, option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)


def _refresh_report(paths: Any) -> None:
    """The report page shows the verification: written again when the job has one."""
    from bulkops.report.files import REPORT, write_report

    if (paths.results / REPORT).exists():
        try:
            write_report(paths)
        except Exception as exc:  # noqa: BLE001 - the verification stands whatever the page does
            click.echo(f"note: report.html not refreshed: {exc}", err=True)


def _pending(job: str, p: Pending, as_json: bool) -> int:
    """``p.wait`` was measured on the API's clock; the time shown is this machine's, when it is to run again."""
    wait = max(0, int(p.wait + 0.999))
    if as_json:
        click.echo(orjson.dumps({"available": False, "ready_at": p.ready_at, "wait_seconds": wait, "reason": p.reason}, option=orjson.OPT_INDENT_2).decode())
    else:
        at = time.strftime("%H:%M:%SZ", time.gmtime(time.time() + wait))
        click.echo(f"not yet available: {p.reason}.")
        click.echo(f"next: wait {wait} s (until {at}), then `bulkops verify {job}` again, or add --wait")
    return exitcodes.AUDIT_PENDING


def _finding(f: Finding, names: Mapping[str, str], labels: Mapping[str, str]) -> str:
    entity = labels.get(f.entity_id) or names.get(f.entity_id) or f.name or f.entity_id
    what = ", ".join(say(t, names) for t in f.what)
    return f"{f.op} on {entity}" + (f" ({what})" if what else "")


def _print(job: str, v: Verification, writes: JobWrites, names: Mapping[str, str], path: Path) -> None:
    labels = {**names, **writes.labels}
    counts = v.counts()
    windows = ", ".join(f"{_when(w.start)} to {_when(w.end)}" for w in v.windows) or "none"
    click.echo(f"verify {job}: {v.messages} message(s) in the platform's audit by OAuth client {v.client_id} ({windows})")
    for status, n in counts.items():
        if n:
            click.echo(f"  {status:<20} {n}")
    for o in v.owners:
        if o.status == CONFIRMED:
            continue
        parts = [f"missing {_finding(f, names, labels)}" for f in o.missing] + [f"unexpected {_finding(f, names, labels)}" for f in o.unexpected]
        click.echo(f"{labels.get(o.owner, o.owner)}: " + "; ".join(parts))
    for f in v.elsewhere:
        click.echo(f"(not in the job) unexpected {_finding(f, names, labels)}")
    for f in v.other_jobs:
        click.echo(f"written by job {f.job}: {_finding(f, names, labels)}")
    if v.verified:
        theirs = " but the other jobs' writes named above" if v.other_jobs else ""
        click.echo(f"verified: every write the job recorded is in the platform's audit, and nothing else by this client{theirs} ({path})")
    else:
        bad = len(v.owners) - counts[CONFIRMED]
        elsewhere = f", {len(v.elsewhere)} write(s) by this client on what the job never named" if v.elsewhere else ""
        click.echo(f"not verified: {bad} user(s)/item(s) to look at{elsewhere}; details in {path}")


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
