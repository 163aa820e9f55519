#!/usr/bin/env python3
"""A pool of OAuth clients against one client (#16): the same job, the same per-client allowance.

Runs the real ``bulkops run`` in a child process against ``bulkops sim serve`` in another, once
with one OAuth client and once with a pool (``GENESYSCLOUD_OAUTHCLIENT_ID_2``/``_SECRET_2`` ...,
the simulator's ``--extra-clients``), each against a fresh org, and compares the wall time of the
whole command (set-up included) and of its pass. The allowance is per client, in a fixed window
as on the platform (``--rate-mode fixed``), 300 a minute times ``--scale``, and each client's
``--rps`` ceiling is the default 8/s times the same scale, so the server's allowance is the bound.

    .venv/bin/python scripts/bench_pool.py --users 3000 --clients 3 --scale 10

The issue's figure is 3,000 users at 300/min a client; ``--scale 10`` runs the same job at
3,000/min a client so it takes a minute instead of ten (``--scale 1`` is the real rate).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bulkops.simulator.process import client_env, simulator_process

SKILL = "Billing"


def write_spec(path: Path, users: int) -> Path:
    """Every named user of the seeded org gets Billing at 3.5 (nearly all of them change)."""
    rows = ["user,Billing", *(f"agent{i:05d}@example.com,3.5" for i in range(users))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def run_once(users: int, clients: int, scale: float, workers: int, work: Path) -> dict:
    """One fresh simulator and one ``bulkops run`` through ``clients`` clients: its figures."""
    per_minute = round(300 * scale)
    args = ["--users", str(users), "--rate-mode", "fixed", "--rate-per-minute", str(per_minute), "--extra-clients", str(clients - 1)]
    pool = {}
    for n in range(2, clients + 1):
        pool |= {f"GENESYSCLOUD_OAUTHCLIENT_ID_{n}": f"bulkops-sim-{n}", f"GENESYSCLOUD_OAUTHCLIENT_SECRET_{n}": f"bulkops-sim-{n}-secret"}
    spec = write_spec(work / f"pool-{clients}.csv", users)
    with simulator_process(*args) as url:
        command = [sys.executable, "-m", "bulkops", "run", str(spec), "--yes", "--json", "--base-url", url]
        command += ["--state-dir", str(work / f"state-{clients}"), "--rps", f"{8 * scale:g}", "--workers", str(workers), "--plain-progress"]
        started = time.monotonic()
        done = subprocess.run(command, env=client_env(**pool), capture_output=True, text=True, timeout=7200, check=False)
        wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"bulkops run exited {done.returncode}:\n{done.stderr[-3000:]}")
    summary = orjson.loads(done.stdout)
    run = summary["this_run"]
    return {
        "clients": clients,
        "wall_s": round(wall, 1),
        "pass_s": run["duration_s"],
        "applied": summary["users"].get("applied", 0),
        "requests": run["requests"],
        "http_429": run["http_429"],
        "achieved_rps": run["achieved_rps"],
        "per_client": [(c["client_id"], c["requests"], c["http_429"]) for c in run["clients"] or []],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=3, help="clients in the pool (the other run has one)")
    parser.add_argument("--scale", type=float, default=10.0, help="the allowance (300/min) and the --rps ceiling (8/s) times this")
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one = run_once(args.users, 1, args.scale, args.workers, Path(tmp))
        pool = run_once(args.users, args.clients, args.scale, args.workers, Path(tmp))
    per_minute = round(300 * args.scale)
    print(f"{args.users} users, one Billing skill each (one request a user), {per_minute}/min a client (fixed window), --rps {8 * args.scale:g} a client")
    for r in (one, pool):
        print(
            f"  {r['clients']} client(s): {r['applied']} applied in {r['wall_s']} s (pass {r['pass_s']} s), "
            f"{r['requests']} requests, {r['achieved_rps']} req/s in the pass, 429 {r['http_429']}"
        )
        for client_id, requests, limited in r["per_client"]:
            print(f"      {client_id}: {requests} requests, 429 {limited}")
    print(
        f"pool of {args.clients} / one client: {pool['wall_s'] / one['wall_s']:.1%} of the time (whole command), {pool['pass_s'] / one['pass_s']:.1%} (the pass); target <= 36% (#29 §4)"
    )


if __name__ == "__main__":
    main()
