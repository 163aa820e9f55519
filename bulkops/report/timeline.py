"""The report's figures, aggregated from audit lines (pure: no I/O, no drawing).

What the audit supports, and so what is shown: each line carries the moment the user's
outcome was recorded (``ts``), the requests spent on that user, its 409s, its latency.
A user's requests are placed evenly over its latency window (when exactly each was sent
is not recorded), and listing reads are in no user's line, so the per-time rate is an
estimate that slightly undercounts; the page says so. Per-time 429/5xx are not in the
audit at all, only the run's totals.

Everything is computed from a run's columns of numbers (``load.RunLines``); only the
users a table shows (``slowest_of``, ``most_retried_of``) are read back whole.
"""

from __future__ import annotations

import heapq
import math
import re
from calendar import timegm
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bulkops.engine.account import JobAccount
from bulkops.report.load import JobData, RunLines
from bulkops.state.auditline import UserLine
from bulkops.state.records import ItemOutcome, ReconciliationEntry

#: Bucket widths (s) to choose from: the smallest that keeps a run within MAX_BUCKETS.
WIDTHS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)
MAX_BUCKETS = 90
#: Latency histogram bin edges in ms (the last bin is open-ended).
LATENCY_EDGES_MS = (0, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000)
from bulkops.state.records import OUTCOMES  # noqa: E402 - the one list of outcomes


@dataclass(frozen=True, slots=True)
class Bucket:
    offset: float  # seconds from the run's start
    width: float
    requests: float = 0.0
    users: int = 0
    conflicts: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.width


@dataclass(frozen=True, slots=True)
class Timeline:
    start: float  # epoch seconds
    width: float
    buckets: tuple[Bucket, ...]

    @property
    def span(self) -> float:
        return len(self.buckets) * self.width


@dataclass(frozen=True, slots=True)
class HistBin:
    low_ms: float
    high_ms: float | None  # None: open-ended
    count: int

    @property
    def label(self) -> str:
        if self.high_ms is None:
            return f"≥ {_ms(self.low_ms)}"
        if self.low_ms == 0:
            return f"< {_ms(self.high_ms)}"
        if self.high_ms <= 1000:
            return f"{self.low_ms:g}–{_ms(self.high_ms)}"
        return f"{self.low_ms / 1000:g}–{_ms(self.high_ms)}"


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything the page shows, already computed."""

    job_id: str
    run_id: str | None  # the run the timeline covers (None: no audit lines)
    runs: tuple[str, ...]
    summary: dict[str, Any] | None
    outcomes_job: dict[str, int]  # users by last outcome, plus still-open users
    outcomes_run: dict[str, int]
    users_in_run: int
    audit_requests: float  # requests the run's audit lines account for
    conflicts_409: int
    timeline: Timeline
    configured_rps: float | None
    latency: tuple[HistBin, ...]
    percentiles: dict[str, float]
    slowest: tuple[UserLine, ...]
    most_retried: tuple[UserLine, ...]
    reconciliation: Sequence[ReconciliationEntry]  # read back one entry at a time when iterated
    unprocessed: int
    #: The job's account: the status, the outcomes and the tiles, over every pass.
    account: JobAccount
    bad_lines: tuple[str, ...] = field(default_factory=tuple)
    #: The last audit line of each item of another kind (skill definitions, ...).
    items: tuple[ItemOutcome, ...] = field(default_factory=tuple)


def run_start(run_id: str) -> float | None:
    """A run id begins with its start time (``20261123T113106Z-...``), to the second."""
    m = re.match(r"(\d{8}T\d{6})Z", run_id or "")
    if not m:
        return None
    s = m.group(1)
    return float(timegm((int(s[:4]), int(s[4:6]), int(s[6:8]), int(s[9:11]), int(s[11:13]), int(s[13:15]), 0, 0, 0)))


def pick_width(span_s: float) -> float:
    for w in WIDTHS:
        if span_s / w <= MAX_BUCKETS:
            return float(w)
    return float(WIDTHS[-1])


def build_timeline(lines: Sequence[UserLine], *, start: float | None = None, width: float | None = None) -> Timeline:
    """Requests, users and 409s per bucket, from the run's start (or its first line) to its last line.

    A user's requests are spread evenly over its latency window (``ts - latency_ms`` to
    ``ts``): it sent them somewhere in there, and counting them all at ``ts`` would pile
    up every user a queue-membership batch finishes at once into one bucket. Users and
    409s are counted at ``ts``. The requests of all buckets add up to the lines' total."""
    return timeline_of(
        [ln.t for ln in lines],
        [ln.record.latency_ms or 0 for ln in lines],
        [ln.record.requests for ln in lines],
        [ln.record.conflicts for ln in lines],
        start=start,
        width=width,
    )


def timeline_of(
    t: Sequence[float], latency: Sequence[float], requests: Sequence[float], conflicts: Sequence[int], *, start: float | None = None, width: float | None = None
) -> Timeline:
    """``build_timeline`` on columns (one entry per line; ``latency`` in ms, NaN or 0 when unknown)."""
    stamped = [i for i in range(len(t)) if t[i] > 0]
    if not stamped:
        return Timeline(start or 0.0, width or 10.0, ())
    lat = [0.0 if math.isnan(v) else v for v in latency] if any(map(math.isnan, latency)) else latency
    first = min(t[i] - (lat[i] or 0) / 1000 for i in stamped)
    last = max(t[i] for i in stamped)
    origin = start if start is not None and start <= first else math.floor(first)
    width = width or pick_width(last - origin)
    n = int((last - origin) // width) + 1
    req = [0.0] * n
    users = [0] * n
    conf = [0] * n
    for k in stamped:
        tk = t[k]
        i = min(int((tk - origin) // width), n - 1)
        users[i] += 1
        conf[i] += conflicts[k]
        _spread(req, origin, width, max(tk - (lat[k] or 0) / 1000, origin), tk, requests[k])
    buckets = tuple(Bucket(i * width, width, round(req[i], 3), users[i], conf[i]) for i in range(n))
    return Timeline(origin, width, buckets)


def _spread(acc: list[float], origin: float, width: float, t0: float, t1: float, amount: float) -> None:
    """Add ``amount`` to the buckets covering [t0, t1], in proportion to the overlap."""
    n = len(acc)
    if t1 - t0 <= 0:
        acc[min(int((t1 - origin) // width), n - 1)] += amount
        return
    first = int((t0 - origin) // width)
    last = min(int((t1 - origin) // width), n - 1)
    for i in range(first, last + 1):
        lo = max(t0, origin + i * width)
        hi = min(t1, origin + (i + 1) * width) if i < last else t1
        acc[i] += amount * (hi - lo) / (t1 - t0)


def latency_histogram(values: Iterable[float], edges: Sequence[float] = LATENCY_EDGES_MS) -> tuple[HistBin, ...]:
    counts = [0] * len(edges)
    for v in values:
        i = len(edges) - 1
        for j in range(1, len(edges)):
            if v < edges[j]:
                i = j - 1
                break
        counts[i] += 1
    return tuple(HistBin(edges[i], edges[i + 1] if i + 1 < len(edges) else None, counts[i]) for i in range(len(edges)))


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (the value a person can find in the data)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def slowest_of(run: RunLines, n: int = 10) -> list[int]:
    """Indexes of ``slowest`` on a run's columns: the n longest latencies, file order among equals."""
    lat = run.latency
    return heapq.nsmallest(n, (i for i in range(len(lat)) if not math.isnan(lat[i])), key=lambda i: (-lat[i], i))


def most_retried_of(run: RunLines, n: int = 10) -> list[int]:
    """Indexes of ``most_retried`` on a run's columns."""
    c, a, r = run.conflicts, run.attempts, run.requests
    return heapq.nsmallest(n, (i for i in range(len(c)) if a[i] > 1 or c[i] > 0), key=lambda i: (-c[i], -a[i], -r[i], i))


def build_figures(data: JobData, run_id: str | None = None, *, top: int = 10) -> Figures:
    """``run_id``: the run to chart; default the summary's run, else the last run in the audit."""
    runs = tuple(data.run_ids)
    summary = data.summary
    if run_id is None:
        run_id = summary.get("run_id") if summary and summary.get("run_id") in runs else (runs[-1] if runs else None)
    run = data.runs.get(run_id) if run_id else None
    run = run if run is not None else RunLines()
    run_summary = summary if summary and summary.get("run_id") == run_id else None
    latencies = sorted(v for v in run.latency if not math.isnan(v))
    configured = (run_summary or {}).get("this_run", {}).get("configured_rps")
    slow, retried = slowest_of(run, top), most_retried_of(run, top)
    shown = list(data.lines_at([run.offset[i] for i in slow + retried]))  # the only lines read back whole
    return Figures(
        job_id=data.job_id,
        run_id=run_id,
        runs=runs,
        summary=run_summary,
        outcomes_job=dict(data.account.users),  # the checkpoint's, dropped apart: what the status says
        outcomes_run=dict(sorted(run.outcomes.items(), key=lambda kv: _order(kv[0]))),
        users_in_run=len(run),
        audit_requests=round(sum(run.requests), 3),
        conflicts_409=sum(run.conflicts),
        timeline=timeline_of(run.t, run.latency, run.requests, run.conflicts, start=run_start(run_id or "")),
        configured_rps=configured,
        latency=latency_histogram(latencies),
        percentiles={f"p{p}": percentile(latencies, p) for p in (50, 90, 99)} | ({"max": latencies[-1]} if latencies else {}),
        slowest=tuple(shown[: len(slow)]),
        most_retried=tuple(shown[len(slow) :]),
        reconciliation=data.reconciliation,
        unprocessed=data.open_count,
        bad_lines=tuple(data.bad_lines),
        items=tuple(data.items),
        account=data.account,
    )


def _order(outcome: str) -> int:
    return OUTCOMES.index(outcome) if outcome in OUTCOMES else len(OUTCOMES)


def _ms(v: float) -> str:
    return f"{v / 1000:g} s" if v >= 1000 else f"{v:g} ms"
