#!/usr/bin/env python3
"""Engine benchmark: requests per changed user, sustained rate, peak memory.

Runs the real ``bulkops run`` in a child process against the simulator in another, on
loopback, and reads the figures from the run's summary.json and the child's rusage.

    .venv/bin/python scripts/bench_engine.py rate   --users 400  --rps 8     # sustained rate at the default limit
    .venv/bin/python scripts/bench_engine.py cost   --users 5000 --rps 400   # requests/changed user vs GET+PUT baseline
    .venv/bin/python scripts/bench_engine.py memory --users 100000 --skills 50 --rps 3000

Scenario ``allowance`` puts a server-side limit on the simulator (``--sim-rate-mode fixed
--sim-rate-per-minute 300`` is a real org's default) and reads the request and 429 counts from
the simulator's own counters (``/__sim/stats``); ``--plan`` first runs ``bulkops plan`` against
it and compares its duration estimate with the run's:

    .venv/bin/python scripts/bench_engine.py allowance --users 900 --rps 8 --sim-rate-mode fixed --sim-rate-per-minute 300 --plan
    .venv/bin/python scripts/bench_engine.py allowance --users 600 --rps 8 --sim-rps 5
    .venv/bin/python scripts/bench_engine.py allowance --users 3000 --rps 50 --sim-rps 60

Every ``allowance`` run also reads the start time of each API request as the simulator received it
(``scripts/sim_starts.py`` wraps ``bulkops sim serve``) and prints the busiest sliding 1-second window
and the rate over the run's own requests. Without ``--sim-rps``/``--sim-rate-per-minute`` the server is
unlimited and ``--rps`` is the only bound:

    .venv/bin/python scripts/bench_engine.py allowance --users 480 --rps 8

Scenario ``cost`` also measures the tutorial approach (GET each user, then PUT its
whole merged skill list) on an identically seeded org, through the same client.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import orjson

from bulkops.simulator.model.catalog import SKILL_NAMES
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


def org_skill_count(matrix_skills: int) -> int:
    """Skills the simulated org has: ten the matrix does not name (merge mode keeps them), but never
    so many that a user holding some of them plus the matrix's would pass the 50-skill cap and the
    job be refused (at --skills 50 the org has exactly the matrix's 50)."""
    return max(matrix_skills, min(50, max(40, matrix_skills + 10)))


def run_bulkops(url: str, spec: Path, state: Path, rps: float, workers: int, *, log_to: Path | None = None) -> tuple[dict, float, int]:
    """Run ``bulkops run`` as a child; return (summary, wall seconds, peak RSS in MB).

    Its output goes to files, not pipes: a 100,000-user run prints more than a pipe holds, and a
    child blocked on a full pipe while this process waits for it never ends. With ``log_to`` it runs
    with ``-v`` (a JSON line per request on stderr) and its stderr is kept there."""
    verbose = ["-v"] if log_to is not None else []
    args = [sys.executable, "-m", "bulkops", *verbose, "run", str(spec), "--base-url", url, "--state-dir", str(state)]
    args += ["--job", "bench", "--rps", str(rps), "--workers", str(workers), "--plain-progress"]
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        proc = subprocess.Popen(args, env=sim_env(), stdout=out_file, stderr=err_file, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    if log_to is not None:
        log_to.write_text(err, encoding="utf-8")
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        raise SystemExit(f"bulkops run exited {code}\n{out[-4000:]}\n{err[-4000:]}")
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
    ap.add_argument("scenario", choices=["rate", "cost", "memory", "allowance"])
    ap.add_argument("--users", type=int, default=400)
    ap.add_argument("--skills", type=int, default=10, help="skills per user in the matrix")
    ap.add_argument("--rps", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--sim-rps", type=float, default=None, help="allowance: the simulator's limit per second")
    ap.add_argument("--sim-rate-per-minute", type=int, default=None, help="allowance: the simulator's limit per 60 s")
    ap.add_argument("--sim-rate-mode", choices=["bucket", "fixed"], default="bucket")
    ap.add_argument("--plan", action="store_true", help="allowance: run `bulkops plan` first and compare its estimate")
    args = ap.parse_args()
    if args.scenario == "allowance":
        allowance(args)
        return
    org_skills = org_skill_count(args.skills)
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


def sim_stats(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/__sim/stats") as resp:  # noqa: S310 - loopback simulator
        return orjson.loads(resp.read())


def api_requests(stats: dict) -> tuple[int, int]:
    """(API requests, 429s) from the simulator's counters; the token endpoint is not rate limited."""
    routes = {k: v for k, v in stats["byRoute"].items() if "/api/v2/" in k}
    return sum(v["total"] for v in routes.values()), sum(v["byStatus"].get("429", 0) for v in routes.values())


class StatsPoller:
    """Reads ``/__sim/stats`` every ``every`` seconds meanwhile: when the API requests started and stopped
    counting, from the simulator's own counters (the run's summary times only the engine's part)."""

    def __init__(self, url: str, every: float = 0.25):
        self.url, self.every = url, every
        self.samples: list[tuple[float, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), *api_requests(sim_stats(self.url))))
            self._stop.wait(self.every)

    def __enter__(self) -> StatsPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.monotonic(), *api_requests(sim_stats(self.url))))

    def window(self, base: int) -> tuple[int, int, float]:
        """(requests, 429s, seconds) from the first sample past ``base`` requests to the first at the final count."""
        _, final, final_429 = self.samples[-1]
        start = next(i for i, (_, n, _) in enumerate(self.samples) if n > base)
        end = next(i for i, (_, n, _) in enumerate(self.samples) if n == final)
        t0, n0, l0 = self.samples[max(start - 1, 0)]
        return final - n0, final_429 - l0, self.samples[end][0] - t0


def run_plan(url: str, spec: Path, rps: float) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bulkops", "plan", str(spec), "--base-url", url, "--rps", str(rps), "--json"],
        env=sim_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"bulkops plan exited {out.returncode}\n{out.stdout}\n{out.stderr}")
    return orjson.loads(out.stdout[out.stdout.index("{") :])


def server_limit(args: argparse.Namespace) -> tuple[list[str], float]:
    """The simulator's limit options and its rate (none and infinite: an unlimited server)."""
    if args.sim_rps:
        return ["--rps", str(args.sim_rps)], args.sim_rps
    if args.sim_rate_per_minute:
        return ["--rate-per-minute", str(args.sim_rate_per_minute)], args.sim_rate_per_minute / 60
    return [], math.inf


def read_starts(path: Path) -> list[float]:
    """The API requests' arrival times the simulator wrote, in order."""
    return sorted(float(line) for line in path.read_text().split())


def busiest_second(starts: list[float]) -> tuple[int, float]:
    """The most starts in any sliding window [t, t + 1 s) opening at a start, and where it opens."""
    best, at, j = 0, 0.0, 0
    for i, t in enumerate(starts):
        j = max(j, i)
        while j < len(starts) and starts[j] < t + 1.0:
            j += 1
        if j - i > best:
            best, at = j - i, t
    return best, at


def client_starts(log: Path) -> list[float]:
    """When bulkops sent each API request: its ``-v`` line's time less the request's latency.

    The simulator's arrival times are what the server sees, but on a loaded machine the simulator's
    own process is late too and handles a backlog at once; these are the client's own start times."""
    starts = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if '"http.request"' not in line or '"latency_ms"' not in line:
            continue
        event = orjson.loads(line)
        if not str(event.get("path", "")).startswith("/api/v2/"):
            continue
        at = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()
        starts.append(at - event["latency_ms"] / 1000)
    return sorted(starts)


def print_starts(where: str, starts: list[float], rps: float, expected: float) -> None:
    """The busiest 1-second window against the bound ceil(rps) + 1, and the rate from first to last start."""
    if len(starts) < 2:
        print(f"  start times {where}: too few recorded")
        return
    most, at = busiest_second(starts)
    span = starts[-1] - starts[0]
    rate = (len(starts) - 1) / span
    print(
        f"  start times {where}: {len(starts)}; busiest 1-second window {most} starts (bound ceil(rps)+1 = {math.ceil(rps) + 1}; "
        f"{at - starts[0]:.1f}s in); {rate:.2f} req/s first to last start ({span:.1f}s) = {rate / expected * 100:.1f}% of {expected:g}"
    )


def allowance(args: argparse.Namespace) -> None:
    """A run against a server-side allowance: the rate and the 429s the simulator counted."""
    limit, server_rps = server_limit(args)
    expected = min(server_rps, args.rps)
    with tempfile.TemporaryDirectory(prefix="bulkops-bench-") as tmp:
        tmp = Path(tmp)
        spec = tmp / "matrix.csv"
        write_matrix(spec, args.users, args.skills, args.seed)
        sim_args = [
            "--users",
            str(args.users),
            "--skills",
            str(org_skill_count(args.skills)),
            "--seed",
            str(args.seed),
            *limit,
            "--rate-mode",
            args.sim_rate_mode,
        ]
        starts_file = tmp / "starts.txt"
        print(f"simulator: {' '.join(limit) or 'unlimited'} ({args.sim_rate_mode}); bulkops --rps {args.rps:g}; {args.users} users to change")
        with simulator(*sim_args, entry=(str(Path(__file__).with_name("sim_starts.py")), str(starts_file))) as url:
            plan = None
            if args.plan:
                t0 = time.monotonic()
                plan = run_plan(url, spec, args.rps)
                before, before_429 = api_requests(sim_stats(url))
                print(
                    f"plan:  {plan['estimated_requests']} requests at {plan['pace_rps']}/s ({plan['rate_bound'] or 'configured'}) "
                    f"-> estimate {plan['estimated_seconds']}s; its own reads: {before} requests, {before_429} 429s, {time.monotonic() - t0:.1f}s"
                )
            else:
                before, before_429 = 0, 0
            with StatsPoller(url) as poller:
                summary, wall, _ = run_bulkops(url, spec, tmp / "state", args.rps, args.workers, log_to=tmp / "requests.log")
        run = summary["this_run"]
        seconds = run["duration_s"]
        n, n429, span = poller.window(before)
        achieved = n / span if span else 0.0
        print(f"bulkops run: {summary['users']}; {run.get('rate_bound') or 'bound by the configured rate'}")
        print(f"  simulator counted: {n} API requests, {n429} answered 429 ({n429 * 1000 / max(n, 1):.2f} per 1,000)")
        print(
            f"  rate: {achieved:.2f} req/s from the simulator's first to its last count ({span:.1f}s, polled every 0.25s) "
            f"= {achieved / expected * 100:.1f}% of {expected:g} req/s (min of server and --rps)"
        )
        print(f"  bulkops' own figures: {run['requests']} requests, {run['achieved_rps']} req/s, 429s {run['http_429']}; whole process {wall:.1f}s wall")
        print_starts("at the simulator", read_starts(starts_file)[before:], args.rps, expected)
        print_starts("at the client", client_starts(tmp / "requests.log"), args.rps, expected)
        if plan is not None:
            est = plan["estimated_seconds"]
            print(
                f"  plan estimated {est}s; the run took {seconds}s ({(est - seconds) / seconds * 100:+.1f}%), the whole process {wall:.1f}s ({(est - wall) / wall * 100:+.1f}%)"
            )


if __name__ == "__main__":
    main()
