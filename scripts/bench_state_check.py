#!/usr/bin/env python3
"""What the run-state check every command makes before it opens a job costs (#25 §5).

Builds a job folder whose ``state.db`` has the real schema (``RunStore.create``) and ``--users``
intents of a realistic size (``--payload`` bytes, about what a few skills and queues encode to), then
times ``check_run_state`` (SQLite's ``PRAGMA quick_check`` over the whole file, the tables, the meta).

    .venv/bin/python scripts/bench_state_check.py --users 1000000
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from bulkops.state.integrity import check_run_state
from bulkops.state.layout import RunPaths
from bulkops.state.store import RunStore

READY = {"job_id": "bench", "spec_path": "/spec.json", "spec_hash": "0" * 64, "mode": "merge", "ready": True}


def build(paths: RunPaths, users: int, payload: int) -> None:
    paths.root.mkdir(parents=True)
    RunStore.create(paths.db, READY).close()
    conn = sqlite3.connect(paths.db)
    rows = ((f"{i:08d}-0000-4000-8000-000000000000", os.urandom(payload), "done", "applied") for i in range(users))
    with conn:
        conn.executemany("INSERT INTO intents(user_id, payload, status, outcome) VALUES (?, ?, ?, ?)", rows)
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--payload", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = RunPaths.for_job(Path(tmp), "bench")
        build(paths, args.users, args.payload)
        size = paths.db.stat().st_size / 1e6
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            check_run_state(paths, "bench")
            times.append(time.perf_counter() - start)
        print(f"{args.users} users, state.db {size:.0f} MB: check_run_state best {min(times):.2f} s, worst {max(times):.2f} s ({args.repeat} runs)")


if __name__ == "__main__":
    main()
