"""CPU time of starting a command: the figure an administrator feels on every call.

    .venv/bin/python scripts/bench_startup.py [--runs 10]
    .venv/bin/python scripts/bench_startup.py --first-write 100000 [--rps 8] [--profile out.prof]

Runs each command as its own process ``--runs`` times and prints the median and the largest
CPU time (user + system, from the children's rusage), with the machine's load. CPU time, not wall
time, so a busy machine changes the figure little. Target (#28): ``--version`` and ``--help``
under 0.3 s.

``--first-write ORG`` (#29 §5): ``bulkops run`` of a dense spec (every user of an ORG-user simulated
org, by email, 5 skills each) and the CPU seconds the run process spent (user + system, read from
/proc when the simulator counts its first PATCH or PUT), with its wall time and its peak RSS then beside. Target: within
15 CPU s at 100,000 users. ``--profile`` runs the process under cProfile (on CPU time) and has it write the profile and end
(SIGUSR1) at the first write, so the profile is set-up's.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_cost import org_users, sim_get, write_spec

from bulkops.simulator.process import client_env, simulator_process

COMMANDS = (["--version"], ["--help"], ["run", "--help"], ["sim", "--help"], ["validate", "--help"])


def cpu_of(args: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "bulkops", *args], check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: cProfile on CPU time (``time.process_time``), not wall time: on a shared machine wall time
#: charges other processes' turns to whatever function was waiting for the CPU.
PROFILE = """
import cProfile, os, runpy, signal, sys, time
out, sys.argv = sys.argv[1], ["bulkops", *sys.argv[2:]]
profile = cProfile.Profile(time.process_time)
def dump(*_):
    profile.disable()
    profile.dump_stats(out)
    os._exit(0)
signal.signal(signal.SIGUSR1, dump)
profile.enable()
runpy.run_module("bulkops", run_name="__main__", alter_sys=True)
"""


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (its own, from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_write(org: int, rps: float, profile: str | None) -> None:
    with simulator_process("--users", str(org), "--seed", "11", "--rate-per-minute", "1000000", timeout=900) as url, tempfile.TemporaryDirectory() as tmp:
        spec = write_spec(Path(tmp) / "dense.csv", org_users(url), "emails", random.Random(11), skills=5)
        entry = ["-c", PROFILE, profile] if profile else ["-m", "bulkops"]
        cmd = [sys.executable, *entry, "run", str(spec), "--base-url", url, "--state-dir", str(Path(tmp) / "s"), "--rps", str(rps), "--yes"]
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=client_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            cpu = wait_first_write(url, proc)
            peak = peak_rss(proc.pid)
            seconds = time.monotonic() - started
            reads = sim_get(url, "/__sim/stats")["total"]
            if profile:  # the profile up to here: written at once, the process ends
                proc.send_signal(signal.SIGUSR1)
                proc.wait(120)
        finally:
            proc.kill()
            proc.wait()
        size = sum(f.stat().st_size for f in (Path(tmp) / "s").rglob("state.db*"))
        print(f"first write, {org} users at {rps:g}/s: {cpu:.1f} CPU s of the run process ({seconds:.1f} s wall) after {reads} requests; target <= 15 CPU s")
        print(f"  peak RSS of the run process at its first write: {peak / 1e6:.0f} MB")
        print(f"  state.db and its WAL when measured: {size / 1e6:.1f} MB; load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def peak_rss(pid: int) -> int:
    """The process's peak resident set so far, in bytes (``VmHWM`` of /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def wait_first_write(url: str, proc: subprocess.Popen[bytes]) -> float:
    """Poll the simulator until it counts a write; the run process's CPU seconds then."""
    while True:
        cpu = process_cpu(proc.pid)
        methods = sim_get(url, "/__sim/stats")["byMethod"]
        if methods.get("PATCH") or methods.get("PUT"):
            return cpu
        if proc.poll() is not None:
            raise SystemExit(f"bulkops run ended ({proc.returncode}) before writing")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--first-write", type=int, metavar="ORG", help="CPU seconds to the first write of a dense run over ORG users")
    parser.add_argument("--rps", type=float, default=8)
    parser.add_argument("--profile", help="with --first-write: a cProfile file of the run process up to its first write")
    args = parser.parse_args()
    if args.first_write:
        first_write(args.first_write, args.rps, args.profile)
        return
    runs = args.runs
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {runs} runs each; CPU seconds (user+sys)")
    for args in COMMANDS:
        figures = [cpu_of(args) for _ in range(runs)]
        print(f"bulkops {' '.join(args):<16} median {statistics.median(figures):.3f} s  max {max(figures):.3f} s")


if __name__ == "__main__":
    main()
