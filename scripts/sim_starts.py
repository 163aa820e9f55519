#!/usr/bin/env python3
"""``bulkops sim serve`` that also writes the start time of every API request it receives to a file.

    .venv/bin/python scripts/sim_starts.py STARTS_FILE sim serve --port 0 --rps 5

One ``time.monotonic()`` a line, taken when the request reaches the simulator's middleware (before its
rate limiter, so refused requests count too), for ``/api/v2/`` paths only: the token endpoint is not
paced by the client. ``scripts/bench_engine.py allowance`` reads it for the busiest 1-second window.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from bulkops.cli.main import main as cli_main
from bulkops.simulator import app


def record_starts(path: str) -> None:
    """Wrap the middleware's API step so each request's arrival is written before it is handled."""
    out = open(path, "w", buffering=1, encoding="ascii")  # noqa: SIM115 - open for the process's life
    handle = app._api

    async def timed(sim: Any, request: Any, handler: Any, cid: str) -> Any:
        if request.path.startswith("/api/v2/"):
            out.write(f"{time.monotonic():.6f}\n")
        return await handle(sim, request, handler, cid)

    app._api = timed  # type: ignore[assignment]


if __name__ == "__main__":
    record_starts(sys.argv[1])
    sys.argv = ["bulkops", *sys.argv[2:]]
    cli_main()
