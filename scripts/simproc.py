"""Start ``bulkops sim serve`` in its own process and wait for its URL (shared by the benchmark scripts)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Iterator

URL = re.compile(r"http://127\.0\.0\.1:(\d+)")


@contextmanager
def simulator(*args: str, timeout: float = 300.0) -> Iterator[str]:
    """Yield the base URL of a simulator started with ``args``; always stopped on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulkops", "sim", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + timeout
        url = None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                raise RuntimeError(f"simulator exited with {proc.returncode}")
            match = URL.search(line)
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


def sim_env() -> dict[str, str]:
    return dict(os.environ, GENESYSCLOUD_OAUTHCLIENT_ID="bulkops-sim", GENESYSCLOUD_OAUTHCLIENT_SECRET="bulkops-sim-secret")
