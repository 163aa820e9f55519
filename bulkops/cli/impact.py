"""``plan``'s "Impact on routing" section; ``run``'s refusal of a job that empties a queue.

``plan`` always shows the impact (its reads are plan's own, not counted in the run's estimate);
``plan --strict`` exits 12 on a top-rank warning. ``run`` refuses by default (issue #28 §2): a job
that would leave a queue with no member stops before the question and any write, exit 12, unless
``--accept-impact`` is given (``--strict``, the old opt-in, is accepted and means the default).
The impact costs reads (the plan's reads, the skill groups, a queue listing, the activity query
when someone is asked), so
``run`` reads it only when the job may take a member away from a queue (``engine.reduction``, a
pure decision from the resolved spec); a job that only adds pays nothing. What the impact found
goes into ``run``'s question: the queues affected and the top warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import click

from bulkops.cli.support import exitcodes
from bulkops.client import GenesysClient
from bulkops.engine.plan.impact import Impact, ImpactInputs, assess, with_prediction
from bulkops.engine.plan.impact_text import RANK_NAMES, describe
from bulkops.engine.plan.planjob import Plan, impact_inputs, make_plan
from bulkops.engine.plan.reduction import may_reduce, user_reduction
from bulkops.engine.setup.job import ResolvedSpec
from bulkops.engine.setup.onsight import OnSight
from bulkops.errors import AuthError, CredentialsError
from bulkops.safetext import escaped

strict_option = click.option(
    "--strict",
    is_flag=True,
    help="Refuse to start when the impact on routing has a top-rank warning (a queue left with no member): exit 12, nothing written.",
)
#: ``run``'s pair: refusing is the default; ``--strict`` stays accepted for scripts that pass it.
run_strict_option = click.option(
    "--strict",
    is_flag=True,
    help="The default, kept for scripts that pass it: refuse a job that would leave a queue with no member (exit 12, nothing written).",
)
accept_impact_option = click.option(
    "--accept-impact",
    is_flag=True,
    help='Run even when the job would leave a queue with no member (what `plan` shows under "Impact on routing").',
)

#: Queues and warnings the question shows (the rest are in `plan`).
QUESTION_QUEUES, QUESTION_WARNINGS = 5, 3


async def plan_with_impact(client: GenesysClient, resolved: ResolvedSpec, *, detail: int, live: bool = True) -> tuple[Plan, Impact, int]:
    """The plan, its impact on routing, and the requests the plan's own reads took (what a run's
    set-up spends as well; the impact's reads come after and are not part of a run)."""
    inputs = ImpactInputs()
    plan = await make_plan(client, resolved, detail=detail, watch=inputs)
    reads = client.stats.requests
    impact = await assess(client, inputs, resolved.directory, live=live)
    return plan, await with_prediction(client, impact) if live else impact, reads


async def impact_only(client: GenesysClient, resolved: ResolvedSpec, *, live: bool) -> Impact:
    """``run``'s impact: the same inputs and reads as ``plan_with_impact``'s, without building a plan
    it would not show (at 100,000 users that plan was most of the CPU before the first write, #29 §5)."""
    impact = await assess(client, await impact_inputs(client, resolved), resolved.directory, live=live)
    return await with_prediction(client, impact) if live else impact


def gathered_on_sight() -> OnSight:
    """What ``run`` hands set-up: the impact's inputs and the first reason to read it, gathered as the
    users are resolved, so neither ``may_reduce`` nor the impact walks every user after (#29 §5)."""
    return OnSight(reason_of=user_reduction)


def echo_impact(impact: Impact) -> None:
    for line in describe(impact):
        colour = "red" if "[critical]" in line else "yellow" if "warning [" in line else None
        click.secho(line, fg=colour)


def refused(impact: Impact, *, hint: str = "`bulkops run --accept-impact` runs it anyway") -> int | None:
    """Exit code 12 (and why) when a top-rank warning forbids starting; None otherwise."""
    top = impact.top_rank()
    if not top:
        return None
    for w in top:
        click.secho(f"refused: {w.text}", fg="red", err=True)
    click.echo(f"nothing was written; change the job, or {hint}", err=True)
    return exitcodes.IMPACT


@dataclass(frozen=True, slots=True)
class RunImpact:
    """What ``run`` learnt of the impact before asking: the exit code when it must not start, and
    the lines its question shows."""

    refusal: int | None = None
    question: tuple[str, ...] = ()
    #: The queues the job changes the members of (id -> name): what a run in waves watches (#31 §3).
    queues: Mapping[str, str] = field(default_factory=dict)


async def impact_before_run(client: GenesysClient, resolved: ResolvedSpec, *, accept: bool, strict: bool = False, asked: bool = True) -> RunImpact:
    """``run``: skip the impact when the job cannot take a member from a queue; otherwise read it,
    refuse (12) a job that empties a queue unless accepted, and say what the question should show.
    Agents on queue now (the activity query) are read only when someone is ``asked``."""
    if accept and strict:
        raise click.UsageError("--strict and --accept-impact contradict each other: refusing is the default, --accept-impact overrides it")
    reduction = may_reduce(resolved)
    if reduction is None:
        if resolved.on_sight is not None:
            resolved.on_sight.release()  # gathered for an impact not read: not kept through the run
        return RunImpact(question=("routing: nothing in the job takes a member from a queue (impact not read)",))
    try:
        impact = await impact_only(client, resolved, live=asked)
    except AuthError as exc:
        if exc.status != 403 or isinstance(exc, CredentialsError):
            raise  # the client itself refused: the usual exit 5
        return _unread(exc, accept=accept)
    if impact.top_rank():
        echo_impact(impact)
        if accept:
            click.secho("accepted (--accept-impact): " + "; ".join(w.text for w in impact.top_rank()), fg="yellow", err=True)
    code = None if accept else refused(impact, hint="pass --accept-impact to run it anyway")
    return RunImpact(code, question_lines(impact, why=reduction.reason), {q.queue_id: q.name for q in impact.queues if q.queue_id})


def _unread(exc: AuthError, *, accept: bool) -> RunImpact:
    """The impact could not be read (the OAuth client may not list skill groups or queues): refused
    unless accepted, since nothing says the job leaves every queue a member."""
    text = f"the impact on routing could not be read (HTTP {exc.status}: {exc})"
    if accept:
        return RunImpact(question=(f"routing: {text}; accepted (--accept-impact)",))
    click.secho(f"refused: {text}", fg="red", err=True)
    click.echo("nothing was written; grant the OAuth client routing read permissions, or pass --accept-impact to run it anyway", err=True)
    return RunImpact(exitcodes.IMPACT)


def question_lines(impact: Impact, *, why: str) -> tuple[str, ...]:
    """The queues the job changes (members before -> after) and the top warnings, for the question."""
    if not impact.queues:
        return (f"routing: no queue loses a member ({why}; impact read: {impact.requests} request(s))",)
    shown = [f"{q.name!r} {q.members_before} -> {'at most ' if q.uncertain else ''}{q.members_after}" for q in impact.queues[:QUESTION_QUEUES]]
    more = f" and {len(impact.queues) - QUESTION_QUEUES} more" if len(impact.queues) > QUESTION_QUEUES else ""
    lines = [f"queues: {', '.join(shown)}{more}"]
    lines += [f"warning [{RANK_NAMES.get(w.rank, 'notice')}]: {w.text}" for w in impact.warnings[:QUESTION_WARNINGS]]
    if len(impact.warnings) > QUESTION_WARNINGS:
        lines.append(f"... and {len(impact.warnings) - QUESTION_WARNINGS} more warning(s): `bulkops plan` shows them")
    return tuple(escaped(line) for line in lines)  # queue names come from the org: no line of theirs may fake another
