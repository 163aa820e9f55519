"""The simulator the in-process CLI tests drive (click's CliRunner), over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.simthread import simulator_thread

from bulkops.logsetup import configure_logging
from bulkops.simulator import SimConfig, Simulator


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Simulator, str]]:
    """One simulator per test module, on a background thread (the command owns the main one)."""
    with simulator_thread() as pair:
        yield pair


@pytest.fixture
def org(served: tuple[Simulator, str]) -> Iterator[tuple[Simulator, str]]:
    """The module's simulator with a fresh default org for each test."""
    sim, url = served
    sim.reset(SimConfig())
    yield sim, url
    configure_logging("warning")  # a command pointed structlog at CliRunner's stderr
