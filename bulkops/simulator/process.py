"""The simulator in its own process (``bulkops sim serve``), for benchmarks and CLI tests.

A separate process keeps the simulator's CPU and memory out of the figures being
measured, and lets a test SIGKILL the client without touching the server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

_URL = re.compile(r"http://127\.0\.0\.1:(\d+)")


@contextmanager
def simulator_process(*args: str, timeout: float = 300.0, entry: Sequence[str] = ("-m", "bulkops")) -> Iterator[str]:
    """Yield the base URL of ``bulkops sim serve --port 0 ARGS``; the process is always stopped on exit.
    ``entry`` is what python runs instead of ``-m bulkops`` (a script that wraps the CLI)."""
    proc = subprocess.Popen(
        [sys.executable, *entry, "sim", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + timeout
        url = None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line and proc.poll() is not None:
                raise RuntimeError(f"simulator exited with {proc.returncode}")
            match = _URL.search(line)
            if match:
                url = match.group(0)
        if url is None:
            raise RuntimeError("simulator did not print its URL in time")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def client_env(**extra: str) -> dict[str, str]:
    """The environment a ``bulkops`` child needs to talk to a default simulator."""
    return dict(os.environ, GENESYSCLOUD_OAUTHCLIENT_ID="bulkops-sim", GENESYSCLOUD_OAUTHCLIENT_SECRET="bulkops-sim-secret", **extra)
