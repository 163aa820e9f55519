#!/usr/bin/env python3
"""Run every benchmark docs/benchmarks.md documents, one after the other, and record its figures (#29 §6).

    .venv/bin/python scripts/bench_all.py --list                 # the benchmarks and the figures each yields
    .venv/bin/python scripts/bench_all.py                        # all of them, full sizes (an hour or more)
    .venv/bin/python scripts/bench_all.py --only cost --only rate
    .venv/bin/python scripts/bench_all.py --quick                # smaller sizes: a smoke check that each runs
    .venv/bin/python scripts/bench_all.py --table results.json   # print the table of an earlier run

Each benchmark is one documented command (``BENCHES``, data: its name, its arguments, the figures it
yields and how to read each from the command's output). For each, this records the UTC time, the load
average before and after, the command's own output and the figures, and writes them to a JSON file
(``--out``; results already there under other names are kept, so runs made in pieces add up). A figure
is a *count* (requests, bytes: holds under any load), *paced* (a rate held to a configured or server
limit: load stretches only the run's ends) or *idle only* (a wall-clock time or a CPU-bound rate: it
holds only on an idle machine). Children write to files, never to pipes left undrained, and run one at
a time: the figures of one must not be the load of another.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
COUNT, PACED, IDLE = "count", "paced", "idle only"


@dataclass(frozen=True)
class Figure:
    """One figure a command prints: ``pattern``'s groups (joined by " / ") are its value."""

    label: str
    pattern: str
    kind: str = COUNT
    target: str = ""


@dataclass(frozen=True)
class Bench:
    """One documented command. ``deferred`` says why it is not run here (another piece of work owns it)."""

    name: str
    script: str
    args: tuple[str, ...]
    figures: tuple[Figure, ...]
    quick: tuple[str, ...] = ()
    deferred: str = ""
    given: dict[str, str] = field(default_factory=dict)

    def command(self, quick: bool = False) -> str:
        return " ".join([".venv/bin/python", f"scripts/{self.script}", *(self.quick if quick and self.quick else self.args)])


@dataclass(frozen=True)
class Result:
    """What one run of one benchmark gave."""

    name: str
    command: str
    started_utc: str
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    seconds: float
    exit_code: int
    figures: dict[str, str]
    output: str


PER_USER = Figure("requests per changed user (engine)", r"-> ([\d.]+) requests per changed user", COUNT)
RSS = Figure("peak RSS of `bulkops run`", r"peak RSS (\d+ MB)", COUNT)
ENGINE_RATE = Figure("engine rate (req/s of configured)", r"rate:\s+([\d.]+ req/s of [\d.]+) configured", IDLE)
WALL = Figure("whole process wall time", r"whole process: ([\d.]+s) wall", IDLE)


def allowance_figures(bound: str, share: str, plan: bool = False) -> tuple[Figure, ...]:
    figures: tuple[Figure, ...] = (
        Figure("API requests / 429s (at the simulator)", r"simulator counted: (\d+) API requests, (\d+) answered 429", COUNT, "0 429s"),
        Figure("busiest 1-s window at the client", r"start times at the client: \d+; busiest 1-second window (\d+) starts", PACED, f"≤ {bound}"),
        Figure("busiest 1-s window at the simulator", r"start times at the simulator: \d+; busiest 1-second window (\d+) starts", IDLE, f"≤ {bound}"),
        Figure("share of the bound, first to last start (client)", r"start times at the client: .*?= ([\d.]+%) of", PACED, share),
    )
    if plan:
        figures += (Figure("plan's estimate against the run", r"the run took [\d.]+s \(([-+\d.]+%)\)", PACED, "within 10%"),)
    return figures


def sparse(org: int, refs: str, target: str, rerun: str) -> Bench:
    return Bench(
        f"sparse-{org // 1000}k-{refs}",
        "bench_cost.py",
        ("sparse", "--org", str(org), "--changed", "200", "--refs", refs),
        (
            Figure("requests per changed user (at the simulator)", r"-> ([\d.]+) per changed user", COUNT, target),
            Figure("no-op rerun requests", r"no-op rerun: (\d+) requests", COUNT, rerun),
        ),
        ("sparse", "--org", str(org // 10), "--changed", "20", "--refs", refs),
    )


def conflicts(scenario: str, target: str) -> Bench:
    return Bench(
        f"conflicts-{scenario}",
        "bench_conflicts.py",
        (scenario, "--users", "1000", "--rate", "0.1"),
        (Figure("extra requests per 409", r"-> ([\d.]+) extra requests per conflict", COUNT, target),),
        (scenario, "--users", "100", "--rate", "0.1"),
    )


def pace(scenario: str) -> Bench:
    return Bench(
        f"pace-{scenario}",
        "bench_conflicts.py",
        (scenario, "--users", "1000", "--rate", "0.3", "--rps", "20", "--pace"),
        (Figure("rate over the pass, 30% of writes 409", r"-> ([\d.]+ req/s = [\d.]+%) of --rps", PACED, "≥ 90% of 20/s"),),
        (scenario, "--users", "100", "--rate", "0.3", "--rps", "20", "--pace"),
    )


def spec_figures(name: str, fmt: str) -> tuple[Figure, ...]:
    line = re.escape(name) + r": [^\n]*\n[^\n]*"
    return (
        Figure(f"{fmt}: open + validate", line + r'"validate_s": ([\d.]+)', IDLE),
        Figure(f"{fmt}: peak RSS (MB)", line + r'"peak_rss_mb": ([\d.]+)', COUNT),
    )


BENCHES: tuple[Bench, ...] = (
    Bench(
        "cost",
        "bench_engine.py",
        ("cost", "--users", "2000", "--rps", "400"),
        (
            Figure(PER_USER.label, PER_USER.pattern, COUNT, "≤ 1.05"),
            Figure("baseline GET+PUT requests per changed user", r"baseline GET\+PUT: \d+ requests -> ([\d.]+) per changed user"),
            ENGINE_RATE,
            RSS,
        ),
        ("cost", "--users", "200", "--rps", "400"),
    ),
    sparse(20000, "ids", "≤ 1.1", "≤ 7"),
    sparse(20000, "emails", "≤ 1.35", ""),
    sparse(100000, "ids", "≤ 1.1", "≤ 7"),
    sparse(100000, "emails", "≤ 2.1", ""),
    Bench(
        "dense",
        "bench_cost.py",
        ("dense", "--org", "2000"),
        (
            Figure("requests per changed user (at the simulator)", r"-> ([\d.]+) per changed user", COUNT, "≤ 1.01"),
            Figure("no-op rerun requests", r"no-op rerun: (\d+) requests", COUNT, "≤ 9"),
        ),
        ("dense", "--org", "200"),
    ),
    Bench(
        "membership",
        "bench_cost.py",
        ("membership", "--org", "100000"),
        (Figure("requests for 100 joins/leaves of a big queue", r"org: (\d+) requests", COUNT, "≤ 10"),),
        ("membership", "--org", "10000"),
    ),
    Bench(
        "reorg",
        "bench_cost.py",
        ("reorg", "--org", "1200", "--changed", "1000"),
        (
            Figure("reorg of 1,000 users: requests", r"over \d+ queues: (\d+) requests", COUNT),
            Figure("no-op rerun requests", r"no-op rerun: (\d+) requests", COUNT, "9 (#29 §3; the lead kept the blind batches: 17)"),
        ),
        ("reorg", "--org", "120", "--changed", "100"),
    ),
    conflicts("versionless", "≤ 1.1"),
    conflicts("versionless-remove", "2 (by design)"),
    conflicts("versioned", "2 (by design)"),
    Bench(
        "migration",
        "bench_cost.py",
        ("migration", "--org", "2000"),
        (Figure("requests per holder", r"([\d.]+) per holder", COUNT, "2 is the safe floor (#29 §7)"),),
        ("migration", "--org", "500"),
    ),
    Bench(
        "queues",
        "bench_cost.py",
        ("queues", "--queues", "120"),
        (Figure("requests per queue: in all / in the run's phase", r"([\d.]+) per changed queue in all, ([\d.]+) in the run's phase", COUNT, "3 (the ideal)"),),
        ("queues", "--queues", "12"),
    ),
    Bench(
        "queues-codes",
        "bench_cost.py",
        ("queues", "--queues", "120", "--codes"),
        (Figure("requests per queue: in all / in the run's phase", r"([\d.]+) per changed queue in all, ([\d.]+) in the run's phase", COUNT, "6 (the ideal)"),),
        ("queues", "--queues", "12", "--codes"),
    ),
    Bench(
        "utilization",
        "bench_cost.py",
        ("utilization", "--org", "20000", "--changed", "1000"),
        (Figure("requests per changed user", r"([\d.]+) per changed user; the ideal", COUNT, "2 (the ideal)"),),
        ("utilization", "--org", "2000", "--changed", "100"),
    ),
    Bench(
        "utilization-whole",
        "bench_cost.py",
        ("utilization", "--org", "20000", "--changed", "1000", "--whole"),
        (Figure("requests per changed user", r"([\d.]+) per changed user; the ideal", COUNT, "1 (the ideal)"),),
        ("utilization", "--org", "2000", "--changed", "100", "--whole"),
    ),
    Bench(
        "disk",
        "bench_cost.py",
        ("disk", "--org", "5000"),
        (Figure("job folder per user", r"-> ([\d.]+ KB) per user", COUNT, "≤ 6 KB"),),
        ("disk", "--org", "500"),
    ),
    Bench(
        "memory",
        "bench_engine.py",
        ("memory", "--users", "100000", "--skills", "50", "--rps", "3000"),
        (
            Figure(RSS.label, RSS.pattern, COUNT, "< 300 MB"),
            PER_USER,
            ENGINE_RATE,
            WALL,
        ),
        ("memory", "--users", "2000", "--skills", "50", "--rps", "3000"),
    ),
    Bench(
        "export-wide",
        "bench_export.py",
        ("--users", "100000", "--rps", "3000"),
        (
            Figure("requests", r"in (\d+) requests", COUNT, "ceil(N/500) + 4 = 204"),
            Figure("export's peak RSS", r"peak RSS (\d+ MB)", COUNT, "≤ 200 MB"),
            Figure("export wall time", r"MB wide, ([\d.]+s) wall", IDLE),
        ),
        ("--users", "2000", "--rps", "3000"),
    ),
    Bench(
        "export-json",
        "bench_export.py",
        ("--users", "100000", "--rps", "3000", "--format", "json"),
        (
            Figure("requests", r"in (\d+) requests", COUNT),
            Figure("export's peak RSS", r"peak RSS (\d+ MB)", COUNT, "≤ 200 MB"),
            Figure("export wall time", r"MB json, ([\d.]+s) wall", IDLE),
        ),
        ("--users", "2000", "--rps", "3000", "--format", "json"),
    ),
    Bench(
        "export-round-trip",
        "bench_export.py",
        ("--users", "20000", "--rps", "3000", "--round-trip"),
        (
            Figure(
                "users to change: export planned back / one cell edited", r"plan: (\d+) user\(s\) to change.*?plan: (\d+) user\(s\) to change", COUNT, "0 / 1"
            ),
            Figure("writes during both plans", r"writes during both plans: (\d+)", COUNT, "0"),
        ),
        ("--users", "2000", "--rps", "3000", "--round-trip"),
    ),
    Bench(
        "spec",
        "bench_spec.py",
        (),
        (*spec_figures("wide.csv", "wide CSV 100k x 50"), *spec_figures("users.jsonl", "JSON Lines 100k x 50")),
        ("--users", "2000", "--long-users", "500"),
    ),
    Bench(
        "simulator",
        "bench_simulator.py",
        (),
        (Figure("simulator throughput, faults off, one core", r"= ([\d,]+ requests/s)", IDLE),),
        ("--requests", "2000", "--seconds", "3"),
    ),
    Bench(
        "rate",
        "bench_engine.py",
        ("rate", "--users", "400", "--rps", "8"),
        (Figure("share of --rps 8 over the run", r"configured \(([\d.]+%)\)", PACED, "≥ 97%"), PER_USER),
        ("rate", "--users", "40", "--rps", "8"),
    ),
    Bench(
        "allowance-8",
        "bench_engine.py",
        ("allowance", "--users", "480", "--rps", "8"),
        allowance_figures("9", "≥ 97% of 8"),
        ("allowance", "--users", "40", "--rps", "8"),
    ),
    Bench(
        "allowance-bucket-5",
        "bench_engine.py",
        ("allowance", "--users", "300", "--rps", "8", "--sim-rps", "5"),
        allowance_figures("9", "≥ 97% of 5"),
        ("allowance", "--users", "30", "--rps", "8", "--sim-rps", "5"),
    ),
    Bench(
        "allowance-fixed-300",
        "bench_engine.py",
        ("allowance", "--users", "900", "--rps", "8", "--sim-rate-mode", "fixed", "--sim-rate-per-minute", "300"),
        allowance_figures("9", "≥ 97% of 5"),
        ("allowance", "--users", "30", "--rps", "8", "--sim-rate-mode", "fixed", "--sim-rate-per-minute", "300"),
    ),
    Bench(
        "allowance-50-of-60",
        "bench_engine.py",
        ("allowance", "--users", "3000", "--rps", "50", "--sim-rps", "60"),
        allowance_figures("51", "≥ 95% of 50"),
        ("allowance", "--users", "300", "--rps", "50", "--sim-rps", "60"),
    ),
    pace("versioned"),
    pace("versionless"),
    Bench(
        "allowance-fixed-300-plan",
        "bench_engine.py",
        ("allowance", "--users", "3000", "--rps", "8", "--sim-rate-mode", "fixed", "--sim-rate-per-minute", "300", "--plan"),
        allowance_figures("9", "≥ 97% of 5", plan=True),
        ("allowance", "--users", "30", "--rps", "8", "--sim-rate-mode", "fixed", "--sim-rate-per-minute", "300", "--plan"),
    ),
    Bench(
        "startup",
        "bench_startup.py",
        ("--runs", "5"),
        (Figure("CPU time of `--version` / `--help`", "", COUNT, "< 0.3 s"),),
        deferred="re-measured by #29 §5 (helper stream changes this code)",
    ),
    Bench(
        "first-write",
        "bench_cost.py",
        ("first-write", "--org", "100000", "--rps", "8"),
        (Figure("time to first write, 100k users at 8/s", "", IDLE, "≤ 15 CPU s (#29 §5)"),),
        deferred="re-measured by #29 §5 (helper stream changes this code)",
    ),
    Bench(
        "pool",
        "bench_pool.py",
        ("--users", "3000", "--clients", "3", "--scale", "10"),
        (
            Figure("requests over the 3 clients", "", COUNT, "even"),
            Figure("pool of 3 / one client, whole command / the pass", "", IDLE, "≤ 36%"),
        ),
        deferred="measured by the lead, 10:08 UTC, load 0.08 (idle)",
        given={
            "requests over the 3 clients": "1,010 / 999 / 1,002",
            "pool of 3 / one client, whole command / the pass": "36.3% / 33.4% (1 client 63.0 s, pass 60.55 s; 3 clients 22.9 s, pass 20.25 s; "
            "a second run at 10:09: 36.5% / 33.5%)",
        },
    ),
    Bench(
        "pool-scale-1",
        "bench_pool.py",
        ("--users", "3000", "--clients", "3", "--scale", "1"),
        (
            Figure("requests over the 3 clients", "", COUNT, "even"),
            Figure("pool of 3 / one client, whole command / the pass", "", IDLE, "≤ 36%"),
        ),
        deferred="measured by the lead, 10:13-10:27 UTC, load 0.67 → 0.38 (idle)",
        given={
            "requests over the 3 clients": "1,010 / 999 / 1,002",
            "pool of 3 / one client, whole command / the pass": "33.7% / 33.4% (1 client 610.5 s, pass 606.74 s; 3 clients 205.9 s, pass 202.4 s)",
        },
    ),
)


def figures_of(bench: Bench, output: str) -> dict[str, str]:
    """Each figure's value read from the output ("?" when the output does not show it)."""
    found = {}
    for fig in bench.figures:
        match = re.search(fig.pattern, output, re.S) if fig.pattern else None
        found[fig.label] = " / ".join(g for g in match.groups() if g is not None) if match else "?"
    return found


def load() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


def run_one(bench: Bench, quick: bool, timeout: float) -> Result:
    """Run one benchmark as a child in its own process group, its output to a file; kill the group at ``timeout``."""
    args = bench.quick if quick and bench.quick else bench.args
    started, before, t0 = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), load(), time.monotonic()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / bench.script), *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait()
            out.write(f"\n[bench_all: killed after {timeout:.0f} s]\n")
        out.seek(0)
        text = out.read()
    return Result(bench.name, bench.command(quick), started, before, load(), round(time.monotonic() - t0, 1), code, figures_of(bench, text), text)


def read_results(path: Path) -> dict[str, dict[str, Any]]:
    return orjson.loads(path.read_bytes())["results"] if path.exists() else {}


def write_results(path: Path, results: dict[str, dict[str, Any]]) -> None:
    path.write_bytes(orjson.dumps({"machine": {"cores": os.cpu_count()}, "results": results}, option=orjson.OPT_INDENT_2))


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def rows_of(bench: Bench, result: dict[str, Any] | None) -> list[str]:
    """The table's rows for one benchmark: one a figure."""
    rows = []
    for fig in bench.figures:
        mark = "idle only" if fig.kind == IDLE else ("paced" if fig.kind == PACED else "")
        if bench.deferred:
            value, when, loads = bench.given.get(fig.label, "–"), bench.deferred, "–"
        elif result is None:
            value, when, loads = "not run", "–", "–"
        else:
            value, when = result["figures"].get(fig.label, "?"), result["started_utc"][11:16] + " UTC"
            loads = f"{result['load_before'][0]:.1f} → {result['load_after'][0]:.1f}"
            if result["exit_code"] != 0:
                value += f" (exit {result['exit_code']})"
        command = result["command"] if result is not None else bench.command()
        rows.append(f"| {bench.name} | {cell(fig.label)} | **{cell(value)}** | {cell(fig.target)} | `{command}` | {when} | {loads} | {mark} |")
    return rows


def table(results: dict[str, dict[str, Any]]) -> str:
    head = "| bench | figure | value | target | command | taken | load (1-min, before → after) | holds |\n|---|---|---|---|---|---|---|---|"
    return "\n".join([head, *(row for bench in BENCHES for row in rows_of(bench, results.get(bench.name)))])


def chosen(only: list[str] | None) -> list[Bench]:
    names = {b.name for b in BENCHES}
    unknown = set(only or ()) - names
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; --list shows them")
    return [b for b in BENCHES if (b.name in only if only else not b.deferred)]


def list_benches() -> None:
    for bench in BENCHES:
        print(f"{bench.name:26} {bench.command()}" + (f"   [not run here: {bench.deferred}]" if bench.deferred else ""))
        for fig in bench.figures:
            print(f"{'':28}{fig.label} ({fig.kind}{', target ' + fig.target if fig.target else ''})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", metavar="NAME", help="run only this benchmark (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the benchmarks and their figures, run nothing")
    ap.add_argument("--quick", action="store_true", help="smaller sizes: a smoke check that every command runs")
    ap.add_argument("--out", type=Path, default=Path("bench-all.json"), help="the JSON results file (kept results of other names are merged)")
    ap.add_argument("--table", type=Path, metavar="JSON", help="print the markdown table of a results file, run nothing")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds before a benchmark is killed")
    args = ap.parse_args()
    if args.list:
        list_benches()
        return
    if args.table:
        print(table(read_results(args.table)))
        return
    results = read_results(args.out)
    for bench in chosen(args.only):
        if bench.deferred:
            print(f"{bench.name}: not run here ({bench.deferred})", flush=True)
            continue
        print(f"{bench.name}: {bench.command(args.quick)} (load {load()[0]:.2f})", flush=True)
        result = run_one(bench, args.quick, args.timeout)
        results[bench.name] = asdict(result)
        write_results(args.out, results)
        print(f"  exit {result.exit_code} in {result.seconds} s; " + "; ".join(f"{k}: {v}" for k, v in result.figures.items()), flush=True)
    print(table(results))


if __name__ == "__main__":
    main()
