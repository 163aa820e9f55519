"""One pass of a job, start to summary: what ``run``, ``resume``, ``reconcile retry`` and ``demo`` share."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

import structlog

from bulkops.client.api import GenesysClient
from bulkops.client.connect.pool import ClientPool
from bulkops.client.requestkind import STATE_READS, request_kind
from bulkops.engine.run.counters import RunCounters
from bulkops.engine.run.options import RunOptions
from bulkops.engine.run.passfigures import record_pass_figures
from bulkops.engine.run.queues import QueueMembership
from bulkops.engine.run.requesttotal import record_pass
from bulkops.engine.run.runner import Engine
from bulkops.engine.setup.job import JobSetup, new_run_id
from bulkops.engine.summary import build_summary, client_figures, write_summary
from bulkops.engine.verify.verifyjob import record_skew
from bulkops.errors import BulkopsError, PassFailed
from bulkops.state.joblock import JobLock
from bulkops.state.layout import RunPaths
from bulkops.state.store import RunStore

log = structlog.get_logger("bulkops.engine")
T = TypeVar("T")


class AfterPass(Protocol):
    """What runs when a pass ends, finished or not: True when the result files were written."""

    async def __call__(self, paths: RunPaths, summary: Mapping[str, Any], *, store: RunStore, error: BaseException | None, run_id: str) -> bool: ...


LIVE_EVERY = 2.0  # seconds between live figures written for `bulkops status`


async def execute(
    client: GenesysClient,
    setup: JobSetup,
    *,
    options: RunOptions,
    on_progress: Callable[[RunCounters], None] | None = None,
    on_engine: Callable[[Engine], None] | None = None,
    only_users: list[str] | None = None,
    after_pass: AfterPass | None = None,
    pool: ClientPool | None = None,
    hold_late_items: bool = False,
) -> dict[str, Any]:
    """Run one pass; then write the summary and call ``after_pass`` (the report layer's result
    files, report and webhook, wired in by the CLI: the engine does not depend on it).

    ``pool``: the OAuth clients to write through, ``client`` first (``client.pool``); without it,
    the pool ``client``'s config names (``ClientConfig.pool``), opened for this pass, or ``client``
    alone. Every figure counts every client's requests; the summary has each client's own.

    A pass that meets a fatal error does all of that too, as for a stopped pass, then raises
    ``PassFailed`` carrying the cause (which decides the exit code) and the job's id.
    ``hold_late_items``: a wave before the last keeps the job's late items (skill deletes) open."""
    with JobLock(setup.paths.root):  # first: a second process of this job changes nothing
        if pool is not None or not client.config.pool:
            pool = pool if pool is not None else ClientPool([client])
            return await _execute(
                pool, setup, options=options, on_progress=on_progress, on_engine=on_engine, only_users=only_users, after_pass=after_pass, hold=hold_late_items
            )
        async with ClientPool.around(client, client.config.pool) as opened:  # the configured pool's other clients, for this pass
            return await _execute(
                opened, setup, options=options, on_progress=on_progress, on_engine=on_engine, only_users=only_users, after_pass=after_pass, hold=hold_late_items
            )


async def _execute(
    pool: ClientPool,
    setup: JobSetup,
    *,
    options: RunOptions,
    on_progress: Callable[[RunCounters], None] | None,
    on_engine: Callable[[Engine], None] | None,
    only_users: list[str] | None,
    after_pass: AfterPass | None,
    hold: bool = False,
) -> dict[str, Any]:
    store = setup.store
    run_id = new_run_id()
    client = pool.primary
    try:
        queues = store.get("queues") or []
        # A queue an earlier pass read is read again, whatever it costs: every user's line then records
        # its membership before, so the job's undo restores it (a blind pass's could not).
        read_before = store.get("queues_read") or []
        asks = store.queue_asks() if queues else {}
        membership = await QueueMembership.load(pool.lane(None), queues, asks, read=read_before, known=store.get("queue_member_counts"))
        if set(membership.members) - set(read_before):
            store.set(queues_read=sorted(set(read_before) | set(membership.members)))
    except BulkopsError as exc:  # nothing was written yet: name the job and the way on, no summary to keep
        raise PassFailed(exc, job_id=setup.job_id, state_dir=str(setup.paths.root.parent)) from exc
    last_live = 0.0

    def progress(counters: RunCounters) -> None:
        nonlocal last_live
        if on_progress:
            on_progress(counters)
        now = time.monotonic()
        if now - last_live >= LIVE_EVERY:
            last_live = now
            elapsed = now - counters.started
            store.set(
                live={
                    "run_id": run_id,
                    "handled": counters.handled,
                    "outcomes": dict(counters.outcomes),
                    "requests": pool.requests,
                    "elapsed_s": round(elapsed, 1),
                    "rps": round(pool.requests / elapsed, 2) if elapsed else 0,
                    "at": time.time(),
                }
            )

    engine = Engine(
        client=client,
        store=store,
        paths=setup.paths,
        run_id=run_id,
        membership=membership,
        options=options,
        on_progress=progress,
        only_users=only_users,
        pool=pool,
        hold_late_items=hold,
    )
    if on_engine:
        on_engine(engine)
    store.set(running=run_id)
    try:
        # The listing (or the id fetches) of the pass reads state; the workers and the queue
        # batcher label their own requests (writes, re-reads, queue batches).
        with request_kind(STATE_READS):
            result = await engine.run()
    finally:
        _quietly(lambda: store.set(running=None, live=None))
    _quietly(
        lambda: record_skew(store, run_id, client.server_clock.correction if client.server_clock.skew is not None else None)
    )  # verify reads this pass's times in the API's clock
    if pool.pooled:  # every client that may have written for the job, for whoever reads its audit
        _quietly(
            lambda: store.set(
                pool_client_ids=sorted({*(store.get("pool_client_ids") or []), *(c.config.client_id for c in pool.clients if c.config.client_id)})
            )
        )
    stats = pool.stats()  # every client's requests, set-up's included
    job_total = _quietly(lambda: record_pass(store, stats))
    summary = build_summary(
        store=store,
        result=result,
        stats=stats,
        rps=pool.rps if pool.pooled else client.config.rps,
        paths=setup.paths,
        run_id=run_id,
        governor=pool.rate if pool.pooled else client.governor,
        job_total=job_total,
        clients=client_figures(pool) if pool.pooled else None,
    )
    if result.error is not None:
        summary["error"] = f"{type(result.error).__name__}: {result.error}"
    _quietly(lambda: record_pass_figures(store, summary))  # the job's account adds every pass's up
    _quietly(lambda: write_summary(summary, setup.paths.summary))
    _quietly(store.compact_if_sparse)  # the set-up states the pass used up: give their space back
    if after_pass is not None and await after_pass(setup.paths, summary, store=store, error=result.error, run_id=run_id):
        # `status` compares this with the last summary: result files a kill cut short are named.
        _quietly(lambda: store.set(results_for=run_id))
    if result.error is not None:
        raise PassFailed(result.error, job_id=setup.job_id, state_dir=str(setup.paths.root.parent))
    return summary


def _quietly(fn: Callable[[], T]) -> T | None:
    """After a fatal error (a full disk, say) the bookkeeping may fail too; the pass's own error is the one to report."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        log.warning("bookkeeping.failed", error=f"{type(exc).__name__}: {exc}")
        return None
