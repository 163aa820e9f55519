"""What every command shares: connection options, the error -> exit code mapping, signals."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import os
import signal
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import click

from bulkops.cli.support import exitcodes
from bulkops.cli.support.verbosity import log_level
from bulkops.client import ClientConfig
from bulkops.client.connect.poolconfig import pool_members
from bulkops.errors import (
    AccessTokenRefusedError,
    ApiError,
    AuthError,
    BulkopsError,
    CannotConnectError,
    ConfigError,
    DamagedStateError,
    JobBusyError,
    JobNameError,
    NotConfirmed,
    PassFailed,
    RunStateWriteError,
    SpecError,
    StateError,
    StoppedAtOnce,
    TransportError,
    WrongOrgError,
)
from bulkops.logsetup import configure_logging
from bulkops.safetext import escaped
from bulkops.state.layout import state_dir_flag

__all__ = ["state_dir_flag"]  # the printed commands' --state-dir, kept importable from here

#: A click command callback, before or after click's own decorators: the option helpers
#: below return what they are given, so a command keeps its signature for the checker.
F = TypeVar("F", bound=Callable[..., Any])
P = ParamSpec("P")
R = TypeVar("R")


#: How credentials are found, for --help: the same words as README's "Credentials and region".
CREDENTIALS_HELP = (
    "Credentials, first found wins: --client-id/--client-secret; then the environment "
    "(GENESYSCLOUD_ACCESS_TOKEN, a ready token used as it is, or GENESYSCLOUD_OAUTHCLIENT_ID/_SECRET); "
    "then --profile NAME from the gc CLI's ~/.gc/config.toml. Region likewise: --region/--base-url, "
    "GENESYSCLOUD_REGION/BULKOPS_BASE_URL, the profile's environment."
)


def connection_options(fn: F) -> F:
    """--region/--base-url/credentials/--profile/--rps, read from the usual GENESYSCLOUD_* variables.

    The credential options carry no click ``envvar``: ``ClientConfig.resolve`` reads the
    environment itself, so it can tell an option (which beats the environment) from a variable."""
    options = [
        click.option(
            "--region",
            envvar="GENESYSCLOUD_REGION",
            help="Genesys Cloud region: mypurecloud.com, mypurecloud.ie, usw2.pure.cloud, us-east-1, ... [env GENESYSCLOUD_REGION]",
        ),
        click.option(
            "--base-url",
            envvar="BULKOPS_BASE_URL",
            help="API base URL instead of a region, e.g. the simulator's http://127.0.0.1:PORT (plain http only on loopback) [env BULKOPS_BASE_URL]",
        ),
        click.option("--client-id", help="OAuth client-credentials client id [env GENESYSCLOUD_OAUTHCLIENT_ID]"),
        click.option("--client-secret", help="OAuth client secret; prefer the env variable [env GENESYSCLOUD_OAUTHCLIENT_SECRET]"),
        click.option(
            "--profile",
            metavar="NAME",
            help="A profile of the Genesys Cloud CLI (gc) in ~/.gc/config.toml, for what no option or variable gives. " + CREDENTIALS_HELP,
        ),
        click.option(
            "--rps",
            type=float,
            default=8.0,
            show_default=True,
            help="Requests per second for the whole run, listings included (with a pool of clients: for each client).",
        ),
        click.option(
            "--retry-budget",
            type=click.FloatRange(1, 86400),
            default=600,
            show_default=True,
            help="Seconds one request may keep being retried (5xx, timeouts, an unreachable API) before the run stops, resumable.",
        ),
        click.option(
            "--log-level",
            type=click.Choice(["debug", "info", "warning", "error"]),
            default="warning",
            show_default=True,
            help="JSON log lines on stderr at this level (debug: one line per request).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def state_dir_option(fn: F) -> F:
    return click.option(
        "--state-dir",
        type=click.Path(file_okay=False),
        default="checkpoints",
        show_default=True,
        envvar="BULKOPS_STATE_DIR",
        help="Where run state lives: <state-dir>/<job>/ holds the checkpoint, audit log, reconciliation queue, summary.",
    )(fn)


def complete_job_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for JOB: the jobs under --state-dir (when typed before JOB), else
    BULKOPS_STATE_DIR, else ``checkpoints``."""
    state_dir = ctx.params.get("state_dir") or os.environ.get("BULKOPS_STATE_DIR") or "checkpoints"
    try:
        names = sorted(p.parent.name for p in Path(state_dir).glob("*/state.db"))
    except OSError:
        return []
    return [name for name in names if name.startswith(incomplete)]


def engine_options(fn: F) -> F:
    """What every command that writes shares: workers, 409 attempts, progress style."""
    options = [
        click.option("--workers", type=click.IntRange(1, 256), default=16, show_default=True, help="Concurrent workers; users are sharded across them by id."),
        click.option(
            "--conflict-attempts",
            type=click.IntRange(1, 20),
            default=3,
            show_default=True,
            help="Write attempts per user on 409 before it goes to the reconciliation queue.",
        ),
        click.option(
            "--conflict-delay",
            type=click.FloatRange(0, 300),
            default=5.0,
            show_default=True,
            envvar="BULKOPS_CONFLICT_DELAY",
            help="Seconds between a 409 and the re-fetch that re-merges the user (reads lag writes on a real org). [env BULKOPS_CONFLICT_DELAY]",
        ),
        click.option("--plain-progress", is_flag=True, help="Progress as log lines even on a terminal."),
        click.option("--json", "json_summary", is_flag=True, help="Print the pass's summary as JSON (the summary.json record) instead of text."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def pool_option(fn: F) -> F:
    """--pool-profile NAME (repeatable): the commands that write may spread over a pool of OAuth clients."""
    return click.option(
        "--pool-profile",
        "pool_profile",
        multiple=True,
        metavar="NAME",
        help="Write through a pool of OAuth clients of the same org (each has its own allowance; --rps is each one's): "
        "another client from this gc CLI profile (repeatable), besides GENESYSCLOUD_OAUTHCLIENT_ID_2/_SECRET_2 ... _9 "
        "in the environment. Users are sharded over the clients; a client whose credentials are refused is dropped "
        "and its users move to the others.",
    )(fn)


def client_config(kw: dict[str, Any]) -> ClientConfig:
    """The client's settings, and for a command that can write through a pool (``pool_option``)
    the pool's other clients: a mistake in them stops the command before any request."""
    config = ClientConfig.resolve(
        region=kw.get("region"),
        base_url=kw.get("base_url"),
        client_id=kw.get("client_id"),
        client_secret=kw.get("client_secret"),
        profile=kw.get("profile"),
        rps=kw.get("rps"),
        max_retry_seconds=kw.get("retry_budget"),
    )
    return dataclasses.replace(config, pool=pool_configs(kw, config))


def pool_configs(kw: dict[str, Any], primary: ClientConfig) -> tuple[ClientConfig, ...]:
    """The pool's other clients for a command with ``pool_option`` (the environment's ``_2`` ...
    ``_9`` and its --pool-profile); none for any other command, whatever the environment holds."""
    if "pool_profile" not in kw:
        return ()
    return pool_members(primary, env=os.environ, profiles=kw.get("pool_profile") or ())


def fail(message: str, code: int, hint: str | None = None) -> NoReturn:
    echo_safe(f"error: {message}", fg="red", err=True)  # an API's message, a Location: values from outside
    if hint:
        echo_safe(f"next: {hint}", err=True)
    sys.exit(code)


def handles_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Map bulkops' typed errors to exit codes and a message that names the next step."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        level = kwargs.get("log_level")  # --log-level's Choice, where the command has it
        configure_logging(log_level(str(level) if level else None))  # then -v / -q on the group
        try:
            return fn(*args, **kwargs)
        except SpecError as exc:
            click.secho(f"invalid job spec: {len(exc.problems)} problem(s); nothing was sent to the API", fg="red", err=True)
            for problem in exc.problems:
                echo_safe(f"  {problem}", err=True)
            sys.exit(exitcodes.INVALID_SPEC)
        except PassFailed as exc:
            resume = resume_command(exc.job_id, exc.state_dir)
            message, code, hint = explain(exc.cause, resume)
            done = "the state is checkpointed and this pass's summary, result files and webhook were written"
            fail(f"the run stopped: {message}", code, f"{hint or resume}; {done}")
        except (BulkopsError, sqlite3.DatabaseError) as exc:
            # Outside a pass nothing was written yet: the way on is the same command again.
            message, code, hint = explain(exc, "run the same command again")
            fail(message, code, hint)

    return wrapper


def echo_safe(text: str, **style: Any) -> None:
    """One line that holds values from outside (the spec, the org, the API): each newline,
    escape sequence or bidi override in it printed escaped, so no value can fake a line of
    output or drive the terminal (#25 §8d)."""
    click.secho(escaped(text), **style)


def resume_command(job_id: str, state_dir: str | None) -> str:
    """A command that works when copied: the job, and --state-dir unless it is the default."""
    return f"`bulkops resume {job_id}{state_dir_flag(state_dir) if state_dir else ''}`"


def explain(exc: BaseException, resume: str) -> tuple[str, int, str | None]:
    """(message, exit code, next step) for every error a command can end on."""
    if isinstance(exc, JobNameError):
        return str(exc), exitcodes.USAGE, None
    if isinstance(exc, WrongOrgError):
        return (
            str(exc),
            exitcodes.AUTH_CONFIG,
            "give no --region/--base-url (nor GENESYSCLOUD_REGION/BULKOPS_BASE_URL) to connect where the job ran, with credentials of its org",
        )
    if isinstance(exc, ConfigError):
        return str(exc), exitcodes.AUTH_CONFIG, "see `bulkops run --help` for --region/--base-url and the GENESYSCLOUD_* variables"
    if isinstance(exc, NotConfirmed):
        return str(exc), exitcodes.DECLINED, None
    if isinstance(exc, CannotConnectError):
        return str(exc), exitcodes.CANNOT_CONNECT, f"start the API there (or give the right --region/--base-url), then {resume}"
    if isinstance(exc, AccessTokenRefusedError):
        return str(exc), exitcodes.AUTH_CONFIG, f"get a new token (or give an OAuth client, which bulkops refreshes itself), then {resume}"
    if isinstance(exc, AuthError):
        return str(exc), exitcodes.AUTH_CONFIG, f"check the OAuth client's credentials and roles (README, 'The permissions each feature needs'), then {resume}"
    if isinstance(exc, JobBusyError):
        return str(exc), exitcodes.BUSY, None
    if isinstance(exc, RunStateWriteError):
        return str(exc), exitcodes.STATE, f"free disk space or fix the folder's permissions, then {resume}"
    if isinstance(exc, DamagedStateError):
        return str(exc), exitcodes.STATE, exc.advice
    if isinstance(exc, StateError):
        return str(exc), exitcodes.STATE, None
    if isinstance(exc, StoppedAtOnce):
        return str(exc), exitcodes.ABORTED, resume
    if isinstance(exc, sqlite3.DatabaseError):  # found past the open's check (a page damaged since)
        return _store_error(exc)
    if isinstance(exc, (ApiError, TransportError)):
        return f"the API kept failing: {exc}", exitcodes.ABORTED, f"when the API answers again, {resume}"
    if isinstance(exc, BulkopsError):
        return str(exc), exitcodes.UNEXPECTED, None
    return f"unexpected {type(exc).__name__}: {exc}", exitcodes.UNEXPECTED, f"please report this with the log; then {resume}"


def _store_error(exc: sqlite3.DatabaseError) -> tuple[str, int, str | None]:
    """SQLite's own error, in the words of run state: full or unwritable, or damaged."""
    if isinstance(exc, sqlite3.OperationalError):
        return f"cannot use the run state: {exc}", exitcodes.STATE, "free disk space or fix the folder's permissions, then run the same command again"
    return f"the run state is damaged ({exc})", exitcodes.STATE, "see `bulkops status JOB` for what is wrong and what to do"


def run_async(main: Callable[[Stopper], Awaitable[int]]) -> int:
    """Run ``main`` with SIGINT/SIGTERM wired: the first asks for a graceful stop, the second cancels."""

    async def runner() -> int:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        stopper = Stopper()

        def on_signal(signame: str) -> None:
            if stopper.requested:
                click.echo(f"\n{signame} again: stopping now; the run stays resumable", err=True)
                task.cancel()  # type: ignore[union-attr]
                return
            click.echo(f"\n{signame}: {stopper.notice}", err=True)
            stopper.request()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal, sig.name)
        try:
            return await main(stopper)
        except asyncio.CancelledError:
            return exitcodes.ABORTED

    return asyncio.run(runner())


class Stopper:
    """A graceful-stop request that can arrive before or after the engine exists."""

    #: What the first signal prints; a step before the engine (a question) says its own.
    IN_FLIGHT = "finishing in-flight users and checkpointing (again to stop at once)"

    def __init__(self) -> None:
        self.requested = False
        self.notice = self.IN_FLIGHT
        self._targets: list[Callable[[], None]] = []

    def request(self) -> None:
        self.requested = True
        for target in self._targets:
            target()

    def attach(self, target: Callable[[], None]) -> None:
        self._targets.append(target)
        if self.requested:
            target()
