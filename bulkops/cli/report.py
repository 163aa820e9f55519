"""``bulkops report JOB``: the morning-after page, and the result files beside the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import orjson

from bulkops.cli.support.common import F, handles_errors, state_dir_option
from bulkops.engine.setup.job import open_job
from bulkops.errors import StateError
from bulkops.report.webhook import ENV_ALLOW_PRIVATE, ENV_SECRET, ENV_URL, WebhookConfig


def webhook_option(fn: F) -> F:
    """``--webhook URL`` and ``--webhook-allow-private`` for ``run``/``resume``/``reconcile retry``; read them with ``webhook_config(kw)``."""
    fn = click.option(
        "--webhook-allow-private",
        is_flag=True,
        envvar=ENV_ALLOW_PRIVATE,
        help="Let the webhook reach private, link-local and metadata addresses (10/8, 169.254/16, fc00::/7, ...), "
        f"by IP or by what its host name resolves to; refused otherwise. [env {ENV_ALLOW_PRIVATE}]",
    )(fn)
    return click.option(
        "--webhook",
        envvar=ENV_URL,
        help=f"POST a signed JSON summary here when the pass ends or stops (https, or http on loopback; "
        f"Standard Webhooks signature). Secret in {ENV_SECRET}. A failed webhook never fails the run. [env {ENV_URL}]",
    )(fn)


def webhook_config(kw: dict[str, Any]) -> WebhookConfig | None:
    """Checked before the run starts: a bad or private URL or a missing secret is a ConfigError (exit 5)."""
    return WebhookConfig.resolve(kw.get("webhook"), allow_private=bool(kw.get("webhook_allow_private")))


@click.command()
@click.argument("job")
@state_dir_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the HTML page. Default: <state-dir>/<job>/results/report.html.")
@click.option("--run", "run_id", help="The run to chart (default: the last summary's run). The outcome tables always cover the whole job.")
@click.option(
    "--names",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON object of org id -> name, to show skills, languages and queues by name in the CSVs.",
)
@click.option("--no-results", is_flag=True, help="Write only the HTML page, not the CSVs and retry spec.")
@handles_errors
def report(job: str, state_dir: str, out: Path | None, run_id: str | None, names: Path | None, no_results: bool) -> None:
    """Write JOB's report: one self-contained HTML page, and the result files.

    \b
    The page (no network needed to open it): summary figures, outcomes, requests/s
    against the configured limit, 409s over time, latency, the slowest and most
    retried users, the reconciliation queue. The files, in <job>/results/:
      applied.csv unchanged.csv failed.csv reconciliation.csv unprocessed.csv
      retry-spec.jsonl   failed + reconciliation users as a job spec:
                         `bulkops run <job>/results/retry-spec.jsonl`
    """
    # This command's own modules: `run` imports this one for --webhook, and needs neither before its first write.
    from bulkops.report.files import write_report, write_results
    from bulkops.report.load import load_job

    setup = open_job(state_dir, job, check_spec=False)
    try:
        data = load_job(setup.paths, store=setup.store)
        if run_id is not None and run_id not in data.run_ids:
            raise StateError(f"job {job} has no run {run_id!r} in its audit log; runs: {', '.join(data.run_ids) or 'none'}")
        changes = None
        if not no_results:
            name_map = orjson.loads(names.read_bytes()) if names else setup.store.get("names")
            if name_map is not None and not isinstance(name_map, dict):
                raise StateError(f"{names} must hold a JSON object of id -> name")
            written = write_results(setup.paths, names=name_map, data=data)
            changes = written.changes  # what changed in the org, counted in the same read
            for name, path in written.files.items():
                click.echo(f"{path}  ({written.rows[name]} users)")
            if setup.paths.summary.exists():  # `status` then knows the files match the last pass
                setup.store.set(results_for=orjson.loads(setup.paths.summary.read_bytes()).get("run_id"))
        page = write_report(setup.paths, out, run_id=run_id, data=data, changes=changes)
    finally:
        setup.store.close()
    click.echo(f"report: {page}")
