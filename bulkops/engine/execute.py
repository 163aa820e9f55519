"""One pass of a job, start to summary: what ``run``, ``resume``, ``reconcile retry`` and ``demo`` share."""

from __future__ import annotations

import time
from typing import Any, Callable

from bulkops.client.api import GenesysClient
from bulkops.engine.counters import RunCounters
from bulkops.engine.job import JobSetup, new_run_id
from bulkops.engine.options import RunOptions
from bulkops.engine.queues import QueueMembership
from bulkops.engine.runner import Engine
from bulkops.engine.summary import build_summary, write_summary
from bulkops.report.hooks import finish_run
from bulkops.report.webhook import WebhookConfig

LIVE_EVERY = 2.0  # seconds between live figures written for `bulkops status`


async def execute(
    client: GenesysClient,
    setup: JobSetup,
    *,
    options: RunOptions,
    on_progress: Callable[[RunCounters], None] | None = None,
    on_engine: Callable[[Engine], None] | None = None,
    only_users: list[str] | None = None,
    webhook: WebhookConfig | None = None,
) -> dict[str, Any]:
    """Run one pass; then write the result files and report, and send the webhook (never failing the pass)."""
    store = setup.store
    run_id = new_run_id()
    membership = await QueueMembership.load(client, store.get("queues") or [])
    last_live = 0.0

    def progress(counters: RunCounters) -> None:
        nonlocal last_live
        if on_progress:
            on_progress(counters)
        now = time.monotonic()
        if now - last_live >= LIVE_EVERY:
            last_live = now
            elapsed = now - counters.started
            store.set(live={"run_id": run_id, "handled": counters.handled, "outcomes": dict(counters.outcomes), "requests": client.stats.requests, "elapsed_s": round(elapsed, 1), "rps": round(client.stats.requests / elapsed, 2) if elapsed else 0, "at": time.time()})

    engine = Engine(
        client=client, store=store, paths=setup.paths, run_id=run_id, membership=membership, options=options, on_progress=progress, only_users=only_users
    )
    if on_engine:
        on_engine(engine)
    store.set(running=run_id)
    try:
        result = await engine.run()
    except Exception as exc:  # not BaseException: a second Ctrl-C must not wait for the webhook
        store.set(running=None, live=None)
        await finish_run(setup.paths, None, store=store, webhook=webhook, error=exc, run_id=run_id)
        raise
    finally:
        store.set(running=None, live=None)
    summary = build_summary(store=store, result=result, stats=client.stats, rps=client.config.rps, paths=setup.paths, run_id=run_id)
    write_summary(summary, setup.paths.summary)
    await finish_run(setup.paths, summary, store=store, webhook=webhook, run_id=run_id)
    return summary
