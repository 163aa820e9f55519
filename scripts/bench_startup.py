"""CPU time of starting a command: the figure an administrator feels on every call.

    .venv/bin/python scripts/bench_startup.py [--runs 10]

Runs each command as its own process ``--runs`` times and prints the median and the largest
CPU time (user + system, from the children's rusage), with the machine's load. CPU time, not wall
time, so a busy machine changes the figure little. Target (#28): ``--version`` and ``--help``
under 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys

COMMANDS = (["--version"], ["--help"], ["run", "--help"], ["sim", "--help"], ["validate", "--help"])


def cpu_of(args: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "bulkops", *args], check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {runs} runs each; CPU seconds (user+sys)")
    for args in COMMANDS:
        figures = [cpu_of(args) for _ in range(runs)]
        print(f"bulkops {' '.join(args):<16} median {statistics.median(figures):.3f} s  max {max(figures):.3f} s")


if __name__ == "__main__":
    main()
