"""Serve a Simulator on a real TCP port (for the CLI and the in-process demo)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bulkops.simulator.core import Simulator


@dataclass
class RunningServer:
    """A started server; ``base_url`` has no trailing slash."""

    runner: web.AppRunner
    base_url: str
    host: str
    port: int

    async def close(self) -> None:
        await self.runner.cleanup()


async def serve(sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start ``sim.app`` on ``host:port`` (0 = a free port) and report the actual URL."""
    runner = web.AppRunner(sim.app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_address=True)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    actual = port
    server = site._server  # aiohttp keeps the asyncio server here; sockets give the real port
    # aiohttp annotates ``_server`` as asyncio.AbstractServer, which declares no ``sockets``, but
    # TCPSite stores what loop.create_server returned: a Server, which has them (aiohttp's own
    # AppRunner.addresses ignores the same error).
    sockets = server.sockets if server is not None else None  # type: ignore[attr-defined]
    if sockets:
        actual = sockets[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return RunningServer(runner, f"http://{shown}:{actual}", host, actual)
