"""The run summary: counts per outcome and the figures that matter, as JSON and as text.

Requests are the whole process's, as the server counts them: the token, the catalogue and the
resolution of names before the pass as well as the pass itself (``ClientStats``), split by kind
(``client.requestkind``). A pass is a process of its own (``resume`` is a new one), so
``this_run`` is this pass; ``job`` adds up every pass so far (``engine.requesttotal``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import orjson

from bulkops.client.api import ClientStats
from bulkops.client.connect.pool import ClientPool
from bulkops.client.ratelimit import Allowance
from bulkops.client.requestkind import KINDS
from bulkops.engine.account import JobAccount, PassEnd, read_account
from bulkops.engine.run.counters import RunCounters
from bulkops.engine.run.requesttotal import RequestTotal
from bulkops.engine.run.runner import RunResult
from bulkops.state.layout import RunPaths, write_private
from bulkops.state.store import RunStore


class RateView(Protocol):
    """What the summary reads of a pace: a client's ``RateGovernor``, or a pool's ``PoolRate``."""

    @property
    def allowance(self) -> Allowance | None: ...

    @property
    def server_bound(self) -> bool: ...

    def describe(self) -> str: ...


def build_summary(
    *,
    store: RunStore,
    result: RunResult,
    stats: ClientStats,
    rps: float,
    paths: RunPaths,
    run_id: str,
    governor: RateView | None = None,
    job_total: RequestTotal | None = None,
    clients: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``stats``: the process's client (a pool's clients added up), read when the pass has ended
    (every request it sent so far); ``clients``: a pool's per-client figures (``client_figures``).

    ``status``, ``users``, ``items`` and ``account`` are the job's account (``engine.account``),
    the same record ``status`` and the report show; ``this_run`` is this pass alone."""
    account = read_account(store, paths, pass_end=PassEnd(stopped=result.stopped, listing_complete=result.listing_complete))
    c = result.counters
    changed = c.outcomes.get("applied", 0)
    requests = stats.requests
    achieved = result.requests / result.duration if result.duration > 0 else 0.0
    allowance = governor.allowance if governor is not None else None
    return {
        "job_id": store.get("job_id"),
        "run_id": run_id,
        "spec": store.get("spec_path"),
        "mode": store.get("mode"),
        **account_fields(account),
        "this_run": {
            "outcomes": dict(c.outcomes),
            # Every request of this process, set-up included: what the server counted for this pass.
            "requests": requests,
            "requests_by_kind": requests_by_kind(stats),
            "requests_per_changed_user": round(requests / changed, 3) if changed else None,
            # The engine phase alone (the users listing or id fetches, writes, queue batches,
            # re-reads): what ``achieved_rps`` is measured on, and its split by operation.
            "engine_requests": result.requests,
            "requests_by_operation": _by_operation(c, result.requests),
            "duration_s": round(result.duration, 2),
            "achieved_rps": round(achieved, 2),
            "configured_rps": rps,
            "rps_fraction": round(achieved / rps, 3) if rps else None,
            # What the server allowed (learned from its inin-ratelimit-* headers) and whether it, not
            # the configured rate, bounded the run: then "server allows 300/min: 5.0 req/s".
            "server_allowance": {"allowed": allowance.allowed, "window_s": allowance.window, "rps": round(allowance.rate, 3)} if allowance else None,
            "rate_bound": governor.describe() if governor is not None and governor.server_bound else None,
            "allowance_fraction": round(achieved / allowance.rate, 3) if allowance else None,
            "membership_changes": c.membership_changes,
            "requests_per_membership_change": round(c.requests_by_kind["queue_batches"] / c.membership_changes, 3) if c.membership_changes else None,
            "conflicts_409": c.conflicts,
            "conflict_refetches": c.conflict_retries,
            "conflict_resends": c.conflict_resends,
            "confirmed_after_restart": c.confirmed_after_restart,
            "http_retries": stats.retries,
            "http_429": stats.by_status.get(429, 0),
            "http_5xx": sum(n for s, n in stats.by_status.items() if s >= 500),
            "transport_errors": stats.transport_errors,
            # A pool of OAuth clients: each client's own figures (None without a pool).
            "clients": clients,
        },
        "job": {"requests": job_total.requests, "passes": job_total.passes} if job_total is not None else None,
        "files": {
            "checkpoint": str(paths.db),
            "audit": str(paths.audit),
            "reconciliation": str(paths.reconciliation),
            "summary": str(paths.summary),
        },
    }


def client_figures(pool: ClientPool) -> list[dict[str, Any]]:
    """Each client of a pool: its requests (its token's included), 429s, the allowance its
    governor learned, and why it was dropped if its credentials were refused."""
    out = []
    for client in pool.clients:
        stats, allowance, failure = client.stats, client.governor.allowance, pool.failed(client)
        out.append(
            {
                "client_id": client.config.client_id or None,
                "source": client.config.credentials_source or None,
                "requests": stats.requests,
                "http_429": stats.rate_limited,
                "http_retries": stats.retries,
                "server_allowance": {"allowed": allowance.allowed, "window_s": allowance.window, "rps": round(allowance.rate, 3)} if allowance else None,
                "failed": {"reason": failure.reason, "after_s": failure.after_s} if failure else None,
            }
        )
    return out


def requests_by_kind(stats: ClientStats) -> dict[str, int]:
    """Every kind (``requestkind.KINDS``, zeros included, so the record's shape never varies),
    then any other label a caller used; the values sum to ``stats.requests``."""
    return {k: stats.by_kind.get(k, 0) for k in KINDS} | {k: n for k, n in sorted(stats.by_kind.items()) if k not in KINDS}


def _by_operation(c: RunCounters, total: int) -> dict[str, int]:
    """The engine's requests by operation (patch_user, upsert_skills, ..., queue_batches,
    expand_fill, refetch_after_409); the rest of them are ``reads`` (the listing, membership)."""
    ops = {k: int(v) for k, v in sorted(c.requests_by_kind.items()) if v}
    ops["reads"] = max(0, total - sum(ops.values()))
    return ops


def account_fields(account: JobAccount) -> dict[str, Any]:
    """The account's part of a summary: what ``reconcile drop`` refreshes in summary.json."""
    return {
        "status": account.status,
        "users": dict(account.users) | {"total": account.total},
        # The job's items of other kinds (skill definitions, ...): per kind, per outcome or status.
        "items": {k: dict(v) for k, v in account.items.items()},
        "account": account.to_json(),
    }


def write_summary(summary: dict[str, Any], path: Path) -> None:
    tmp = path.with_suffix(".json.tmp")
    write_private(tmp, orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    tmp.replace(path)


def render_summary(summary: dict[str, Any]) -> str:
    run = summary["this_run"]
    users = summary["users"]
    lines = [
        f"job {summary['job_id']}  run {summary['run_id']}  status: {summary['status']}",
        "users:   " + "  ".join(f"{k} {v}" for k, v in users.items()),
        *(f"{kind}s:  " + "  ".join(f"{k} {v}" for k, v in sorted(n.items())) for kind, n in sorted(summary.get("items", {}).items())),
        *account_lines(summary.get("account")),
        f"this pass: {sum(run['outcomes'].values())} users handled in {_duration(run['duration_s'])}, "
        f"{run['requests']} requests in this process, set-up included"
        + (f" ({run['requests_per_changed_user']} per changed user)" if run["requests_per_changed_user"] else ""),
        "requests by kind: "
        + (", ".join(f"{k} {v}" for k, v in run.get("requests_by_kind", {}).items() if v) or "none")
        + (
            f"; {run['membership_changes']} queue membership changes in {run['requests_by_kind'].get('queue_batches', 0)} requests"
            if run.get("membership_changes")
            else ""
        ),
    ]
    job = summary.get("job")
    if job and job.get("passes", 0) > 1:
        lines.append(f"job so far: {job['requests']} requests in {job['passes']} passes")
    lines += [
        f"rate:    {run['achieved_rps']} req/s of {run['configured_rps']} configured"
        + (f" ({run['rps_fraction'] * 100:.1f}%)" if run["rps_fraction"] is not None else "")
        + (f"; bound by the server: {run['rate_bound']} ({run['allowance_fraction'] * 100:.1f}% of it)" if run.get("rate_bound") else ""),
        f"faults:  409 conflicts {run['conflicts_409']} (re-fetched and re-merged {run['conflict_refetches']}"
        + (f", re-sent unchanged {run['conflict_resends']}" if run.get("conflict_resends") else "")
        + "), "
        f"HTTP retries {run['http_retries']}, 429 {run['http_429']}, 5xx {run['http_5xx']}",
    ]
    lines += _client_lines(run.get("clients"))
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


def account_lines(account: dict[str, Any] | None) -> list[str]:
    """What a person still has to look at, and what a person settled by hand, in words."""
    if not account:
        return []
    lines = []
    if account.get("need_look"):
        lines.append(
            f"need a look: {account['need_look']} failed or held for reconciliation; "
            f"{account.get('open_entries', 0)} open entr{'y' if account.get('open_entries') == 1 else 'ies'} in the reconciliation queue"
        )
    if account.get("dropped"):
        lines.append(f"dropped: {account['dropped']} taken off the reconciliation queue by a person (settled, not counted as needing a look)")
    return lines


def _client_lines(clients: list[dict[str, Any]] | None) -> list[str]:
    """A pool's clients, one line each; a client dropped for refused credentials says so."""
    if not clients:
        return []
    failed = [c for c in clients if c.get("failed")]
    head = f"clients: a pool of {len(clients)} OAuth clients"
    if failed:
        head += f", {len(failed)} refused: {'its' if len(failed) == 1 else 'their'} workers moved to the others"
    lines = [head]
    for c in clients:
        allowance = c.get("server_allowance")
        line = f"  {c.get('client_id') or '(a ready token)'}: {c['requests']} requests, 429 {c['http_429']}"
        if allowance:
            line += f", server allows {allowance['allowed']} per {allowance['window_s']:g} s"
        if c.get("failed"):
            line += f"; credentials refused after {c['failed']['after_s']:g} s: {c['failed']['reason']}"
        lines.append(line)
    return lines


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else (f"{m}m{s:02d}s" if m else f"{seconds:.1f}s")
