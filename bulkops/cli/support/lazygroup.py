"""A click group whose commands are imported when they are used, not at start-up.

Every command pulls in the engine, aiohttp, the simulator or jsonschema; importing all of
them made ``bulkops --version`` cost over a second of CPU. The group knows each command by
name, module and one-line help, so ``--help`` lists them without importing any
(``tests/test_cli_startup.py`` holds each line to the command's own short help).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import click


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives and the line ``--help`` shows for it."""

    module: str
    attr: str
    short_help: str


class LazyGroup(click.Group):
    def __init__(self, *args: Any, lazy: dict[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, LazyCommand] = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            where = self.lazy[cmd_name]
            command = getattr(importlib.import_module(where.module), where.attr)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their help lines, from the table: nothing is imported to list them."""
        names = sorted(self.lazy)
        if names:
            limit = formatter.width - 6 - max(len(name) for name in names)
            rows = [(name, click.Command(name, help=self.lazy[name].short_help).get_short_help_str(limit)) for name in names]
            with formatter.section("Commands"):
                formatter.write_dl(rows)
