"""``bulkops sim``: run the embedded Genesys Cloud API simulator as a standalone server."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from bulkops.simulator import SimConfig, Simulator, serve
from bulkops.simulator.config import PROFILES

_DEFAULTS = SimConfig()


def _say(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


@click.group(name="sim", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def sim() -> None:
    """Run the embedded Genesys Cloud Platform API v2 simulator.

    The simulator speaks the real wire dialect (OAuth client credentials, users, user
    routing skills and languages, routing skills/languages/queues/members, divisions)
    over a seeded, deterministic org, with knobs for rate limits and faults. Point
    bulkops (or any Genesys Cloud client) at the base URL it prints.
    """


@sim.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (keep it loopback).")
@click.option("--port", type=int, default=8080, show_default=True, help="TCP port; 0 picks a free one (printed).")
@click.option("--users", type=click.IntRange(min=0), default=_DEFAULTS.users, show_default=True, help="Users in the seeded org (agent00000@example.com ...).")
@click.option("--seed", type=int, default=_DEFAULTS.seed, show_default=True, help="Seed: same seed, same org.")
@click.option("--skills", type=click.IntRange(min=0), default=_DEFAULTS.skills, show_default=True, help="Org routing skills (first N of the catalogue).")
@click.option("--languages", type=click.IntRange(min=0), default=_DEFAULTS.languages, show_default=True, help="Org routing languages.")
@click.option("--queues", type=click.IntRange(min=0), default=_DEFAULTS.queues, show_default=True, help="Queues, each with seeded members.")
@click.option("--divisions", type=click.IntRange(min=1), default=_DEFAULTS.divisions, show_default=True, help="Divisions, the first being Home.")
@click.option(
    "--rps", type=click.FloatRange(min=0, min_open=True), default=None, help="Allowance per token, requests per second (token bucket). Default: unlimited."
)
@click.option(
    "--rate-per-minute", type=click.IntRange(min=1), default=None, help="Allowance per token per minute, like the platform's 300. Exclusive with --rps."
)
@click.option(
    "--rate-mode",
    type=click.Choice(["bucket", "fixed"]),
    default="bucket",
    show_default=True,
    help="bucket: refills continuously; fixed: the count resets when the window ends (the platform's 300 per 60 s is --rate-mode fixed --rate-per-minute 300).",
)
@click.option("--route-limit-prefix", default=None, metavar="PATH", help="A family of routes (path prefix) with a lower allowance of its own.")
@click.option("--route-rate-per-minute", type=click.IntRange(min=1), default=None, help="That family's allowance per 60 s (with --route-limit-prefix).")
@click.option(
    "--conflict-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True, help="Probability that a user write meets a concurrent admin edit (409)."
)
@click.option("--error-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True, help="Fraction of /api/v2 requests answered 500/502/503.")
@click.option("--latency-ms", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Added latency per request.")
@click.option("--token-ttl", type=click.IntRange(min=1), default=_DEFAULTS.token_ttl, show_default=True, help="Access token lifetime in seconds (expires_in).")
@click.option(
    "--cursor-ttl", type=click.FloatRange(min=0, min_open=True), default=_DEFAULTS.cursor_ttl, show_default=True, help="Users/query cursor lifetime in seconds."
)
@click.option("--always-conflict", multiple=True, metavar="USER_ID", help="A user id whose writes always get 409 (repeatable).")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Load the org from FILE if it exists; save to it on shutdown and on POST /__sim/save.",
)
@click.option("--client-id", default=_DEFAULTS.client_id, show_default=True, help="OAuth client id to accept.")
@click.option("--client-secret", default=_DEFAULTS.client_secret, show_default=True, help="OAuth client secret to accept.")
@click.option(
    "--extra-clients",
    type=click.IntRange(0, 99),
    default=0,
    show_default=True,
    help="More OAuth clients of the same org, for a pool (CLIENT-ID-2 / CLIENT-ID-2-secret, ...), each with its own allowance.",
)
@click.option(
    "--time-scale",
    type=click.FloatRange(min=0, min_open=True),
    default=_DEFAULTS.time_scale,
    show_default=True,
    help="Queue traffic runs this many times as fast as the clock (simulated seconds per second); --profile routing: 600.",
)
@click.option(
    "--profile",
    type=click.Choice(sorted(PROFILES)),
    default=None,
    help="Start from a profile's knobs (real: a real org's rate window, faults and lags); options given here win.",
)
def serve_cmd(host: str, port: int, state_file: str | None, profile: str | None, **options: Any) -> None:
    """Serve the simulator until SIGINT/SIGTERM.

    Prints the base URL (http://127.0.0.1:PORT) and the client id/secret to use.
    Observability lives under /__sim/ (stats, conflicts, state, config, reset, save).

    \b
    Example:
      bulkops sim serve --port 0 --users 5000 --seed 7 --rate-per-minute 300 --conflict-rate 0.02
    """
    if options["rps"] is not None and options["rate_per_minute"] is not None:
        raise click.UsageError("use --rps or --rate-per-minute, not both")
    if profile is not None:
        options = _with_profile(profile, options, click.get_current_context())
    options["always_conflict"] = frozenset(options["always_conflict"])
    try:
        asyncio.run(_run(host, port, state_file, options))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _with_profile(profile: str, options: dict[str, Any], ctx: click.Context) -> dict[str, Any]:
    """The profile's knobs, then every option given on the command line (or its env) on top."""
    given = {k: v for k, v in options.items() if ctx.get_parameter_source(k) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)}
    if given.get("rps") is not None:
        given.setdefault("rate_per_minute", None)
    if given.get("rate_per_minute") is not None:
        given.setdefault("rps", None)
    return {**options, **PROFILES[profile], **given}


async def _run(host: str, port: int, state_file: str | None, options: dict[str, Any]) -> None:
    sizes = ("users", "skills", "languages", "queues", "divisions", "seed")
    if state_file and Path(state_file).exists():  # noqa: ASYNC240 - once, before serving
        overrides = {k: v for k, v in options.items() if k not in sizes}
        simulator = Simulator.load(state_file, overrides={**overrides, "state_file": state_file})
        origin = f"loaded from {state_file}"
    else:
        simulator = Simulator(SimConfig(**options, state_file=state_file))
        origin = f"seed {simulator.config.seed}"
    running = await serve(simulator, host, port)
    cfg = simulator.config
    org = simulator.org
    _say(f"bulkops simulator: Genesys Cloud API v2 listening on {running.base_url}")
    _say(f"  client id:     {cfg.client_id}")
    _say(f"  client secret: {cfg.client_secret}")
    for extra_id, extra_secret in list(cfg.credentials.items())[1:]:
        _say(f"  pool client:   {extra_id} / {extra_secret}")
    _say(
        f"  org ({origin}): {len(org.users)} users, {len(org.skills)} skills, {len(org.languages)} languages, "
        f"{len(org.queues)} queues, {len(org.divisions)} divisions"
    )
    limit = f"{cfg.rps:g}/s" if cfg.rps else f"{cfg.rate_per_minute}/min" if cfg.rate_per_minute else "unlimited"
    if cfg.rps or cfg.rate_per_minute:
        limit += f" ({'fixed window' if cfg.rate_mode == 'fixed' else 'token bucket'})"
    if cfg.route_limit_prefix:
        limit += f", {cfg.route_rate_per_minute}/min under {cfg.route_limit_prefix}"
    _say(
        f"  rate limit {limit}; error rate {cfg.error_rate:g}; conflict rate {cfg.conflict_rate:g}; "
        f"latency {cfg.latency_ms:g} ms; token ttl {cfg.token_ttl}s; cursor ttl {cfg.cursor_ttl:g}s"
    )
    if org.queue_traffic:
        _say(f"  queue traffic: {len(org.queue_traffic)} queues, simulated time x{cfg.time_scale:g} (a clock minute is {cfg.time_scale:g} minutes)")
    _say(f"  stats: {running.base_url}/__sim/stats   (Ctrl+C to stop)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover - Windows
            pass
    try:
        await stop.wait()
    finally:
        await running.close()
        if cfg.state_file:
            simulator.save(cfg.state_file)
            _say(f"saved simulator state to {cfg.state_file}")
        _say("simulator stopped")


if __name__ == "__main__":  # python -m bulkops.cli.sim serve ...
    sim()
