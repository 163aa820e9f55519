"""Start-up: ``--version`` and ``--help`` import no command, and the help lines are the commands' own.

The CPU figure itself is measured by ``scripts/bench_startup.py`` (docs/benchmarks.md), not here:
what a test can hold on a busy machine is which modules get imported, not how long it takes.
"""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from bulkops.cli.main import COMMANDS, cli

HEAVY = ("aiohttp", "structlog", "jsonschema", "rich", "bulkops.engine", "bulkops.simulator", "bulkops.client", "bulkops.spec")

PROBE = """
import sys
from bulkops.cli.main import cli
try:
    cli([{arg!r}])
except SystemExit:
    pass
print("imported:", " ".join(sorted(m for m in sys.modules if m.startswith({heavy!r}))))
"""


@pytest.mark.parametrize("arg", ["--version", "--help"])
def test_version_and_help_import_no_command(arg: str) -> None:
    probe = PROBE.format(arg=arg, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True).stdout
    imported = out.rsplit("imported:", 1)[1].split()
    assert imported == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_help_line_is_the_commands_own(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert command.get_short_help_str(limit=500) == COMMANDS[name].short_help


def test_every_command_is_reachable_by_name() -> None:
    ctx = click.Context(cli)
    assert sorted(cli.list_commands(ctx)) == sorted(COMMANDS)
    assert all(cli.get_command(ctx, name) is not None for name in COMMANDS)


#: What ``run`` needs only after its first write (the result files and the page, at the pass's
#: end) or only on a path of its own (a waves breach's rollback): imported there, not at start (#29 §5).
AFTER_FIRST_WRITE = ("bulkops.report.files", "bulkops.report.html", "bulkops.report.load", "bulkops.engine.undo.undojob")


@pytest.mark.parametrize("command", ["run", "resume"])
def test_run_imports_nothing_it_needs_only_after_its_first_write(command: str) -> None:
    probe = PROBE.format(arg=command, heavy=AFTER_FIRST_WRITE).replace(f"cli([{command!r}])", f"cli([{command!r}, '--help'])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True).stdout
    assert "Usage:" in out  # the command itself was imported, its options listed
    assert out.rsplit("imported:", 1)[1].split() == []


GC_PROBE = """
import gc, sys
from bulkops.cli.main import main
sys.argv = ["bulkops", "--version"]
try:
    main()
except SystemExit:
    pass
print(gc.get_threshold()[0] >= 10_000, gc.get_threshold()[1:] == (10, 10))
"""


def test_the_collector_runs_less_often_than_cpythons_default() -> None:
    """Set-up at 100,000 users allocates millions of short-lived records: at every 700 allocations
    the collector took a fifth of the CPU before the first write (``scripts/bench_startup.py``)."""
    out = subprocess.run([sys.executable, "-c", GC_PROBE], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.split()[-2:] == ["True", "True"]
