"""What a run calls when it ends (finished, stopped or dying): files, then the webhook.

Nothing here may change how the run ends: every failure is logged and swallowed, and the
webhook is bounded by its own retry budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import structlog

from bulkops.engine.account import read_account
from bulkops.engine.run.execute import AfterPass
from bulkops.engine.summary import account_fields, write_summary
from bulkops.report.webhook import LOG_NAME, WebhookConfig, build_payload, send_webhook
from bulkops.state.layout import RunPaths
from bulkops.state.store import RunStore

if TYPE_CHECKING:
    from bulkops.report.files import ResultFiles
    from bulkops.report.results import Names

log = structlog.get_logger("bulkops.report")


@dataclass(frozen=True, slots=True)
class AfterRun:
    results: ResultFiles | None
    report: Path | None
    webhook_delivered: bool | None  # None: no webhook configured


def write_run_files(paths: RunPaths, *, store: RunStore | None = None, names: Names | None = None) -> tuple[ResultFiles | None, Path | None]:
    """Result CSVs, retry spec and report.html from one read of the job folder; (None, None) on failure.

    The page and the files are written when a pass ends: their modules are imported here, so
    ``bulkops run`` does not import them before its first write (#29 §5)."""
    from bulkops.report.files import write_report, write_results
    from bulkops.report.load import load_job

    try:
        data = load_job(paths, store=store)
        if names is None and store is not None:
            names = store.get("names")  # the catalogue set-up read: names, not ids, in the files
        results = write_results(paths, names=names, data=data)
        report = write_report(paths, data=data, changes=results.changes)  # counted in the results' read
        return results, report
    except Exception as exc:  # noqa: BLE001 - the run's outcome stands whatever the report does
        log.warning("results.not_written", folder=str(paths.results), error=f"{type(exc).__name__}: {exc}")
        return None, None


async def finish_run(
    paths: RunPaths,
    summary: Mapping[str, Any] | None,
    *,
    store: RunStore | None = None,
    webhook: WebhookConfig | None = None,
    error: BaseException | str | None = None,
    job_id: str | None = None,
    run_id: str | None = None,
    names: Names | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AfterRun:
    """Call once per pass, after ``write_summary`` (``summary`` given), or when the pass raised (``summary=None``, ``error``)."""
    results, report = write_run_files(paths, store=store, names=names)
    if webhook is None:
        return AfterRun(results, report, None)
    files = dict(results.files) if results else {}
    if report:
        files["report.html"] = report
    counts = None
    if summary is None and store is not None:
        try:
            counts = store.counts() | {"total": store.total()}
        except Exception:  # noqa: BLE001
            counts = None
    payload = build_payload(
        summary,
        job_id=job_id or paths.root.name,
        run_id=run_id,
        job_dir=paths.root,
        results=files,
        counts=counts,
        error=None if error is None else (error if isinstance(error, str) else f"{type(error).__name__}: {error}"),
    )
    delivered = await send_webhook(webhook.url, webhook.secret, payload, log_path=paths.root / LOG_NAME, sleep=sleep, allow_private=webhook.allow_private)
    return AfterRun(results, report, delivered)


def refresh_job_files(paths: RunPaths, store: RunStore) -> ResultFiles | None:
    """After the account changed outside a pass (``reconcile drop``): summary.json's account fields,
    the result files and report.html rewritten from it, so every view says what ``status`` says.
    The caller holds the job's lock; None when the files could not be written."""
    account = read_account(store, paths)
    if paths.summary.exists():
        summary = orjson.loads(paths.summary.read_bytes())
        write_summary(summary | account_fields(account), paths.summary)
    results, _ = write_run_files(paths, store=store)
    if results is not None and paths.summary.exists():
        store.set(results_for=orjson.loads(paths.summary.read_bytes()).get("run_id"))  # `status`: the files match the last pass
    return results


def after_pass(webhook: WebhookConfig | None) -> AfterPass:
    """The engine's end-of-pass hook: result files, report, then the webhook (if configured)."""

    async def hook(paths: RunPaths, summary: Mapping[str, Any], *, store: RunStore, error: BaseException | None, run_id: str) -> bool:
        after = await finish_run(paths, summary, store=store, webhook=webhook, error=error, run_id=run_id)
        return after.results is not None

    return hook
