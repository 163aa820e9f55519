"""``--window``/``--tz``/``--until-done`` of ``run`` and ``resume``, and ``plan --window`` (#30 §4).

The window logic is ``bulkops.engine.run.window`` (pure, with an injectable clock); this module is
the command line's side: the options, the waiting and closing messages, the loop of passes that
``--until-done`` carries into the next opening, and the exact ``resume`` command to run next.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import click

from bulkops.cli.support import exitcodes
from bulkops.cli.support.common import Stopper
from bulkops.cli.support.verbosity import say
from bulkops.engine.run.window import Clock, Opening, SystemClock, Window, WindowError, human_wait, parse_window, windows_needed
from bulkops.engine.run.windowrun import Stoppable, wait_until_open, watching_close

F = TypeVar("F", bound=Callable[..., Any])

#: Where every windowed command reads the time; tests put a clock of their own here.
CLOCK: list[Clock] = [SystemClock()]


def clock() -> Clock:
    return CLOCK[0]


_WINDOW_HELP = (
    "Write only inside this daily change window, START-END in 24-hour local time (22:00-06:00; it may cross midnight). "
    "Outside it the command waits for it to open; at its end the run stops cleanly (users in flight finished, checkpointed) "
    "and exits 6 naming the next opening and the `resume` command."
)
_TZ_HELP = "The window's time zone, an IANA name (Europe/Dublin). Default: this machine's zone."


def window_options(*, until_done: bool) -> Callable[[F], F]:
    """``--window`` and ``--tz`` (and, for ``run``/``resume``, ``--until-done``)."""

    def decorate(fn: F) -> F:
        if until_done:
            fn = click.option(
                "--until-done",
                is_flag=True,
                help="With --window: at the window's end, sleep until it opens again and carry on, until the job is done.",
            )(fn)
        fn = click.option("--tz", "window_tz", metavar="ZONE", help=_TZ_HELP)(fn)
        return click.option("--window", "window", metavar="START-END", help=_WINDOW_HELP)(fn)

    return decorate


def window_of(kw: dict[str, Any]) -> Window | None:
    """The ``--window`` the command was given (None without one); a bad one is a usage error (exit 2) naming its option."""
    text, zone = kw.get("window"), kw.get("window_tz")
    if text is None:
        for option, given in (("--tz", zone), ("--until-done", kw.get("until_done"))):
            if given:
                raise click.UsageError(f"{option} goes with --window: give the window too (as --window 22:00-06:00)")
        return None
    try:
        return parse_window(text, zone)
    except WindowError as exc:
        hint = "'--tz'" if zone and "time zone" in str(exc) else "'--window'"
        raise click.BadParameter(str(exc), param_hint=hint) from exc


@dataclass
class WindowedRun:
    """One command's window: waits for it, stops passes at its close, and says what comes next."""

    window: Window
    until_done: bool
    clock: Clock
    #: The last pass ended at its window's close (not finished, not stopped by hand).
    closed: bool = False
    #: Ctrl-C (or SIGTERM) came while waiting for an opening.
    stopped_waiting: bool = False

    async def wait_open(self, stopper: Stopper, *, announce: bool = True) -> Opening | None:
        """The opening to write in, after waiting for it (``announce``: say until when it is open);
        None when stopped while waiting."""
        stop = asyncio.Event()
        stopper.attach(stop.set)
        notice, stopper.notice = stopper.notice, "stopping the wait for the change window"
        try:
            opening = await wait_until_open(self.window, self.clock, stop, self._say_waiting)
        finally:
            stopper.notice = notice
        self.stopped_waiting = opening is None
        if opening is not None and announce:
            say(f"change window {self.window.describe()} is open until {self.window.local(opening.closes)}")
        return opening

    def _say_waiting(self, upcoming: Opening) -> None:
        wait = human_wait(upcoming.opens - self.clock.now())
        say(f"outside the change window {self.window.describe()}: waiting until {self.window.local(upcoming.opens)} (in {wait}); Ctrl-C stops")

    def _say_closed(self, opening: Opening) -> None:
        say(f"change window closed at {self.window.local(opening.closes)}: finishing in-flight users and checkpointing")

    async def passes(self, stopper: Stopper, one_pass: Callable[[Callable[[Stoppable], None]], Awaitable[dict[str, Any]]]) -> dict[str, Any] | None:
        """Passes in the window's openings: one, or with ``--until-done`` as many as the job needs.
        The last pass's summary; None when stopped before the first could start."""
        summary: dict[str, Any] | None = None
        while (opening := await self.wait_open(stopper)) is not None:
            async with watching_close(opening, self.clock, self._say_closed) as watch:
                summary = await one_pass(watch.attach)
            self.closed = watch.closed and not stopper.requested and _open_work(summary)
            if not (self.closed and self.until_done):
                return summary
            say(f"the job is not done: {summary['account'].get('open_work', '?')} users or items to go in the next opening")
        return summary

    def next_steps(self, job: str, state_dir: str) -> None:
        """After a pass that left work open: when the window opens next, and the command that carries on in it."""
        upcoming = self.window.next_opening(self.clock.now())
        if self.closed:
            click.echo(f"change window {self.window.describe()} closed; it opens next {self._when(upcoming.opens)}")
        click.echo(f"next: `{self.resume_command(job, state_dir)}` carries on in the window")

    def _when(self, instant: datetime) -> str:
        return f"{self.window.local(instant)} (in {human_wait(instant - self.clock.now())})"

    def resume_command(self, job: str, state_dir: str) -> str:
        """``bulkops resume JOB --window ... --tz ... --state-dir ...``: works when copied."""
        words = ["bulkops", "resume", job, "--window", self.window.spec()]
        words += ["--tz", self.window.zone_name] if self.window.zone_name else []
        words += ["--until-done"] if self.until_done else []
        return " ".join(shlex.quote(w) for w in words) + f" --state-dir {shlex.quote(state_dir)}"


def windowed_run(kw: dict[str, Any]) -> WindowedRun | None:
    """The command's ``WindowedRun``, or None when it has no ``--window``."""
    window = window_of(kw)
    return None if window is None else WindowedRun(window, bool(kw.get("until_done")), clock())


async def in_window(
    windowed: WindowedRun | None, stopper: Stopper, one_pass: Callable[[Callable[[Stoppable], None]], Awaitable[dict[str, Any]]]
) -> dict[str, Any] | None:
    """``one_pass`` as the command's window allows: at once without one."""
    if windowed is None:
        return await one_pass(lambda _: None)
    return await windowed.passes(stopper, one_pass)


def stopped_waiting(what: str) -> int:
    """Ctrl-C before the window opened: what was (not) done, and exit as a stop does."""
    click.echo(f"stopped while waiting for the change window: {what}")
    return exitcodes.ABORTED


def _open_work(summary: dict[str, Any]) -> bool:
    return bool((summary.get("account") or {}).get("open_work"))


def describe_plan_windows(window: Window, seconds: float) -> dict[str, Any]:
    """``plan --window``: how many openings the estimate needs, and when the next one is."""
    upcoming = window.next_opening(clock().now())
    return {
        "window": window.spec(),
        "tz": window.zone_name,
        "length_s": int(window.nominal_length.total_seconds()),
        "windows_needed": windows_needed(window, seconds),
        "next_opening": upcoming.opens.isoformat(),
        "next_opening_local": window.local(upcoming.opens),
    }


def plan_window_line(window: Window, figures: dict[str, Any]) -> str:
    length = human_wait(window.nominal_length)
    n = figures["windows_needed"]
    return (
        f"change window {window.describe()} ({length} a day): the job needs {n} window{'s' if n != 1 else ''} at this rate; "
        f"next opening {figures['next_opening_local']}"
    )
