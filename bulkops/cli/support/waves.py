"""``run --waves/--gate/--watch/--rollback-on-breach`` (#31 §3): the options, read and refused before
anything is sent; the waves run (and resumed) through the engine's driver; a breach named, rolled
back when asked by the job's guarded undo as a job of its own, and exit 13.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import orjson
import structlog

from bulkops.cli.support import exitcodes
from bulkops.cli.support.common import Stopper, explain, fail, resume_command
from bulkops.cli.support.verbosity import outcome_line, say
from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.activity import list_queues
from bulkops.client.endpoints.queue_observations import queue_observations
from bulkops.domain.rollout.gate import Gate, GateError, parse_gate, unknown_queues
from bulkops.domain.rollout.waves import WavesError, describe_share, parse_duration, parse_waves
from bulkops.engine.setup.job import JobSetup
from bulkops.engine.waves.drive import WavesDriver, WavesOutcome, save
from bulkops.engine.waves.watch import EVERY_SECONDS, Watch
from bulkops.errors import AuthError, BulkopsError, PassFailed
from bulkops.state.joblock import new_job_lock
from bulkops.state.layout import RunPaths
from bulkops.state.waveslog import GateReading, WaveEvent, WavesLog, WavesPlan, WavesState, load_state, read_log

#: Runs one pass of a job: over these users (None: every open one), holding its late items or not.
RunPass = Callable[[JobSetup, "list[str] | None", bool], Awaitable[dict[str, Any]]]

DEFAULT_WATCH = "10m"


def _waves(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, ...] | None:
    try:
        return parse_waves(value) if value is not None else None
    except WavesError as exc:
        raise click.BadParameter(str(exc)) from exc


def _gate(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> Gate:
    try:
        return parse_gate(value)
    except GateError as exc:
        raise click.BadParameter(str(exc)) from exc


def _duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    try:
        return parse_duration(value)
    except WavesError as exc:
        raise click.BadParameter(str(exc)) from exc


def waves_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The four options of a run in waves (docs/waves.md)."""
    for option in reversed(
        [
            click.option(
                "--waves",
                callback=_waves,
                default=None,
                help="Apply the job in waves, e.g. 5%,25%,100%: the share of its users applied once each wave is through "
                "(users split by a stable hash of their id; items go with the first wave). The gate is watched after each.",
            ),
            click.option(
                "--gate",
                multiple=True,
                callback=_gate,
                help="A condition the affected queues must keep during each watch: [QUEUE:]METRIC OP NUMBER with METRIC one of "
                "waiting, interacting, onQueue, serviceLevel, e.g. 'waiting<=10', 'serviceLevel>=0.8', 'Support ES:onQueue>=3'. Repeatable.",
            ),
            click.option(
                "--watch", "watch_for", default=DEFAULT_WATCH, show_default=True, callback=_duration, help="How long to watch after each wave (20s, 10m, 1h)."
            ),
            click.option(
                "--rollback-on-breach",
                is_flag=True,
                help="On a breach, undo the waves applied (the guarded undo, as its own job JOB-undo) before exiting 13.",
            ),
        ]
    ):
        fn = option(fn)
    return fn


@dataclass(frozen=True, slots=True)
class WavesRequest:
    shares: tuple[float, ...]
    gate: Gate
    gate_texts: tuple[str, ...]
    watch_seconds: float
    rollback: bool


def waves_request(kw: Mapping[str, Any]) -> WavesRequest | None:
    """The options as one request (None without --waves); the gate's options without --waves are
    a usage error, before anything is read."""
    shares, gate = kw.get("waves"), kw.get("gate") or Gate()
    if shares is None:
        if gate.conditions or kw.get("rollback_on_breach"):
            raise click.UsageError("--gate and --rollback-on-breach need --waves (e.g. --waves 10%,100%)")
        return None
    texts = tuple(str(c) for c in gate.conditions)
    watch = kw.get("watch_for")
    seconds = float(watch) if watch is not None else parse_duration(DEFAULT_WATCH)  # 0s is a watch of one reading
    return WavesRequest(shares, gate, texts, seconds, bool(kw.get("rollback_on_breach")))


async def watched_queues(client: GenesysClient, request: WavesRequest, affected: Mapping[str, str]) -> dict[str, str]:
    """The queues to watch (id -> name): those the job affects and those the gate names; a name the
    org lacks is a usage error (exit 2) before anything is written."""
    out = dict(affected)
    if request.gate.queues_named:
        org = {q.name: q.id for q in await list_queues(client)}
        missing = unknown_queues(request.gate, org)
        if missing:
            fail(f"--gate names queue(s) the org lacks: {', '.join(repr(m) for m in missing)}; nothing was written", exitcodes.USAGE)
        out |= {org[name]: name for name in request.gate.queues_named}
    await _probe(client, request.gate, out)
    return out


async def _probe(client: GenesysClient, gate: Gate, queues: Mapping[str, str]) -> None:
    """One reading before anything is written: a gate the client may not read (no analytics
    permission) is refused now (exit 5), not at the first watch with a wave already applied."""
    if not gate.conditions or not queues:
        return
    try:
        await queue_observations(client, queues, service_level=gate.needs_service_level)
    except AuthError as exc:
        fail(
            f"the gate cannot be read: the queue analytics query was refused (HTTP {exc.status}: {exc}); nothing was written",
            exitcodes.AUTH_CONFIG,
            "grant the OAuth client analytics:queueObservation:view (and analytics:conversationAggregate:view for serviceLevel)",
        )


def new_state(request: WavesRequest, queues: Mapping[str, str]) -> WavesState:
    plan = WavesPlan(
        request.shares, request.gate_texts, request.watch_seconds, EVERY_SECONDS, request.rollback, tuple(sorted(queues.items(), key=lambda q: q[1]))
    )
    return WavesState(plan)


def watch_of(state: WavesState, stopper: Stopper) -> Watch:
    plan = state.plan
    return Watch(dict(plan.queues), parse_gate(plan.gate), plan.watch_seconds, plan.every_seconds, stopping=lambda: stopper.requested)


async def drive(client: GenesysClient, setup: JobSetup, state: WavesState, run_pass: RunPass, stopper: Stopper) -> WavesOutcome:
    """The waves left of the job, from ``state`` (checkpointed first)."""
    save(setup.store, state)
    log = WavesLog(setup.paths.root)
    try:
        driver = WavesDriver(client, setup.store, log, watch_of(state, stopper), lambda users, hold: run_pass(setup, users, hold), say)
        return await driver.run(state)
    except BulkopsError as exc:
        if isinstance(exc, PassFailed):
            raise  # a wave's pass: its own message, summary and files
        # A watch the API could not answer: every reading so far is checkpointed, resume watches on.
        resume = resume_command(setup.job_id, str(setup.paths.root.parent))
        message, code, hint = explain(exc, resume)
        fail(f"the watch stopped: {message}", code, f"{hint or resume} watches on for the rest of its time; every reading so far is recorded")
    finally:
        log.close()
        _refresh_report(setup)


def _refresh_report(setup: JobSetup) -> None:
    """The report again, now with the readings of the watch that followed the last pass."""
    from bulkops.report.files import write_report  # after the waves' last pass: not imported before the first write

    try:
        write_report(setup.paths, store=setup.store)
    except Exception as exc:  # noqa: BLE001 - the report is a view; the run's own outcome is what to report
        structlog.get_logger("bulkops.waves").warning("report.failed", error=f"{type(exc).__name__}: {exc}")


def waves_of(setup: JobSetup) -> WavesState | None:
    return load_state(setup.store.meta())


def breach_lines(state: WavesState) -> list[str]:
    n = len(state.plan.shares)
    share = describe_share(state.plan.shares[state.wave])
    return [f"breach in wave {state.wave + 1} of {n} (to {share} of the users), after {state.watched:.0f}s of watch: {state.breach}"]


async def roll_back(client: GenesysClient, root: Path, run_pass: RunPass, meta: Mapping[str, Any]) -> dict[str, Any] | None:
    """The job's guarded undo as a job of its own (JOB-undo): what the waves applied is put back
    where the org still holds what they wrote; the rest is held back for a person. None: nothing
    to restore. Run once the job's lock is released (the undo refuses a running job)."""
    from bulkops.engine.undo.undojob import create_undo_job, load_inverse, plan_undo  # only a breach rolls back

    state_dir, job = root.parent, root.name
    source, inverse = load_inverse(state_dir, job)
    try:
        plan = await plan_undo(client, source, inverse)
    finally:
        source.store.close()
    log = WavesLog(root)
    try:
        if not plan.has_work:
            log.write(WaveEvent(-1, "rollback", "nothing to restore"))
            return None
        with new_job_lock(RunPaths.for_job(state_dir, plan.job_id)):
            setup = create_undo_job(plan, state_dir=state_dir)
            setup.store.set(**meta)  # the undo job runs where the job ran
            say(f"rolling back: job {setup.job_id}: {len(plan.users)} users and {len(plan.items.undoable)} items to restore")
            summary = await run_pass(setup, None, False)
            setup.store.close()
        log.write(WaveEvent(-1, "rollback", outcome_line(summary)))
        return summary
    finally:
        log.close()


def announce_breach(state: WavesState) -> None:
    for line in breach_lines(state):
        click.secho(line, fg="red")


def breach_exit(state: WavesState, rollback: dict[str, Any] | None, *, rolled: bool, job: str, as_json: bool, announced: bool = False) -> int:
    """Name the breach (unless ``announced`` before the rollback) and the rollback's outcome; exit 13
    whatever the rollback did."""
    if as_json:
        click.echo(orjson.dumps({"job_id": job, "breach": state.to_json(), "rollback": rollback}, option=orjson.OPT_INDENT_2).decode())
        return exitcodes.BREACH
    if not announced:
        announce_breach(state)
    if rolled:
        click.echo("rollback: " + (outcome_line(rollback) if rollback is not None else "nothing to restore"))
        if rollback is not None and (rollback.get("account") or {}).get("state") != "complete":
            click.echo(f"next: `bulkops reconcile list {job}-undo` shows what the rollback held back (changed by someone since)")
    else:
        click.echo(f"next: `bulkops undo {job}` takes back the waves applied; the job's other users were not written")
    return exitcodes.BREACH


def waves_status(root: Path, meta: Mapping[str, Any]) -> dict[str, Any] | None:
    """What ``status`` shows of a run in waves: its state and each watched queue's last reading."""
    state = load_state(meta)
    if state is None:
        return None
    last: dict[str, GateReading] = {}
    for line in read_log(root):
        if isinstance(line, GateReading):
            last[line.queue_id] = line
    readings = [r.to_json() for r in sorted(last.values(), key=lambda r: r.queue)]
    return state.to_json() | {"waves": len(state.plan.shares), "last_readings": readings}


def waves_status_lines(info: Mapping[str, Any]) -> list[str]:
    plan = info["plan"]
    share = describe_share(plan["shares"][info["wave"]])
    head = f"waves: wave {info['wave'] + 1} of {info['waves']} (to {share} of the users), {info['phase']}"
    if info["phase"] == "watching":
        head += f", {info['watched']:.0f}s of {plan['watch_seconds']:g}s watched"
    lines = [head, "  gate: " + (", ".join(plan["gate"]) or "no condition")]
    if info.get("breach"):
        lines.append(f"  breach: {info['breach']}")
    for r in info["last_readings"]:
        values = ", ".join(f"{k} {v:g}" for k, v in r["values"].items() if v is not None)
        lines.append(f"  last reading {r['ts']} (wave {r['wave'] + 1}) {r['queue']}: {values}" + (" BREACH" if r["breaches"] else ""))
    return lines


def breached_step(job: str, where: str, info: Mapping[str, Any]) -> str:
    """``status``'s next step for a run stopped at a breach (``resume`` refuses it)."""
    rolled = " (its rollback is job " + job + "-undo: `bulkops status " + job + "-undo" + where + "`)" if info["plan"]["rollback"] else ""
    return (
        f"the run stopped at a breach in wave {info['wave'] + 1}{rolled}; `bulkops undo {job}{where}` takes back what the waves applied, "
        "and the spec runs again as a new job with --job NAME"
    )
