#!/usr/bin/env python3
"""What a job costs, counted at the simulator: every request of the process, the token included.

Runs the real ``bulkops run`` in a child process against ``bulkops sim serve`` in another and
reads the simulator's own counter (``/__sim/stats`` ``total``) before and after, so nothing the
process sends escapes the count. Each scenario prints the figure next to the issue's target.

    .venv/bin/python scripts/bench_cost.py sparse --org 20000 --changed 200 --refs ids
    .venv/bin/python scripts/bench_cost.py sparse --org 20000 --changed 200 --refs emails
    .venv/bin/python scripts/bench_cost.py sparse --org 100000 --changed 200 --refs ids
    .venv/bin/python scripts/bench_cost.py sparse --org 100000 --changed 200 --refs emails
    .venv/bin/python scripts/bench_cost.py dense --org 2000
    .venv/bin/python scripts/bench_cost.py first-write --org 100000 --rps 8
    .venv/bin/python scripts/bench_cost.py migration --org 2000
    .venv/bin/python scripts/bench_cost.py queues --queues 120
    .venv/bin/python scripts/bench_cost.py queues --queues 120 --codes
    .venv/bin/python scripts/bench_cost.py disk --org 5000
    .venv/bin/python scripts/bench_cost.py membership --org 100000
    .venv/bin/python scripts/bench_cost.py utilization --org 20000 --changed 1000
    .venv/bin/python scripts/bench_cost.py utilization --org 20000 --changed 1000 --whole

``sparse`` and ``dense`` also run the same spec a second time as a new job (a no-op rerun:
every user already right) and count that too.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import orjson

from bulkops.simulator.process import client_env, simulator_process

SKILLS = ["Billing", "Sales", "Technical Support", "Retention", "Spanish Support"]


def sim_get(url: str, path: str) -> dict:
    with urllib.request.urlopen(f"{url}{path}") as resp:  # noqa: S310 - loopback simulator
        return orjson.loads(resp.read())


def total(url: str) -> int:
    return int(sim_get(url, "/__sim/stats")["total"])


def org_users(url: str) -> list[dict]:
    return sorted(sim_get(url, "/__sim/state")["users"], key=lambda u: u["id"])


def run(url: str, spec: Path, state: Path, job: str, rps: float) -> tuple[dict, int, float]:
    """``bulkops run`` as a child: (summary, requests the simulator counted, wall seconds)."""
    before, started = total(url), time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "bulkops", "run", str(spec), "--base-url", url, "--state-dir", str(state), "--job", job, "--rps", str(rps), "--yes", "--json"],
        env=client_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if out.returncode not in (0, 3):
        raise SystemExit(f"bulkops run exited {out.returncode}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    summary = orjson.loads(out.stdout[out.stdout.index("{") :])
    return summary, total(url) - before, seconds


def write_spec(path: Path, users: list[dict], refs: str, rng: random.Random, skills: int = 1) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["user", *SKILLS[:skills]])
        for u in users:
            w.writerow([u["id"] if refs == "ids" else u["email"], *(str(rng.randint(1, 5)) for _ in range(skills))])
    return path


def changed(summary: dict) -> int:
    return int(summary["users"].get("applied", 0))


def report(label: str, summary: dict, requests: int, seconds: float, target: str) -> None:
    n = changed(summary)
    per = requests / n if n else float("nan")
    print(f"{label}: {requests} requests at the simulator for {n} changed users -> {per:.3f} per changed user ({seconds:.1f}s); target {target}")
    print(f"  outcomes {summary['users']}; the summary counted {summary.get('requests_total', summary.get('this_run', {}).get('requests'))}")


def sparse(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    with simulator_process("--users", str(args.org), "--seed", str(args.seed), "--rate-per-minute", "1000000") as url, tempfile.TemporaryDirectory() as tmp:
        users = org_users(url)
        picked = users[:: max(1, len(users) // args.changed)][: args.changed]
        spec = write_spec(Path(tmp) / "sparse.csv", picked, args.refs, rng)
        summary, requests, seconds = run(url, spec, Path(tmp) / "state", "first", args.rps)
        limit = {("ids", True): 1.10, ("emails", True): 1.35, ("ids", False): 1.10, ("emails", False): 2.1}[(args.refs, args.org <= 20000)]
        report(f"{args.changed} of {args.org}, named by {args.refs}", summary, requests, seconds, f"<= {limit}")
        summary, requests, seconds = run(url, spec, Path(tmp) / "state", "rerun", args.rps)
        bound = math.ceil(args.changed / 100) + 5
        print(f"no-op rerun: {requests} requests ({summary['users']}); target <= {bound} with ids (ceil(named/100) + 5)")


def dense(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    with simulator_process("--users", str(args.org), "--seed", str(args.seed), "--rate-per-minute", "1000000") as url, tempfile.TemporaryDirectory() as tmp:
        users = org_users(url)
        spec = write_spec(Path(tmp) / "dense.csv", users, "emails", rng, skills=5)
        summary, requests, seconds = run(url, spec, Path(tmp) / "state", "first", args.rps)
        report(f"dense, {args.org} of {args.org}", summary, requests, seconds, "<= 1.01")
        summary, requests, seconds = run(url, spec, Path(tmp) / "state", "rerun", args.rps)
        print(f"no-op rerun: {requests} requests ({summary['users']}); target <= {math.ceil(args.org / 500) + 5} (ceil(org/500) + 5)")


def membership(args: argparse.Namespace) -> None:
    """50 leaves and 50 joins of the biggest queue, users named by id: every request counted."""
    with (
        simulator_process("--users", str(args.org), "--seed", str(args.seed), "--rate-per-minute", "1000000", timeout=900) as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        state = sim_get(url, "/__sim/state")
        biggest = max(state["queues"], key=lambda q: len(q.get("members") or ()))
        members = sorted(m["id"] for m in biggest.get("members") or ())
        outside = sorted({u["id"] for u in state["users"]} - set(members))
        users = [{"user": u, "leaveQueues": [biggest["name"]]} for u in members[:50]] + [{"user": u, "joinQueues": [biggest["name"]]} for u in outside[:50]]
        spec = Path(tmp) / "membership.json"
        spec.write_text(orjson.dumps({"version": 1, "users": users}).decode())
        summary, requests, seconds = run(url, spec, Path(tmp) / "state", "membership", args.rps)
        print(
            f"100 queue joins/leaves on {biggest['name']!r} ({len(members)} members) in a {args.org}-user org: {requests} requests ({seconds:.1f}s); target <= 10"
        )
        print(f"  users {summary['users']}; by kind {summary['this_run']['requests_by_kind']}")


def utilization(args: argparse.Namespace) -> None:
    """``--changed`` users given email capacity 3 (named by email): requests per changed user against the
    ideal of a read and a write each; with ``--whole`` each entry states the user's whole setting
    (every media type), against the ideal of the write alone."""
    with (
        simulator_process("--users", str(args.org), "--seed", str(args.seed), "--rate-per-minute", "1000000", timeout=900) as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        users = org_users(url)
        picked = users[:: max(1, len(users) // args.changed)][: args.changed]
        if args.whole:
            media = {m: {"maximumCapacity": 3 if m == "email" else 1} for m in ("call", "callback", "chat", "email", "message")}
            entries = [{"user": u["email"], "whole": True, "media": media} for u in picked]
        else:
            entries = [{"user": u["email"], "media": {"email": {"maximumCapacity": 3}}} for u in picked]
        spec = Path(tmp) / "utilization.json"
        spec.write_text(orjson.dumps({"version": 2, "utilization": entries}).decode())
        summary, requests, seconds = run(url, spec, Path(tmp) / "state", "utilization", args.rps)
        changed = summary["items"]["utilization"].get("applied", 0)
        print(
            f"{'whole setting' if args.whole else 'email capacity'} for {args.changed} of {args.org} users: {requests} requests ({seconds:.1f}s) for {changed} changed, "
            f"{requests / changed:.3f} per changed user; the ideal is "
            + ("1 (the PUT of the whole setting, no read)" if args.whole else "2 (the setting read, the PUT)")
        )
        print(f"  items {summary['items']}; by kind {summary['this_run']['requests_by_kind']}")


def disk(args: argparse.Namespace) -> None:
    """Run state on disk per user: every user given 50 skills, the job folder measured when the run is over."""
    from bulkops.simulator.model.catalog import SKILL_NAMES

    rng = random.Random(args.seed)
    names = [n for n in SKILL_NAMES][:50]
    with (
        simulator_process("--users", str(args.org), "--seed", str(args.seed), "--skills", "50", "--rate-per-minute", "1000000", timeout=900) as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        users = org_users(url)
        spec = Path(tmp) / "fifty.csv"
        with open(spec, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["user", *names])
            for u in users:
                w.writerow([u["email"], *(str(rng.randint(1, 5)) for _ in names)])
        summary, requests, seconds = run(url, spec, Path(tmp) / "state", "disk", args.rps)
        folder = Path(tmp) / "state" / "disk"
        sizes = {p.name: p.stat().st_size for p in folder.rglob("*") if p.is_file()}
        total = sum(sizes.values())
        print(f"{args.org} users x 50 skills: job folder {total / 1e6:.1f} MB -> {total / args.org / 1000:.2f} KB per user ({seconds:.0f}s); target <= 6 KB")
        for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:6]:
            print(f"  {name}: {size / args.org / 1000:.2f} KB per user")


def migration(args: argparse.Namespace) -> None:
    """The most-held skill migrated to a new one and deleted: requests against the ideal."""
    with simulator_process("--users", str(args.org), "--seed", str(args.seed), "--rate-per-minute", "1000000") as url, tempfile.TemporaryDirectory() as tmp:
        state = sim_get(url, "/__sim/state")
        counts: dict[str, int] = {}
        for u in state["users"]:
            for sid in u["skills"]:
                counts[sid] = counts.get(sid, 0) + 1
        old_id = max(counts, key=counts.__getitem__)
        old = next(s["name"] for s in state["skills"] if s["id"] == old_id)
        spec = Path(tmp) / "migrate.json"
        spec.write_text(orjson.dumps({"version": 2, "skills": [{"create": "Digital Care"}, {"migrate": old, "into": "Digital Care", "delete": True}]}).decode())
        summary, requests, seconds = run(url, spec, Path(tmp) / "state", "migrate", args.rps)
        holders = counts[old_id]
        ideal = holders + math.ceil(args.org / 500) + 2
        print(
            f"migration of {old!r} ({holders} holders) in a {args.org}-user org: {requests} requests ({seconds:.1f}s), "
            f"{requests / holders:.3f} per holder; one write per holder plus the listing and the two skill writes would be {ideal}"
        )
        print(f"  users {summary['users']}; skills {summary.get('items')}; by kind {summary['this_run']['requests_by_kind']}")


def queues(args: argparse.Namespace) -> None:
    """Settings on every queue of an org (and, with --codes, a wrap-up code added and one removed):
    requests per changed queue against the ideal (read, PUT, read-back; codes: their read and one
    request a code), at the guide's pace of 5 queue writes a second."""
    with (
        simulator_process("--users", "100", "--queues", str(args.queues), "--seed", str(args.seed), "--rate-per-minute", "1000000") as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        state = sim_get(url, "/__sim/state")
        codes = {c["id"]: c["name"] for c in state["queueConfig"]["wrapupCodes"]}
        held = state["queueConfig"]["queueWrapupCodes"]
        entries = []
        for q in state["queues"]:
            entry: dict = {
                "queue": q["name"],
                "skillEvaluationMethod": "ALL",
                "media": {"email": {"serviceLevel": {"percentage": 0.9, "durationMs": 3_600_000}}},
            }
            if args.codes:
                entry["addWrapupCodes"] = [codes[sorted(set(codes) - set(held[q["id"]]))[0]]]
                entry["removeWrapupCodes"] = [codes[sorted(held[q["id"]])[0]]]
            entries.append(entry)
        spec = Path(tmp) / "queues.json"
        spec.write_text(orjson.dumps({"version": 2, "queues": entries}).decode())
        summary, requests, seconds = run(url, spec, Path(tmp) / "state", "queues", args.rps)
        n = int((summary.get("items") or {}).get("queue", {}).get("applied", 0))
        ideal = 3 + (3 if args.codes else 0)
        by_kind = summary["this_run"]["requests_by_kind"]
        run_requests = sum(v for k, v in by_kind.items() if k in ("state_reads", "writes", "refetches"))
        print(
            f"queue settings on {n} queues{' with a wrap-up code added and one removed' if args.codes else ''}: {requests} requests ({seconds:.1f}s), "
            f"{requests / n:.3f} per changed queue in all, {run_requests / n:.3f} in the run's phase; the ideal is {ideal} per queue"
        )
        print(f"  items {summary.get('items')}; by kind {by_kind}")


def first_write(args: argparse.Namespace) -> None:
    """Seconds from starting ``bulkops run`` to the simulator's first write, at the configured rate."""
    rng = random.Random(args.seed)
    with (
        simulator_process("--users", str(args.org), "--seed", str(args.seed), "--rate-per-minute", "1000000", timeout=900) as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        users = org_users(url)
        spec = write_spec(Path(tmp) / "dense.csv", users, "emails", rng, skills=5)
        started = time.monotonic()
        cmd = [sys.executable, "-m", "bulkops", "run", str(spec), "--base-url", url, "--state-dir", str(Path(tmp) / "s"), "--rps", str(args.rps), "--yes"]
        proc = subprocess.Popen(cmd, env=client_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                methods = sim_get(url, "/__sim/stats")["byMethod"]
                if methods.get("PATCH") or methods.get("PUT"):
                    break
                if proc.poll() is not None:
                    raise SystemExit(f"bulkops run ended ({proc.returncode}) before writing")
                time.sleep(0.1)
            seconds = time.monotonic() - started
            reads = sim_get(url, "/__sim/stats")["total"]
        finally:
            proc.kill()
            proc.wait()
        print(f"time to first write, {args.org} users at {args.rps:g}/s: {seconds:.1f}s after {reads} requests; target <= 30s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=("sparse", "dense", "first-write", "migration", "queues", "disk", "membership", "utilization"))
    parser.add_argument("--queues", type=int, default=120, help="queues in the org (queues scenario)")
    parser.add_argument("--codes", action="store_true", help="queues scenario: also add and remove a wrap-up code on each")
    parser.add_argument("--whole", action="store_true", help="utilization scenario: each entry states the user's whole setting")
    parser.add_argument("--org", type=int, default=20000)
    parser.add_argument("--changed", type=int, default=200)
    parser.add_argument("--refs", choices=("ids", "emails"), default="ids")
    parser.add_argument("--rps", type=float, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    scenarios = {
        "sparse": sparse,
        "dense": dense,
        "first-write": first_write,
        "migration": migration,
        "queues": queues,
        "disk": disk,
        "membership": membership,
        "utilization": utilization,
    }
    scenarios[args.scenario](args)


if __name__ == "__main__":
    main()
