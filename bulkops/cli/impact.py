"""``plan``'s "Impact on routing" section, and ``--strict`` for ``plan`` and ``run``.

``plan`` always shows the impact (its reads are plan's own, not counted in the run's estimate).
``run`` computes it only with ``--strict``: the impact costs reads (the skill groups, a queue
listing, the activity query) that a run which will not act on them should not spend; the plan is
where it is read. With ``--strict`` a top-rank warning (a queue left with no member) stops the
command before anything is written, exit code 12.
"""

from __future__ import annotations

import click

from bulkops.cli import exitcodes
from bulkops.client import GenesysClient
from bulkops.engine.impact import Impact, ImpactInputs, assess
from bulkops.engine.impact_text import describe
from bulkops.engine.job import ResolvedSpec
from bulkops.engine.plan import Plan, make_plan

strict_option = click.option(
    "--strict",
    is_flag=True,
    help="Refuse to start when the impact on routing has a top-rank warning (a queue left with no member): exit 12, nothing written.",
)


async def plan_with_impact(client: GenesysClient, resolved: ResolvedSpec, *, detail: int) -> tuple[Plan, Impact, int]:
    """The plan, its impact on routing, and the requests the plan's own reads took (what a run's
    set-up spends as well; the impact's reads come after and are not part of a run)."""
    inputs = ImpactInputs()
    plan = await make_plan(client, resolved, detail=detail, watch=inputs)
    reads = client.stats.requests
    return plan, await assess(client, inputs, resolved.directory), reads


def echo_impact(impact: Impact) -> None:
    for line in describe(impact):
        colour = "red" if "[critical]" in line else "yellow" if "warning [" in line else None
        click.secho(line, fg=colour)


def refused(impact: Impact) -> int | None:
    """Exit code 12 (and why) when a top-rank warning forbids starting; None otherwise."""
    top = impact.top_rank()
    if not top:
        return None
    for w in top:
        click.secho(f"refused (--strict): {w.text}", fg="red", err=True)
    click.echo("nothing was written; change the job, or run without --strict to accept it", err=True)
    return exitcodes.IMPACT


async def refuse_before_run(client: GenesysClient, resolved: ResolvedSpec) -> int | None:
    """``run --strict``: the plan's reads and the impact's, then 12 if it must not start."""
    _, impact, _ = await plan_with_impact(client, resolved, detail=0)
    if impact.top_rank():
        echo_impact(impact)
    return refused(impact)
