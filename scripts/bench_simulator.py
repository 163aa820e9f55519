#!/usr/bin/env python3
"""Throughput of the embedded Genesys Cloud simulator, faults and rate limits off.

The server runs in its own process pinned to one CPU (``os.sched_setaffinity`` where
available); the load comes from an aiohttp client in this process, pinned to another
CPU when there is one. Loopback only, bounded by a request count and a time limit.

    .venv/bin/python scripts/bench_simulator.py                 # defaults
    .venv/bin/python scripts/bench_simulator.py --requests 40000 --concurrency 64 --users 5000

The mix is read-heavy like a bulkops run: GET one user with skills+languages expanded,
cursor pages of users, the skills catalogue, and PATCH .../routingskills/bulk writes.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _pin(cpu: int) -> str:
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        chosen = cpus[cpu % len(cpus)]
        os.sched_setaffinity(0, {chosen})
        return f"cpu {chosen}"
    return "unpinned"


def _server(users: int, port_queue: mp.Queue[int], stop: mp.Event) -> None:  # type: ignore[name-defined]
    from bulkops.simulator import SimConfig, Simulator, serve

    pinned = _pin(0)

    async def main() -> None:
        sim = Simulator(SimConfig(users=users))
        running = await serve(sim, "127.0.0.1", 0)
        port_queue.put((running.port, pinned))
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await running.close()

    asyncio.run(main())


async def _load(base: str, *, requests: int, seconds: float, concurrency: int) -> tuple[int, float, Counter]:
    import base64

    import aiohttp

    auth = base64.b64encode(b"bulkops-sim:bulkops-sim-secret").decode()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        async with http.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {auth}"}) as r:
            token = (await r.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        async with http.get(f"{base}/__sim/state") as r:
            state = await r.json()
        user_ids = [u["id"] for u in state["users"]]
        skill_ids = [s["id"] for s in state["skills"]]
        statuses: Counter = Counter()
        issued = 0
        deadline = time.perf_counter() + seconds

        async def worker(w: int) -> None:
            nonlocal issued
            cursor = None
            while issued < requests and time.perf_counter() < deadline:
                i = issued
                issued += 1
                uid = user_ids[(i * 7919) % len(user_ids)]
                kind = i % 10
                if kind < 6:
                    req = http.get(f"{base}/api/v2/users/{uid}", params={"expand": "skills,languages"}, headers=headers)
                elif kind < 8:
                    params = {"pageSize": "25"}
                    if cursor:
                        params["cursor"] = cursor
                    req = http.get(f"{base}/api/v2/users/query", params=params, headers=headers)
                elif kind < 9:
                    req = http.get(f"{base}/api/v2/routing/skills", headers=headers)
                else:
                    body = [{"id": skill_ids[i % len(skill_ids)], "proficiency": float(i % 6)}]
                    req = http.patch(f"{base}/api/v2/users/{uid}/routingskills/bulk", json=body, headers=headers)
                async with req as r:
                    data = await r.read()
                    statuses[r.status] += 1
                    if kind in (6, 7) and r.status == 200:
                        import orjson

                        cursor = orjson.loads(data).get("cursor")

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        return sum(statuses.values()), time.perf_counter() - t0, statuses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=30000, help="stop after this many requests")
    ap.add_argument("--seconds", type=float, default=20.0, help="...or after this long")
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()

    ctx = mp.get_context("spawn")
    port_queue: mp.Queue = ctx.Queue()
    stop = ctx.Event()
    proc = ctx.Process(target=_server, args=(args.users, port_queue, stop), daemon=True)
    proc.start()
    try:
        port, server_cpu = port_queue.get(timeout=60)
        client_cpu = _pin(1)
        base = f"http://127.0.0.1:{port}"
        done, elapsed, statuses = asyncio.run(_load(base, requests=args.requests, seconds=args.seconds, concurrency=args.concurrency))
    finally:
        stop.set()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()
    print(f"server: {server_cpu}; client: {client_cpu}; users={args.users} concurrency={args.concurrency}")
    print(f"{done} requests in {elapsed:.2f} s = {done / elapsed:,.0f} requests/s; statuses {dict(statuses)}")


if __name__ == "__main__":
    main()
