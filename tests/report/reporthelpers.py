"""Run a job on the test simulator through ``execute`` (so summary.json exists), and parse report pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from helpers.engine import client_for, email
from helpers.reportpage import PageParser, number, parse_page

from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import JobSetup, check_locally, create_job, resolve_against_org
from bulkops.report.hooks import after_pass

OPTS = RunOptions(workers=4, conflict_delay=0.0)

__all__ = ["OPTS", "PageParser", "client_for", "email", "number", "parse_page", "run_job", "write_jsonl"]


def write_jsonl(path: Path, users: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(u) + b"\n" for u in users))
    return path


async def run_job(
    sim,
    spec: Path,
    state_dir: Path,
    *,
    before_execute: Callable[[], None] | None = None,
    options: RunOptions = OPTS,
    job_id: str | None = None,
    **execute_kw: Any,
) -> tuple[JobSetup, dict[str, Any]]:
    """Validate, resolve, set up and run one pass, the way ``bulkops run`` does; the store is closed after."""
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        setup = create_job(await resolve_against_org(client, opened), state_dir=state_dir, job_id=job_id)
        if before_execute:
            before_execute()
        summary = await execute(client, setup, options=options, after_pass=after_pass(execute_kw.pop("webhook", None)), **execute_kw)
    setup.store.close()
    return setup, summary
