"""The simulator on a background thread's event loop, over real loopback HTTP.

For tests that drive the command line in-process (click's CliRunner) or through a terminal
(a pty child): the command owns the main thread and runs its own ``asyncio.run`` (signal
handlers need the main thread), so the server cannot share the test's event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bulkops.simulator import SimConfig, Simulator, serve
from bulkops.simulator.server import RunningServer
from helpers.faultproxy import FaultProxy


@contextmanager
def simulator_thread(config: SimConfig | None = None) -> Iterator[tuple[Simulator, str]]:
    """Yield ``(simulator, base_url)``; the server stops and its thread ends on exit.

    Read or reset the simulator only while no command is running against it."""
    sim = Simulator(config or SimConfig())
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    started: list[RunningServer] = []
    failed: list[BaseException] = []

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            started.append(loop.run_until_complete(serve(sim)))
        except BaseException as exc:  # reported to the test below
            failed.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(started[0].close())
        loop.close()

    thread = threading.Thread(target=main, name="simulator", daemon=True)
    thread.start()
    if not ready.wait(30) or failed:
        raise RuntimeError(f"simulator thread did not start: {failed[0] if failed else 'timeout'}")
    try:
        yield sim, started[0].base_url
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)


@contextmanager
def proxy_thread(upstream: str) -> Iterator[FaultProxy]:
    """The fault proxy in front of ``upstream`` on a background thread's event loop, for a command
    run in-process (it owns the main thread). Add rules before the command starts."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fault-proxy", daemon=True)
    thread.start()
    proxy = asyncio.run_coroutine_threadsafe(FaultProxy(upstream).start(), loop).result(timeout=30)
    try:
        yield proxy
    finally:
        asyncio.run_coroutine_threadsafe(proxy.close(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
