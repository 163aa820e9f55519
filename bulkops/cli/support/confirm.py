"""``bulkops run``'s question before the first write, asked on a terminal only.

A person at a terminal sees what is about to happen (the org and region, whose credentials,
the spec and its mode, how many users it names, the queues it changes and the impact's top
warnings when ``run`` read the impact) and answers ``proceed? [y/N]``; ``--yes``
answers for them. Without a terminal on both stdin and stderr (CI, cron, a pipe, output sent
to a file) nothing is asked and the run proceeds: a scheduler has nobody to ask, and a
question nobody sees would hang it. ``demo`` never asks.

The answer is read on the event loop (``add_reader``), so Ctrl-C at the question is the
ordinary signal path: it counts as no.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TextIO
from urllib.parse import urlsplit

import click

from bulkops.cli.support.common import Stopper
from bulkops.client import ClientConfig
from bulkops.client.connect.config import REGION_DOMAINS
from bulkops.errors import NotConfirmed

#: Options that answer the question in advance.
yes_option = click.option(
    "--yes", "-y", "assume_yes", is_flag=True, help="Do not ask before the first write (on a terminal, run asks; elsewhere it never does)."
)

MODE_MEANING = {
    "merge": "only what the spec names changes",
    "replace": "users end with exactly the skills listed",
}


class SpecFacts(Protocol):
    """What the question shows of a validated spec."""

    @property
    def path(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def mode(self) -> str: ...


@dataclass(frozen=True, slots=True)
class WritePreview:
    """What a run is about to do, as the question shows it."""

    spec: str
    spec_format: str
    mode: str
    users_named: int
    api_url: str
    credentials: str
    #: Users whose state set-up read differs from the spec (None: not counted).
    users_changing: int | None = None
    #: What the job does to routing: the queues it changes and the top warnings (``cli.impact``).
    impact: tuple[str, ...] = ()


def org_of(api_url: str) -> str:
    """``api.mypurecloud.ie (region eu-west-1)``, or the host alone when it is no known region."""
    host = urlsplit(api_url).netloc
    domain = host.removeprefix("api.")
    for name, known in REGION_DOMAINS.items():
        if known == domain:
            return f"{host} (region {name.replace('_', '-')})"
    return host


def credentials_of(config: ClientConfig) -> str:
    """Whose credentials, never the secret or the token."""
    where = f" (from {config.credentials_source})" if config.credentials_source else ""
    if config.access_token:
        return f"a ready access token{where}"
    return f"OAuth client {config.client_id}{where}"


def describe(preview: WritePreview) -> str:
    """The lines shown above the question."""
    meaning = MODE_MEANING.get(preview.mode)
    return "\n".join(
        [
            "bulkops run is about to write to Genesys Cloud:",
            f"  org:    {org_of(preview.api_url)}",
            f"  as:     {preview.credentials}",
            f"  spec:   {preview.spec} ({preview.spec_format}, mode {preview.mode}" + (f": {meaning})" if meaning else ")"),
            f"  users:  {preview.users_named} named"
            + (f", {preview.users_changing} to change as they stand now" if preview.users_changing is not None else "")
            + "; one already as the spec says gets no write (`bulkops plan` lists the changes)",
            *(f"  {line}" for line in preview.impact),
        ]
    )


def is_yes(answer: str | None) -> bool:
    """Only an explicit yes proceeds; an empty line, EOF or Ctrl-C is no."""
    return answer is not None and answer.strip().lower() in ("y", "yes")


def can_ask(stdin: TextIO | None = None, stderr: TextIO | None = None) -> bool:
    """A person is there to answer: stdin and stderr (where the question goes) are terminals."""
    streams = (stdin or sys.stdin, stderr or sys.stderr)
    return all(stream is not None and stream.isatty() for stream in streams)


async def confirm_before_writing(
    spec: SpecFacts,
    config: ClientConfig,
    stopper: Stopper,
    *,
    assume_yes: bool,
    users_named: int,
    users_changing: Callable[[], int] | None = None,
    impact: tuple[str, ...] = (),
) -> None:
    """Return to go on; raise ``NotConfirmed`` unless the answer is yes. Asks nothing with
    ``--yes`` or without a terminal."""
    if assume_yes or not can_ask():
        return
    changing = users_changing() if users_changing is not None else None  # counted only when someone is asked
    preview = WritePreview(spec.path, spec.format, spec.mode, users_named, config.api_url, credentials_of(config), changing, impact)
    click.echo(describe(preview), err=True)
    click.echo("proceed? [y/N] ", err=True, nl=False)
    answer = await _read_line(sys.stdin, stopper)
    if answer == "":
        click.echo("", err=True)  # EOF (Ctrl-D): end the question's line (Ctrl-C's notice starts its own)
    if not is_yes(answer):
        raise NotConfirmed("not confirmed: nothing was written and no job was created")


async def _read_line(stdin: TextIO, stopper: Stopper) -> str | None:
    """One line from the terminal, or None on Ctrl-C (the stopper's signal path)."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str | None] = loop.create_future()
    fd = stdin.fileno()

    def readable() -> None:
        if not answer.done():
            answer.set_result(os.read(fd, 4096).decode(errors="replace"))

    def interrupted() -> None:
        if not answer.done():
            answer.set_result(None)

    notice, stopper.notice = stopper.notice, "not confirmed"
    loop.add_reader(fd, readable)
    stopper.attach(interrupted)
    try:
        return await answer
    finally:
        loop.remove_reader(fd)
        stopper.notice = notice
