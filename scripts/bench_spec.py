"""Benchmark the spec readers on large generated specs.

    .venv/bin/python scripts/bench_spec.py [--users 100000] [--skills 50] [--long-users 20000]

Writes a wide CSV (users x skills), a long-form CSV and a JSONL spec into a temp dir,
then times open + validate (no directory), validate with a directory, and a full
``intents()`` iteration, and reports peak RSS. First, ``suggest_s``: "did you mean" for 120
misspelt emails against a directory of ``--users``. Each format runs in a child process so
one format's peak memory does not hide another's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time


def write_wide(path: str, users: int, skills: int) -> None:
    rnd = random.Random(1)
    cells = ["0", "1", "2", "3", "4", "5", "2.5", "", "", "-"]
    with open(path, "w", newline="") as f:
        f.write("email," + ",".join(f"Skill {j:03d}" for j in range(skills)) + "\r\n")
        for i in range(users):
            f.write(f"agent{i:06d}@example.com," + ",".join(rnd.choice(cells) for _ in range(skills)) + "\r\n")


def write_long(path: str, users: int, skills: int) -> None:
    rnd = random.Random(2)
    with open(path, "w", newline="") as f:
        f.write("user,skill,proficiency,action\n")
        for j in range(skills):  # skill-major order: every user spans the whole file
            for i in range(users):
                if rnd.random() < 0.1:
                    f.write(f"agent{i:06d}@example.com,Skill {j:03d},,remove\n")
                else:
                    f.write(f"agent{i:06d}@example.com,Skill {j:03d},{rnd.randint(0, 5)},set\n")


def write_jsonl(path: str, users: int, skills: int) -> None:
    rnd = random.Random(3)
    with open(path, "w") as f:
        f.write(json.dumps({"version": 1, "mode": "merge"}) + "\n")
        for i in range(users):
            obj = {
                "user": f"agent{i:06d}@example.com",
                "skills": {f"Skill {j:03d}": rnd.randint(0, 5) for j in range(skills)},
                "department": "Support",
            }
            f.write(json.dumps(obj) + "\n")


def measure(path: str, users: int, skills: int) -> None:
    """Runs in the child: open, validate, validate+resolve, iterate; prints one JSON line."""
    from bulkops.spec import OrgDirectory, open_spec

    t0 = time.perf_counter()
    spec = open_spec(path)
    problems = spec.validate()
    t1 = time.perf_counter()
    assert not problems, problems[:5]
    directory = OrgDirectory(skills={f"Skill {j:03d}": f"s{j}" for j in range(skills)})
    for i in range(users):
        directory.users.add(f"u{i}", f"agent{i:06d}@example.com", f"agent{i:06d}")
    t2 = time.perf_counter()
    problems = spec.validate(directory)
    t3 = time.perf_counter()
    assert not problems, problems[:5]
    n = sum(1 for _ in spec.intents())
    t4 = time.perf_counter()
    _ = spec.content_hash
    t5 = time.perf_counter()
    print(
        json.dumps(
            {
                "format": spec.format,
                "users": n,
                "validate_s": round(t1 - t0, 2),
                "validate_resolve_s": round(t3 - t2, 2),
                "intents_s": round(t4 - t3, 2),
                "hash_s": round(t5 - t4, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


def measure_suggestions(users: int, misses: int = 120) -> None:
    """Validate ``misses`` misspelt emails against a directory of ``users``: each gets a "did you
    mean" (the figure `test_user_suggestions_in_a_large_directory_stay_fast` used to time)."""
    from bulkops.spec import OrgDirectory, open_spec

    directory = OrgDirectory(skills={"Billing": "s1"})
    for i in range(users):
        directory.users.add(f"u{i}", f"agent{i:05d}@example.com", f"agent{i:05d}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "misspelt.csv")
        with open(path, "w") as f:
            f.write("email,Billing\n" + "".join(f"agent{i:05d}@exampel.com,1\n" for i in range(misses)))
        spec = open_spec(path)
        t0 = time.perf_counter()
        problems = spec.validate(directory)
        seconds = time.perf_counter() - t0
    assert len(problems) == misses and "did you mean" in problems[0].message
    print(json.dumps({"suggestions": misses, "directory_users": users, "suggest_s": round(seconds, 2)}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--skills", type=int, default=50)
    ap.add_argument("--long-users", type=int, default=20_000)
    ap.add_argument("--measure", nargs=3, metavar=("PATH", "USERS", "SKILLS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(args.measure[0], int(args.measure[1]), int(args.measure[2]))
        return
    measure_suggestions(args.users)
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [
            ("wide.csv", write_wide, args.users),
            ("long.csv", write_long, args.long_users),
            ("users.jsonl", write_jsonl, args.users),
        ]
        for name, writer, users in jobs:
            path = os.path.join(tmp, name)
            writer(path, users, args.skills)
            size = os.path.getsize(path) / 1e6
            print(f"{name}: {users} users x {args.skills} skills, {size:.0f} MB", flush=True)
            subprocess.run([sys.executable, __file__, "--measure", path, str(users), str(args.skills)], check=True)


if __name__ == "__main__":
    main()
