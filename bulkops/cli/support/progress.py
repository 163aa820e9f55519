"""Progress for long runs: a rich bar with ETA on a terminal, a log line every N seconds otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from bulkops.cli.support.verbosity import is_quiet
from bulkops.client.ratelimit import RateGovernor
from bulkops.engine.run.counters import RunCounters


class ProgressReporter:
    def __init__(self, *, rps: float, every: float = 10.0, stream: TextIO | None = None, force_plain: bool = False, governor: RateGovernor | None = None):
        self._stream = stream or sys.stderr
        self._every = every
        self._rps = rps
        self._governor = governor  # says when the server's allowance, not --rps, is the bound
        self._plain = force_plain or not self._stream.isatty()
        self._silent = is_quiet()  # bulkops -q: no bar, no progress lines
        self._last = 0.0
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._started = time.monotonic()

    def __enter__(self) -> ProgressReporter:
        if not self._plain and not self._silent:
            self._bar = Progress(
                TextColumn("[bold]applying"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=self._stream),
                transient=False,
            )
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)  # type: ignore[arg-type]

    def update(self, c: RunCounters) -> None:
        if self._silent:
            return
        remaining = max(c.total - c.done_before, 0)
        done = c.handled
        detail = f"applied {c.outcomes.get('applied', 0)} unchanged {c.outcomes.get('unchanged', 0)} reconcile {c.outcomes.get('reconciliation', 0)} failed {c.outcomes.get('failed', 0)}"
        if self._governor is not None and self._governor.server_bound:
            detail += f"; {self._governor.describe()}"
        if self._bar is not None:
            if self._task is None:
                self._task = self._bar.add_task("run", total=remaining, detail=detail)
            self._bar.update(self._task, completed=done, detail=detail)
            return
        now = time.monotonic()
        if now - self._last < self._every and done < remaining:
            return
        self._last = now
        elapsed = now - self._started
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (remaining - done) / rate if rate > 0 else float("inf")
        pct = 100.0 * done / remaining if remaining else 100.0
        eta_text = f"{int(eta // 60)}m{int(eta % 60):02d}s" if eta != float("inf") else "?"
        print(f"progress: {done}/{remaining} users ({pct:.1f}%), {rate:.1f} users/s, ETA {eta_text}; {detail}", file=self._stream, flush=True)
