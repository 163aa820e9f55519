"""Run the real engine against the test simulator, the way the CLI does."""

from __future__ import annotations

from pathlib import Path

from bulkops.engine.run.options import RunOptions
from bulkops.engine.run.queues import QueueMembership
from bulkops.engine.run.runner import Engine, RunResult
from bulkops.engine.setup.job import check_locally, create_job, new_run_id, open_job, resolve_against_org
from helpers.clients import client_for

__all__ = ["client_for", "email", "plan_undo_of", "resume_job", "run_job", "run_spec", "undo_job", "write_wide_csv"]


async def run_spec(handle, spec_path: Path, state_dir: Path, *, rps: float = 2000, options: RunOptions | None = None, job_id=None):
    options = options or RunOptions(workers=4, conflict_delay=0.0)
    spec = check_locally(spec_path)
    async with client_for(handle, rps=rps) as client:
        directory = await resolve_against_org(client, spec)
        setup = create_job(directory, state_dir=state_dir, job_id=job_id)
        result = await _engine(client, setup, options).run()
        setup.store.close()
        return setup, result, client.stats


async def resume_job(handle, state_dir: Path, job_id: str, *, rps: float = 2000, options: RunOptions | None = None):
    options = options or RunOptions(workers=4, conflict_delay=0.0)
    setup = open_job(state_dir, job_id)
    async with client_for(handle, rps=rps) as client:
        result = await _engine(client, setup, options).run()
        setup.store.close()
        return setup, result, client.stats


def _engine(client, setup, options):
    class _Lazy:
        async def run(self) -> RunResult:
            membership = await QueueMembership.load(client, setup.store.get("queues") or [])
            return await Engine(client=client, store=setup.store, paths=setup.paths, run_id=new_run_id(), membership=membership, options=options).run()

    return _Lazy()


def write_wide_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def email(i: int) -> str:
    return f"agent{i:05d}@example.com"


async def run_job(handle, spec_path: Path, state_dir: Path, *, rps: float = 3000, options: RunOptions | None = None):
    """Set-up and one pass as ``bulkops run`` does it (``execute``: summary, result files): (setup, summary)."""
    from bulkops.engine.run.execute import execute

    async with client_for(handle, rps=rps) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec_path)), state_dir=state_dir)
        summary = await execute(client, setup, options=options or RunOptions(workers=4, conflict_delay=0.0))
    setup.store.close()
    return setup, summary


async def plan_undo_of(handle, state_dir: Path, job_id: str, *, rps: float = 3000):
    """The plan of ``bulkops undo JOB`` (reads only)."""
    from bulkops.engine.undo.undojob import load_inverse, plan_undo

    source, inverse = load_inverse(state_dir, job_id)
    async with client_for(handle, rps=rps) as client:
        found = await plan_undo(client, source, inverse)
    source.store.close()
    return found


async def undo_job(handle, state_dir: Path, job_id: str, *, rps: float = 3000, options: RunOptions | None = None):
    """``bulkops undo JOB`` as the command does it: plan, the undo job, one pass: (plan, setup, summary)."""
    from bulkops.engine.run.execute import execute
    from bulkops.engine.undo.undojob import create_undo_job, load_inverse, plan_undo

    source, inverse = load_inverse(state_dir, job_id)
    async with client_for(handle, rps=rps) as client:
        found = await plan_undo(client, source, inverse)
        source.store.close()
        setup = create_undo_job(found, state_dir=state_dir)
        summary = await execute(client, setup, options=options or RunOptions(workers=4, conflict_delay=0.0))
    setup.store.close()
    return found, setup, summary
