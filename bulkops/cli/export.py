"""``export``: the org's users as a spec bulkops reads back."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import click

from bulkops.cli.support import exitcodes
from bulkops.cli.support.common import client_config, connection_options, fail, handles_errors
from bulkops.cli.support.verbosity import is_quiet, say
from bulkops.client import GenesysClient
from bulkops.export.job import export_org
from bulkops.export.model import ExportCounts, Selection
from bulkops.export.reader import SelectionError
from bulkops.export.writers import FORMATS
from bulkops.state.layout import private_fd


class ListingProgress:
    """Users listed so far: one line rewritten on a terminal, a line every ``every`` seconds otherwise."""

    def __init__(self, stream: TextIO, every: float = 10.0):
        self.stream = stream
        self.tty = stream.isatty()
        self.every = every
        self.last = 0.0
        self.silent = is_quiet()

    def __call__(self, listed: int, kept: int) -> None:
        if self.silent:
            return
        text = f"export: {listed} users listed, {kept} kept"
        if self.tty:
            self.stream.write("\r" + text)
            self.stream.flush()
            return
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            print(text, file=self.stream, flush=True)

    def end(self) -> None:
        if self.tty and not self.silent:
            self.stream.write("\n")


@contextmanager
def _output(out: str | None) -> Iterator[TextIO]:
    """stdout, or ``out`` written whole or not at all: a private temporary file beside it, moved
    into place once the export is complete (a failed or stopped export leaves no half file)."""
    if out is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(out)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(private_fd(tmp), "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@click.command()
@click.option("--format", "form", type=click.Choice(FORMATS), default="wide", show_default=True, help="wide CSV, long CSV or a JSON document.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to FILE (owner-only; written whole or not at all). Default: stdout.")
@click.option("--division", "divisions", multiple=True, metavar="NAME", help="Only users in this division (several: any of them).")
@click.option("--queue", "queues", multiple=True, metavar="NAME", help="Only members of this queue (several: any of them; reads its members).")
@click.option("--skill", "skills", multiple=True, metavar="NAME", help="Only users holding this skill (several: any of them).")
@click.option("--department", "departments", multiple=True, metavar="NAME", help="Only users of this department (several: any of them).")
@connection_options
@handles_errors
def export(
    form: str, out: str | None, divisions: tuple[str, ...], queues: tuple[str, ...], skills: tuple[str, ...], departments: tuple[str, ...], **kw: Any
) -> None:
    """Write the org's users as a job spec bulkops reads back. Reads only.

    What it states is what the org holds, so `bulkops plan` of the file as
    exported finds nothing to change; edit a cell and plan shows exactly that.
    The mode is merge: a blank cell leaves a value alone. Several selections: a
    user must match each of them.

    \b
    wide (default): email, a column per skill, lang:<name> per language,
                    @department, @title, @manager (email), @division (name)
    long:           email,skill,proficiency: skills and languages only
    json:           a version 2 document: the same as wide, plus each user's
                    direct queues (joinQueues), each queue's settings
                    (queues) and the org's default utilization

    \b
    Left out, because a spec cannot state it as the org holds it:
      queue members through a group, team or skill group, and a member's
      joined/unjoined flag; each user's own utilization (a request a user);
      a queue's wrap-up codes (a spec adds and removes, it cannot say "only
      these") and a setting outside the spec's ranges; a field the user has
      no value for (a spec cannot clear one); skills and languages no longer
      in the org's catalogue (counted on stderr); inactive and deleted users.
    Cells that start like a spreadsheet formula (= + - @) get a ' before them,
    as in the result files; bulkops reads them back without it.

    One listing of the org: ceil(users/500) requests plus the catalogues
    (skills, languages, divisions), at --rps; json adds the queues listing,
    their members (a request a 100) and the default utilization, --queue the
    members of the queues it names. Memory stays small: users wait in a
    temporary file.

    \b
    Example:
      bulkops export --out org.csv --division EMEA
      bulkops plan org.csv            # nothing to change
    """
    selection = Selection(divisions=divisions, queues=queues, skills=skills, departments=departments)
    config = client_config(kw)
    progress = ListingProgress(sys.stderr)

    async def main() -> tuple[ExportCounts, int]:
        async with GenesysClient(config) as client:
            with _output(out) as fh:
                counts = await export_org(client, selection, form, fh, on_page=progress)
            return counts, client.stats.requests

    try:
        counts, requests = asyncio.run(main())
    except SelectionError as exc:
        fail(str(exc), exitcodes.USAGE)
    except KeyboardInterrupt:
        fail("export stopped: nothing was written" + (f" to {out}" if out else ""), exitcodes.ABORTED, "run the same command again")
    finally:
        progress.end()
    where = f" to {out}" if out else ""
    say(f"exported {counts.exported} of {counts.listed} users{where} ({form}) in {requests} requests")
    if counts.unnamed:
        say(f"left out {counts.unnamed} skill or language assignment(s) the org's catalogue no longer names")
