"""``bulkops demo``: the real engine against the embedded simulator, end to end, in about a minute."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from bulkops.cli.jobs import exit_code_for, print_outcome, run_pass
from bulkops.cli.support.common import Stopper, handles_errors, run_async, state_dir_option
from bulkops.client import ClientConfig, GenesysClient
from bulkops.engine.plan.planjob import make_plan
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.simulator import SimConfig, Simulator, serve
from bulkops.state.store import RunStore

REPO_JOBS = Path(__file__).resolve().parents[2] / "jobs"
STUCK_USER = "agent00017@example.com"  # another administrator keeps editing this one


def default_spec() -> Path:
    for base in (Path.cwd() / "jobs", REPO_JOBS):
        if (base / "demo-reorg.json").exists():
            return base / "demo-reorg.json"
    raise click.UsageError("jobs/demo-reorg.json not found: run from the repository, or pass --spec")


def check_edits(sim: Simulator, store: RunStore) -> tuple[int, int, int]:
    """Concurrent-admin edits: (kept, superseded by the spec, lost).

    An edit to something the job itself sets for that user (a skill it sets, say) is
    rightly overwritten by the job; every other edit must still be in the org.
    """
    edits = sim.conflicts()
    last_title = {e["userId"]: e for e in edits if e["field"] == "title"}
    kept = superseded = lost = 0
    for e in edits:
        intent = store.intent(e["userId"])
        user = sim.user(e["userId"])
        if e["field"] in ("skills", "languages"):
            if e["field"] == "skills":
                named = intent is not None and (e["id"] in intent.skills or e["id"] in intent.remove_skills)
            else:
                named = intent is not None and (e["id"] in intent.languages or e["id"] in intent.remove_languages)
            held = {x["id"]: x["proficiency"] for x in user.get(e["field"]) or []}
            still = held.get(e["id"]) == e["after"]
        else:
            named = intent is not None and e["field"] in intent.fields
            still = last_title.get(e["userId"]) is not e or user.get(e["field"]) == e["after"]
        if still:
            kept += 1
        elif named:
            superseded += 1
        else:
            lost += 1
    return kept, superseded, lost


@click.command()
@click.option("--spec", type=click.Path(dir_okay=False, exists=True), help="Job spec to apply (default: jobs/demo-reorg.json).")
@click.option("--users", type=int, default=300, show_default=True, help="Users in the simulated org.")
@click.option("--rps", type=float, default=8.0, show_default=True, help="The rate limit, as on a real org.")
@click.option("--conflict-rate", type=float, default=0.05, show_default=True, help="Chance that another admin edits a user just before our write (409).")
@click.option("--seed", type=int, default=7, show_default=True)
@state_dir_option
@click.option("--plain-progress", is_flag=True, help="Progress as log lines even on a terminal.")
@handles_errors
def demo(spec: str | None, users: int, rps: float, conflict_rate: float, seed: int, state_dir: str, **kw: Any) -> None:
    """Run a realistic reorganization against the embedded Genesys Cloud simulator.

    Starts a seeded simulated org on loopback (with another "administrator" editing
    users concurrently), validates and plans jobs/demo-reorg.json, applies it with the
    real engine at 8 requests/s, and prints the summary and where the audit log,
    checkpoint and reconciliation queue are. One user keeps conflicting on purpose, so
    it ends in the reconciliation queue.
    """
    spec_path = Path(spec) if spec else default_spec()
    opened = check_locally(spec_path)

    async def main(stopper: Stopper) -> int:
        sim = Simulator(SimConfig(users=users, seed=seed, conflict_rate=conflict_rate))
        server = await serve(sim)
        stuck = next((u for u in sim.user_ids() if sim.user(u)["email"] == STUCK_USER), None)
        if stuck:
            sim.configure(always_conflict=[stuck])
        click.echo(f"simulator: {users} users on {server.base_url} (seed {seed}, concurrent-admin rate {conflict_rate:g})")
        config = ClientConfig.resolve(base_url=server.base_url, client_id=sim.config.client_id, client_secret=sim.config.client_secret, rps=rps, env={})
        try:
            async with GenesysClient(config) as client:
                resolved = await resolve_against_org(client, opened)
                plan = await make_plan(client, resolved, detail=0)
                requests = plan.run_requests(client.stats.requests)
                click.echo(
                    f"plan: {plan.users_named} users named, {plan.users_changing} to change; about {requests} requests at {rps:g}/s, so ~{requests / rps:.0f}s"
                )
                job_id = "demo-" + time.strftime("%Y%m%d-%H%M%S")
                setup = create_job(resolved, state_dir=state_dir, job_id=job_id)
                click.echo(f"job {job_id}: applying {opened.path} ...")
                summary = await run_pass(client, setup, kw, stopper)
            kept, superseded, lost = check_edits(sim, setup.store)
            setup.store.close()
        finally:
            await server.close()
        click.echo("")
        print_outcome(summary)
        click.echo(
            f"\nanother administrator edited users {kept + superseded + lost} times mid-run (checked in the simulator): "
            f"{kept} edits still in place, {superseded} overwritten because the job itself sets or removes that field or skill, {lost} lost."
        )
        click.echo(
            f"the simulator stopped with the demo; the same org comes back with `bulkops sim serve --users {users} --seed {seed}`, "
            "and `bulkops reconcile retry JOB --base-url URL` against it applies the queued user."
        )
        return exit_code_for(summary)

    code = run_async(main)
    # The demo is meant to end with one user in the reconciliation queue: that is success here.
    sys.exit(0 if code == 3 else code)
