"""The run summary: counts per outcome and the figures that matter, as JSON and as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from bulkops.client.api import ClientStats
from bulkops.client.ratelimit import RateGovernor
from bulkops.engine.counters import RunCounters
from bulkops.engine.runner import RunResult
from bulkops.state.layout import RunPaths
from bulkops.state.store import RunStore

OUTCOME_ORDER = ("applied", "unchanged", "reconciliation", "failed", "inflight", "pending")


def build_summary(
    *, store: RunStore, result: RunResult, stats: ClientStats, rps: float, paths: RunPaths, run_id: str, governor: RateGovernor | None = None
) -> dict[str, Any]:
    counts = store.counts()
    c = result.counters
    changed = c.outcomes.get("applied", 0)
    achieved = result.requests / result.duration if result.duration > 0 else 0.0
    allowance = governor.allowance if governor is not None else None
    return {
        "job_id": store.get("job_id"),
        "run_id": run_id,
        "spec": store.get("spec_path"),
        "mode": store.get("mode"),
        "status": "stopped" if result.stopped else ("complete" if result.listing_complete and not _open(counts) else "incomplete"),
        "users": {k: counts.get(k, 0) for k in OUTCOME_ORDER if counts.get(k, 0)} | {"total": store.total()},
        "this_run": {
            "outcomes": dict(c.outcomes),
            "requests": result.requests,
            "requests_per_changed_user": round(result.requests / changed, 3) if changed else None,
            "duration_s": round(result.duration, 2),
            "achieved_rps": round(achieved, 2),
            "configured_rps": rps,
            "rps_fraction": round(achieved / rps, 3) if rps else None,
            # What the server allowed (learned from its inin-ratelimit-* headers) and whether it, not
            # the configured rate, bounded the run: then "server allows 300/min: 5.0 req/s".
            "server_allowance": {"allowed": allowance.allowed, "window_s": allowance.window, "rps": round(allowance.rate, 3)} if allowance else None,
            "rate_bound": governor.describe() if governor is not None and governor.server_bound else None,
            "allowance_fraction": round(achieved / allowance.rate, 3) if allowance else None,
            "requests_by_kind": _by_kind(c, result.requests),
            "membership_changes": c.membership_changes,
            "requests_per_membership_change": round(c.requests_by_kind["queue_batches"] / c.membership_changes, 3) if c.membership_changes else None,
            "conflicts_409": c.conflicts,
            "conflict_refetches": c.conflict_retries,
            "confirmed_after_restart": c.confirmed_after_restart,
            "http_retries": stats.retries,
            "http_429": stats.by_status.get(429, 0),
            "http_5xx": sum(n for s, n in stats.by_status.items() if s >= 500),
            "transport_errors": stats.transport_errors,
        },
        "files": {
            "checkpoint": str(paths.db),
            "audit": str(paths.audit),
            "reconciliation": str(paths.reconciliation),
            "summary": str(paths.summary),
        },
    }


def _by_kind(c: RunCounters, total: int) -> dict[str, int]:
    """Writes by kind; the rest of the run's requests are reads (listings, membership, lookups)."""
    kinds = {k: int(v) for k, v in sorted(c.requests_by_kind.items()) if v}
    kinds["reads"] = max(0, total - sum(kinds.values()))
    return kinds


def _open(counts: dict[str, int]) -> bool:
    return bool(counts.get("pending") or counts.get("inflight"))


def write_summary(summary: dict[str, Any], path: Path) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    tmp.replace(path)


def render_summary(summary: dict[str, Any]) -> str:
    run = summary["this_run"]
    users = summary["users"]
    lines = [
        f"job {summary['job_id']}  run {summary['run_id']}  status: {summary['status']}",
        "users:   " + "  ".join(f"{k} {v}" for k, v in users.items()),
        f"this run: {sum(run['outcomes'].values())} users handled in {_duration(run['duration_s'])}, "
        f"{run['requests']} requests" + (f" ({run['requests_per_changed_user']} per changed user)" if run["requests_per_changed_user"] else ""),
        "requests by kind: "
        + ", ".join(f"{k} {v}" for k, v in run.get("requests_by_kind", {}).items())
        + (
            f"; {run['membership_changes']} queue membership changes in {run['requests_by_kind'].get('queue_batches', 0)} requests"
            if run.get("membership_changes")
            else ""
        ),
        f"rate:    {run['achieved_rps']} req/s of {run['configured_rps']} configured"
        + (f" ({run['rps_fraction'] * 100:.1f}%)" if run["rps_fraction"] is not None else "")
        + (f"; bound by the server: {run['rate_bound']} ({run['allowance_fraction'] * 100:.1f}% of it)" if run.get("rate_bound") else ""),
        f"faults:  409 conflicts {run['conflicts_409']} (re-fetched and re-merged {run['conflict_refetches']}), "
        f"HTTP retries {run['http_retries']}, 429 {run['http_429']}, 5xx {run['http_5xx']}",
    ]
    if run["confirmed_after_restart"]:
        lines.append(f"resume:  {run['confirmed_after_restart']} in-flight users found already applied (nothing re-sent)")
    files = summary["files"]
    lines += [
        f"audit log:      {files['audit']}",
        f"checkpoint:     {files['checkpoint']}",
        f"reconciliation: {files['reconciliation']}",
        f"summary:        {files['summary']}",
    ]
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else (f"{m}m{s:02d}s" if m else f"{seconds:.1f}s")
