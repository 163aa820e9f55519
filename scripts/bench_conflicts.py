#!/usr/bin/env python3
"""Extra requests per 409, counted at the simulator: what a conflict costs bulkops.

Runs the real ``bulkops run`` (a child process) twice against a simulator process seeded the
same way: once with no conflicts, once with the simulator answering a share of writes a
spurious 409 (nothing applied). The difference in the simulator's request count, divided by
the 409s it answered, is what one conflict costs.

    .venv/bin/python scripts/bench_conflicts.py versionless        --users 1000 --rate 0.1
    .venv/bin/python scripts/bench_conflicts.py versionless-remove --users 1000 --rate 0.1
    .venv/bin/python scripts/bench_conflicts.py versioned          --users 1000 --rate 0.1

``versionless``: a skills job setting two skills (one bulk PATCH, no version), with
``bulk_write_conflict_rate``. bulkops sends the upsert again, carrying every skill the user's line
names, after the conflict delay and reads nothing: 1 extra request a conflict.
``versionless-remove``: the same plus a removal (a DELETE): the other writer a 409 stands for may
have changed any skill the line names, and one write cannot carry a removal with the upserts, so
the user is read again: 2. ``versioned``: a job changing a user field
(``PATCH /api/v2/users/{id}``, which carries the version just read), with ``conflict_rate`` (another
administrator's edit, then a 409): the user must be read again for its new version, so 2.

Each run also checks that the summary's request count equals the simulator's for the process.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import orjson

from bulkops.simulator.model.catalog import SKILL_NAMES
from bulkops.simulator.process import client_env, simulator_process

KNOB = {"versionless": "bulk_write_conflict_rate", "versionless-remove": "bulk_write_conflict_rate", "versioned": "conflict_rate"}


def write_spec(path: Path, scenario: str, users: int) -> None:
    if scenario.startswith("versionless"):  # set two skills; with -remove, remove a third (where held)
        remove = scenario.endswith("-remove")
        names = SKILL_NAMES[: 3 if remove else 2]
        rows = [f"agent{i:05d}@example.com,{1 + i % 5},{1 + (i + 2) % 5}" + (",-" if remove else "") for i in range(users)]
        path.write_text("\n".join([f"email,{','.join(names)}", *rows]) + "\n", encoding="utf-8")
    else:
        body = {"version": 1, "mode": "merge", "users": [{"user": f"agent{i:05d}@example.com", "department": "Bench"} for i in range(users)]}
        path.write_bytes(orjson.dumps(body))


def sim_call(url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = orjson.dumps(body) if body is not None else None
    req = urllib.request.Request(url + path, data=data, method="POST" if data else "GET", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback simulator
        answer: dict[str, Any] = orjson.loads(resp.read() or b"{}")
        return answer


def one_run(args: argparse.Namespace, rate: float, tmp: Path) -> dict[str, Any]:
    spec = tmp / ("spec.csv" if args.scenario.startswith("versionless") else "spec.json")
    write_spec(spec, args.scenario, args.users)
    state = tmp / f"state-{rate}"
    with simulator_process("--users", str(args.users), "--seed", str(args.seed)) as url:
        sim_call(url, "/__sim/config", {KNOB[args.scenario]: rate})
        cmd = [sys.executable, "-m", "bulkops", "run", str(spec), "--base-url", url, "--state-dir", str(state), "--job", "bench"]
        cmd += ["--rps", str(args.rps), "--workers", str(args.workers), "--conflict-delay", "0", "--conflict-attempts", "20", "--yes", "--json"]
        done = subprocess.run(cmd, env=client_env(), capture_output=True, text=True, timeout=3600)
        if done.returncode not in (0, 3):
            raise SystemExit(f"bulkops run exited {done.returncode}\n{done.stdout}\n{done.stderr}")
        summary = orjson.loads(done.stdout)
        stats = sim_call(url, "/__sim/stats")
    routes = stats["byRoute"]
    return {
        "summary": summary["this_run"],
        "total": stats["total"],
        "conflicts": int(stats["byStatus"].get("409", 0)),
        "refetches": routes.get("GET /api/v2/users/{userId}", {}).get("total", 0),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", choices=sorted(KNOB))
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=0.1, help="share of writes the simulator answers 409")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--rps", type=float, default=2000)
    ap.add_argument("--workers", type=int, default=16)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bulkops-conflicts-") as tmp:
        clean = one_run(args, 0.0, Path(tmp))
        conflicted = one_run(args, args.rate, Path(tmp))
    for name, r in (("no conflicts", clean), (f"{KNOB[args.scenario]}={args.rate}", conflicted)):
        s = r["summary"]
        agree = "equal" if s["requests"] == r["total"] else f"DIFFER ({s['requests']})"
        print(
            f"{name:32} simulator {r['total']:6} requests, 409s {r['conflicts']:4}, user re-reads {r['refetches']:4}; "
            f"summary {s['requests']} ({agree}), by kind {', '.join(f'{k} {v}' for k, v in s['requests_by_kind'].items() if v)}"
        )
    extra = conflicted["total"] - clean["total"]
    if not conflicted["conflicts"]:
        raise SystemExit("no 409 was answered: raise --rate or --users")
    print(
        f"{args.scenario}: {extra} extra requests for {conflicted['conflicts']} conflicts -> {extra / conflicted['conflicts']:.3f} extra requests per conflict"
    )


if __name__ == "__main__":
    main()
