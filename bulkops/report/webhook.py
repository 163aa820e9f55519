"""A signed JSON POST at the end of a run: bounded retries, never fatal, audited.

The body is signed with HMAC-SHA256 over the exact bytes sent, in
``X-Bulkops-Signature: sha256=<hex>`` (the GitHub convention), so the receiver can
check it came from whoever holds the secret. Delivery is retried with exponential
backoff on 5xx, 408, 429 and connection errors, at most ``attempts`` times and never
longer than ``max_seconds``; whatever happens, the run's result stands and each delivery
is written to ``webhooks.ndjson`` (target host only: webhook URLs often carry a token in
their path, which must not land in a log).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping
from urllib.parse import urlsplit

import aiohttp
import orjson
import structlog
from tenacity import AsyncRetrying, RetryError, retry_if_exception_type, stop_after_attempt, stop_after_delay, wait_exponential

from bulkops.client.config import _is_loopback
from bulkops.errors import ConfigError
from bulkops.state.ndjson import NdjsonWriter

log = structlog.get_logger("bulkops.webhook")

ENV_URL = "BULKOPS_WEBHOOK_URL"
ENV_SECRET = "BULKOPS_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Bulkops-Signature"
EVENT_HEADER = "X-Bulkops-Event"
LOG_NAME = "webhooks.ndjson"
RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    url: str
    secret: str = field(repr=False)

    @classmethod
    def resolve(cls, url: str | None = None, secret: str | None = None, env: Mapping[str, str] | None = None) -> "WebhookConfig | None":
        """``--webhook`` wins over ``BULKOPS_WEBHOOK_URL``; None when neither is set. Checked before the run starts."""
        env = os.environ if env is None else env
        url = url or env.get(ENV_URL)
        if not url:
            return None
        secret = secret or env.get(ENV_SECRET)
        if not secret:
            raise ConfigError(f"a webhook needs a signing secret: set {ENV_SECRET} (the receiver checks the {SIGNATURE_HEADER} header with it)")
        return cls(check_url(url), secret)


def check_url(url: str) -> str:
    """http(s) only; plain http only to loopback (the rule ``--base-url`` follows)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"the webhook must be an http(s) URL, got {redact(url)!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigError("a plain http webhook is only allowed on loopback (127.0.0.1, localhost, ::1); use https")
    return url.strip()


def redact(url: str) -> str:
    """Scheme and host only: the path and query of a webhook URL are often its credential."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…" if parts.netloc else "…"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does (constant-time compare); used by the tests."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header)  # type: ignore[arg-type]


def build_payload(
    summary: Mapping[str, Any] | None,
    *,
    job_id: str,
    run_id: str | None,
    job_dir: Path,
    results: Mapping[str, Path] | None = None,
    counts: Mapping[str, int] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """The JSON sent: what a person on call needs to decide whether to look now.

    ``summary``: the run summary (``build_summary``); None when the run died before one
    existed, and then ``counts`` (``RunStore.counts()``) gives the users per status."""
    s = summary or {}
    run = s.get("this_run") or {}
    status = s.get("status") or "aborted"
    keep = ("outcomes", "requests", "requests_per_changed_user", "duration_s", "achieved_rps", "configured_rps", "conflicts_409", "http_429", "http_5xx", "http_retries")
    return {
        "event": "run.finished" if status == "complete" else "run.aborted",
        "job_id": s.get("job_id") or job_id,
        "run_id": s.get("run_id") or run_id,
        "status": status,
        "users": dict(s.get("users") or counts or {}),
        "this_run": {k: run[k] for k in keep if k in run},
        "error": error,
        "host": socket.gethostname(),
        "files": {
            "job_dir": str(job_dir.resolve()),
            **{k: str(Path(v).resolve()) for k, v in (s.get("files") or {}).items()},
            "results": {name: str(Path(p).resolve()) for name, p in (results or {}).items()},
        },
        "sent_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


class _Retryable(Exception):
    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


async def send_webhook(
    url: str,
    secret: str,
    summary: Mapping[str, Any],
    *,
    log_path: Path,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    attempts: int = 5,
    timeout: float = 10.0,
    max_seconds: float = 60.0,
) -> bool:
    """POST ``summary`` as JSON, signed; True when a 2xx came back. Never raises.

    Bounded: ``attempts`` tries, each ``timeout`` seconds at most, backoff 1, 2, 4, 8 s
    (capped at 30), and no new attempt after ``max_seconds``."""
    body = orjson.dumps(summary)
    tries: list[dict[str, Any]] = []
    delivered = False
    started = time.monotonic()
    try:
        check_url(url)
        headers = {"Content-Type": "application/json", "User-Agent": "bulkops-webhook", EVENT_HEADER: str(summary.get("event", "run"))}
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, body)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:

            async def post_once() -> None:
                t0 = time.monotonic()
                try:
                    async with session.post(url, data=body, headers=headers, allow_redirects=False) as resp:
                        await resp.read()
                        tries.append({"status": resp.status, "ms": round((time.monotonic() - t0) * 1000, 1)})
                        if resp.status in RETRY_STATUSES:
                            raise _Retryable(f"HTTP {resp.status}")
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    tries.append({"error": type(exc).__name__, "ms": round((time.monotonic() - t0) * 1000, 1)})
                    raise _Retryable(type(exc).__name__) from exc

            retrying = AsyncRetrying(
                stop=stop_after_attempt(max(1, attempts)) | stop_after_delay(max_seconds),
                wait=wait_exponential(multiplier=1, min=1, max=30),
                retry=retry_if_exception_type(_Retryable),
                sleep=sleep,
                reraise=False,
            )
            try:
                await retrying(post_once)
            except RetryError:
                pass
            delivered = bool(tries) and "status" in tries[-1] and 200 <= tries[-1]["status"] < 300
    except ConfigError as exc:
        tries.append({"error": str(exc)})
    except Exception as exc:  # noqa: BLE001 - a webhook must never fail the run
        tries.append({"error": f"{type(exc).__name__}: {exc}"[:300]})
        log.warning("webhook.error", target=redact(url), error=type(exc).__name__)
    _audit(log_path, {
        "event": summary.get("event"), "job_id": summary.get("job_id"), "run_id": summary.get("run_id"),
        "target": redact(url), "delivered": delivered, "attempts": tries, "signed": bool(secret),
        "body_sha256": hashlib.sha256(body).hexdigest(), "seconds": round(time.monotonic() - started, 3),
    })  # fmt: skip
    if not delivered:
        log.warning("webhook.not_delivered", target=redact(url), attempts=len(tries))
    return delivered


def _audit(path: Path, record: dict[str, Any]) -> None:
    try:
        writer = NdjsonWriter(path, fsync_every=0.0)
        try:
            writer.write({"ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **record})
        finally:
            writer.close()
    except OSError as exc:
        log.warning("webhook.audit_failed", path=str(path), error=str(exc))
