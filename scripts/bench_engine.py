#!/usr/bin/env python3
"""Engine benchmark: requests per changed user, sustained rate, peak memory.

Runs the real ``bulkops run`` in a child process against the simulator in another, on
loopback, and reads the figures from the run's summary.json and the child's rusage.

    .venv/bin/python scripts/bench_engine.py rate   --users 400  --rps 8     # sustained rate at the default limit
    .venv/bin/python scripts/bench_engine.py cost   --users 5000 --rps 400   # requests/changed user vs GET+PUT baseline
    .venv/bin/python scripts/bench_engine.py memory --users 100000 --skills 50 --rps 3000

Scenario ``cost`` also measures the tutorial approach (GET each user, then PUT its
whole merged skill list) on an identically seeded org, through the same client.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bulkops.simulator.catalog import SKILL_NAMES
from bulkops.simulator.process import client_env as sim_env
from bulkops.simulator.process import simulator_process as simulator


def write_matrix(path: Path, users: int, skills: int, seed: int) -> None:
    rng = random.Random(seed)
    names = list(SKILL_NAMES[:skills])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["email", *names])
        for i in range(users):
            w.writerow([f"agent{i:05d}@example.com", *(rng.choice(("1", "2", "3", "4", "5")) for _ in names)])


def run_bulkops(url: str, spec: Path, state: Path, rps: float, workers: int) -> tuple[dict, float, int]:
    """Run ``bulkops run`` as a child; return (summary, wall seconds, peak RSS in MB)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bulkops",
            "run",
            str(spec),
            "--base-url",
            url,
            "--state-dir",
            str(state),
            "--job",
            "bench",
            "--rps",
            str(rps),
            "--workers",
            str(workers),
            "--plain-progress",
        ],
        env=sim_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        raise SystemExit(f"bulkops run exited {code}\n{out}\n{err}")
    summary = orjson.loads((state / "bench" / "summary.json").read_bytes())
    return summary, wall, usage.ru_maxrss // 1024


async def baseline(url: str, users: int, skills: int, seed: int, rps: float) -> dict:
    """The tutorial way: for each user GET it, merge, PUT the whole skill list back."""
    from bulkops.client import ClientConfig, GenesysClient

    rng = random.Random(seed)
    cfg = ClientConfig.resolve(base_url=url, client_id="bulkops-sim", client_secret="bulkops-sim-secret", rps=rps, env={})
    async with GenesysClient(cfg) as client:
        ids = {e["name"]: e["id"] for e in await client.all_entities("/api/v2/routing/skills", page_size=100)}
        names = list(SKILL_NAMES[:skills])
        by_email = {}
        async for page in client.iter_users(expand=(), page_size=500):
            by_email.update({u["email"]: u["id"] for u in page.entities})
        before = client.stats.requests
        sem = asyncio.Semaphore(16)

        async def one(i: int, wanted: dict[str, float]) -> None:
            async with sem:
                uid = by_email[f"agent{i:05d}@example.com"]
                user = (await client.get_user(uid, expand=("skills",))).data
                merged = {s["id"]: s["proficiency"] for s in user.get("skills") or []}
                merged.update(wanted)
                await client.replace_skills(uid, merged)

        jobs = []
        for i in range(users):
            wanted = {ids[n]: float(rng.choice(("1", "2", "3", "4", "5"))) for n in names}
            jobs.append(one(i, wanted))
        started = time.monotonic()
        await asyncio.gather(*jobs)
        spent = client.stats.requests - before
        return {"requests": spent, "per_user": spent / users, "seconds": time.monotonic() - started}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", choices=["rate", "cost", "memory"])
    ap.add_argument("--users", type=int, default=400)
    ap.add_argument("--skills", type=int, default=10, help="skills per user in the matrix")
    ap.add_argument("--rps", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    org_skills = max(40, args.skills + 10)
    with tempfile.TemporaryDirectory(prefix="bulkops-bench-") as tmp:
        tmp = Path(tmp)
        spec = tmp / "matrix.csv"
        t0 = time.monotonic()
        write_matrix(spec, args.users, args.skills, args.seed)
        print(f"spec: {args.users} users x {args.skills} skills, {spec.stat().st_size / 1e6:.1f} MB, written in {time.monotonic() - t0:.1f}s")
        sim_args = ["--users", str(args.users), "--skills", str(org_skills), "--seed", str(args.seed)]
        with simulator(*sim_args) as url:
            summary, wall, rss = run_bulkops(url, spec, tmp / "state", args.rps, args.workers)
        run = summary["this_run"]
        print(f"bulkops run: {summary['users']}")
        print(f"  engine: {run['requests']} requests in {run['duration_s']}s -> {run['requests_per_changed_user']} requests per changed user")
        print(f"  rate:   {run['achieved_rps']} req/s of {run['configured_rps']} configured ({run['rps_fraction'] * 100:.1f}%); 429s {run['http_429']}")
        print(f"  whole process: {wall:.1f}s wall (includes validation, the resolution listing, set-up); peak RSS {rss} MB")
        if args.scenario == "cost":
            with simulator(*sim_args) as url:
                base = asyncio.run(baseline(url, args.users, args.skills, args.seed, args.rps))
            print(f"baseline GET+PUT: {base['requests']} requests -> {base['per_user']:.3f} per changed user, {base['seconds']:.1f}s")


if __name__ == "__main__":
    main()
