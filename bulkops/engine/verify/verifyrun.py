"""Read the platform's audit for a job's windows and OAuth client, and judge it (``verify``).

The platform's audit lags its writes (minutes on a real org; ``audit_delay_seconds`` in the
simulator). Before ``last line + audit_lag`` the trail cannot cover the job: that is
``Pending`` (exit 11), or with ``wait`` a sleep until then. After it, a trail whose newest
message is older than every write the job misses has not caught up either (the lag was longer
than the guess): ``Pending`` again, or with ``wait`` another read a little later, until the
timeout. Only a write older than what the platform already shows is reported missing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.audits import AuditQuery, AuditQueryError, run_queries
from bulkops.domain.auditservices import DEFAULT_SERVICES, ServiceChoice
from bulkops.domain.verification import OtherJob, Verification, audit_lags, verify
from bulkops.engine.verify.verifyjob import JobWrites
from bulkops.engine.verify.verifyservices import audit_services

#: The services a bulkops job writes through when the platform's service mapping cannot be read; one
#: query per service and window. Otherwise chosen from the mapping (``verifyservices``, #27 §4).
SERVICES = DEFAULT_SERVICES
#: Guess for a real org (nothing documented found): its audit may trail a write by up to 15 minutes.
REAL_AUDIT_LAG = 900.0


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    audit_lag: float = REAL_AUDIT_LAG
    wait: bool = False
    timeout: float = 1800.0  # with ``wait``: how long verify may wait in all
    query_timeout: float = 300.0  # one audit query, submit to Succeeded


@dataclass(frozen=True, slots=True)
class Pending:
    """The platform's audit does not cover the job yet, or could not be read in time: try again
    ``wait`` seconds from now (``ready_at``, in the API's clock)."""

    ready_at: float
    reason: str
    wait: float = 0.0


async def verify_job(
    client: GenesysClient,
    writes: JobWrites,
    client_id: str | Sequence[str] | None,
    options: VerifyOptions,
    *,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    others: Sequence[OtherJob] = (),
) -> Verification | Pending:
    """``client_id``: the OAuth client whose writes the job made, or every client of a pool (one
    query per client and service: the audit filters on one client id).

    Times are the API's (``clock``, by default ``client.server_clock``, set from the first
    answer's Date header): the job's times were moved into it from each pass's recorded skew,
    so a machine whose clock is hours off neither waits hours nor reads the wrong window.
    ``others``: the other jobs of the state folder (``otherjobs``): a write one of them recorded
    is named as that job's, not unexpected (#27 §9)."""
    clients: tuple[str | None, ...] = (client_id,) if client_id is None or isinstance(client_id, str) else tuple(client_id)
    shown = ", ".join(c for c in clients if c) or None
    if writes.last_line is None or not writes.windows:
        return Verification(owners=(), client_id=shown)
    now = clock or await _api_clock(client)
    deadline = now() + (options.timeout if options.wait else 0.0)
    ready_at = writes.last_line + options.audit_lag
    services: ServiceChoice | None = None  # read once, when the audit can cover the job (#27 §4)
    while True:
        if now() < ready_at:
            if ready_at > deadline:
                return _pending(
                    ready_at,
                    now(),
                    f"the job's last write was at most {now() - writes.last_line:.0f} s ago; the platform's audit may trail it by {options.audit_lag:g} s",
                )
            await sleep(ready_at - now())
            continue
        services = await _chosen(client, services)
        try:
            messages = await run_queries(client, _queries(writes, clients, services.services), timeout=options.query_timeout)
        except AuditQueryError as exc:  # not done within its bound (or ended Failed): nothing to judge yet
            return _pending(now() + _retry(options), now(), f"could not read the platform's audit: {exc}")
        verdict = verify(writes.expected, messages, owners=writes.owners, others=others)
        lag_from = audit_lags(verdict, writes.wrote_at, messages)
        if lag_from is None:
            return replace(verdict, windows=writes.windows, client_id=shown, extra={**verdict.extra, **services.to_json()})
        missing = sum(1 for o in verdict.owners if o.missing)
        reason = (
            f"the platform's audit shows nothing of the {missing} user(s)/item(s) the job wrote last "
            f"(from {_clock(lag_from)} on): it trails the job by more than {options.audit_lag:g} s"
        )
        if now() + _retry(options) > deadline:
            return _pending(now() + max(options.audit_lag, _retry(options)), now(), reason)
        ready_at = now() + _retry(options)


async def _api_clock(client: GenesysClient) -> Callable[[], float]:
    """The API's clock: one answer (the token's) tells its time before any comparison."""
    await client.auth.token()
    return client.server_clock.now


def _queries(writes: JobWrites, clients: Sequence[str | None], services: Sequence[str]) -> list[AuditQuery]:
    """One query per OAuth client, window and service."""
    return [AuditQuery(service, w.start, w.end, c) for c in clients for w in writes.windows for service in services]


def _retry(options: VerifyOptions) -> float:
    """How soon to read a trail again that has not caught up: a quarter of the lag, 2-60 s."""
    return max(min(options.audit_lag / 4, 60.0), 2.0)


def _pending(ready_at: float, now: float, reason: str) -> Pending:
    return Pending(ready_at, reason, max(0.0, ready_at - now))


async def _chosen(client: GenesysClient, known: ServiceChoice | None) -> ServiceChoice:
    """The audit services to query: read from the platform's mapping once, then kept."""
    return known if known is not None else await audit_services(client)


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%SZ", time.gmtime(t))
