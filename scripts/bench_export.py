#!/usr/bin/env python3
"""``bulkops export`` at scale: requests, time and the export process's peak memory (#30 §1).

Runs the real ``bulkops export`` (a child process) against a simulator process, counts the requests at
the simulator (``/__sim/stats``), then, with ``--round-trip``, runs ``bulkops plan`` of the export and
of the export with one cell edited, checking 0 and then 1 user to change and no write sent.

    .venv/bin/python scripts/bench_export.py --users 100000 --rps 3000
    .venv/bin/python scripts/bench_export.py --users 20000 --rps 3000 --round-trip

Peak memory is the export child's maximum resident set (``getrusage(RUSAGE_CHILDREN)`` read right
after it ends: the simulator child is still running, so it is not counted). The machine's load
average is printed beside the figures: on a busy machine the times stretch, the counts do not.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson

from bulkops.simulator.process import client_env, simulator_process


def sim_stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/__sim/stats", timeout=30) as answer:
        stats: dict[str, Any] = orjson.loads(answer.read())
        return stats


def routes(url: str) -> dict[str, int]:
    return {key: r["total"] for key, r in sim_stats(url)["byRoute"].items()}


def spent(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def writes(counts: dict[str, int]) -> int:
    """Requests that could change the org: not GETs, not the token, not the POSTs that only read."""
    return sum(v for k, v in counts.items() if not k.startswith("GET ") and not k.endswith(("/oauth/token", "/query", "/search")))


def bulkops(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "bulkops", *args], env=client_env(), capture_output=True, text=True, timeout=3600)
    return done, time.monotonic() - started


def plan_changing(url: str, spec: Path, rps: str) -> int:
    done, seconds = bulkops("plan", str(spec), "--base-url", url, "--rps", rps, "--json", "--detail", "5")
    if done.returncode != 0:
        raise SystemExit(f"plan failed ({done.returncode}): {done.stderr[-2000:]}")
    changing = int(orjson.loads(done.stdout)["users_changing"])
    print(f"  plan: {changing} user(s) to change, {seconds:.1f}s")
    return changing


def edit_one_title(spec: Path) -> None:
    with spec.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    table[1][table[0].index("@title")] = "Night Shift Lead"
    with spec.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rps", default="3000")
    parser.add_argument("--format", default="wide", choices=("wide", "long", "json"))
    parser.add_argument("--round-trip", action="store_true", help="plan the export (0 to change), then with one cell edited (1)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp, simulator_process("--users", str(args.users), "--seed", "5") as url:
        out = Path(tmp) / f"org.{'json' if args.format == 'json' else 'csv'}"
        before = routes(url)
        done, seconds = bulkops("export", "--base-url", url, "--rps", args.rps, "--out", str(out), "--format", args.format)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode != 0:
            raise SystemExit(f"export failed ({done.returncode}): {done.stderr[-2000:]}")
        used = spent(before, routes(url))
        listing = used.get("GET /api/v2/users/query", 0)
        print(done.stderr.strip().splitlines()[-1])
        print(f"  export: {args.users} users, {out.stat().st_size / 1e6:.1f} MB {args.format}, {seconds:.1f}s wall, peak RSS {peak_mb:.0f} MB")
        print(f"  requests at the simulator: {sum(used.values())} = listing {listing} (ceil({args.users}/500) = {math.ceil(args.users / 500)}) + {used}")
        print(f"  writes: {writes(used)}; load average now {os.getloadavg()[0]:.2f}")
        if args.round_trip:
            before = routes(url)
            assert plan_changing(url, out, args.rps) == 0
            edit_one_title(out)
            assert plan_changing(url, out, args.rps) == 1
            print(f"  writes during both plans: {writes(spent(before, routes(url)))}")


if __name__ == "__main__":
    main()
