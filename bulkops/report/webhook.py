"""A signed JSON POST at the end of a run: bounded retries, never fatal, audited.

Signed the Standard Webhooks way (https://www.standardwebhooks.com/): ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>``,
so the receiver can check who sent it, refuse a stale or replayed delivery by its timestamp,
and drop a duplicate by its id (the same for every retry of one delivery). Delivery is
retried with exponential backoff on 5xx, 408, 429 and connection errors, at most
``attempts`` times and never longer than ``max_seconds``; whatever happens, the run's
result stands and each delivery is written to ``webhooks.ndjson`` (target host only:
webhook URLs often carry a token in their path, which must not land in a log).

The target must be on the public internet, or loopback: a private, link-local or metadata
address (``169.254.169.254``) is refused unless the operator allows it, both when the URL
names it and when a host name resolves to it at send time.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import ipaddress
import os
import re
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiohttp
import orjson
import structlog
from aiohttp.abc import AbstractResolver, ResolveResult
from tenacity import AsyncRetrying, RetryError, retry_if_exception_type, stop_after_attempt, stop_after_delay, wait_exponential

from bulkops.errors import ConfigError
from bulkops.state.ndjson import NdjsonWriter
from bulkops.state.stamps import now_ts

log = structlog.get_logger("bulkops.webhook")

ENV_URL = "BULKOPS_WEBHOOK_URL"
ENV_SECRET = "BULKOPS_WEBHOOK_SECRET"
ENV_ALLOW_PRIVATE = "BULKOPS_WEBHOOK_ALLOW_PRIVATE"
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_HEADER = "X-Bulkops-Event"
TOLERANCE_S = 300  # the Standard Webhooks default: a receiver refuses timestamps further off than this
LOG_NAME = "webhooks.ndjson"
RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Lookup = Callable[[str, int], Awaitable[list[str]]]


class ForbiddenTarget(ConfigError):
    """The webhook would reach a private, link-local or metadata address."""


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    url: str
    secret: str = field(repr=False)
    allow_private: bool = False

    @classmethod
    def resolve(
        cls, url: str | None = None, secret: str | None = None, env: Mapping[str, str] | None = None, *, allow_private: bool = False
    ) -> WebhookConfig | None:
        """``--webhook`` wins over ``BULKOPS_WEBHOOK_URL``; None when neither is set. Checked before the run starts."""
        env = os.environ if env is None else env
        url = url or env.get(ENV_URL)
        if not url:
            return None
        secret = secret or env.get(ENV_SECRET)
        if not secret:
            raise ConfigError(f"a webhook needs a signing secret: set {ENV_SECRET} (the receiver checks the {SIGNATURE_HEADER} header with it)")
        signing_key(secret)
        return cls(check_url(url, allow_private=allow_private), secret, allow_private)


def check_url(url: str, *, allow_private: bool = False) -> str:
    """http(s) only; plain http only to loopback (the rule ``--base-url`` follows); an IP literal must pass ``check_address``.

    Host names are checked when the webhook is sent, against what they resolve to then."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"the webhook must be an http(s) URL, got {redact(url)!r}")
    if parts.scheme == "http" and not _is_loopback_host(parts.hostname):
        raise ConfigError("a plain http webhook is only allowed on loopback (127.0.0.1, localhost, ::1); use https")
    literal = _ip_literal(parts.hostname)
    if literal is not None:
        check_address(parts.hostname, literal, allow_private=allow_private)
    return url.strip()


def _ip_literal(host: str) -> IPAddress | None:
    """The address a URL host spells, or None for a name. Numeric forms other than a dotted quad are refused:
    aiohttp would refuse them too, and ``2852039166`` is 169.254.169.254 to the resolver."""
    try:
        return ipaddress.ip_address(unquote(host))
    except ValueError:
        if host.replace(".", "").isdigit():
            raise ConfigError(f"the webhook host {host!r} is a number but not a dotted-quad IPv4 address; write the address in full") from None
        return None


def _is_loopback_host(host: str) -> bool:
    return host == "localhost" or ((ip := _ip_literal(host)) is not None and ip.is_loopback)


def _unwrap(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped (``::ffff:a.b.c.d``) or NAT64 (``64:ff9b::a.b.c.d``) one: where it really goes."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def is_forbidden(ip: IPAddress) -> bool:
    """Anything off the public internet but loopback: private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local and
    metadata (169.254/16, fe80::/10), CGNAT (100.64/10), unspecified (0.0.0.0, ::), multicast and reserved ranges."""
    ip = _unwrap(ip)
    if ip.is_loopback:
        return False
    return not ip.is_global or ip.is_multicast or ip.is_reserved


def check_address(host: str, ip: IPAddress, *, allow_private: bool = False) -> None:
    if not allow_private and is_forbidden(ip):
        inner = _unwrap(ip)
        raise ForbiddenTarget(
            f"the webhook host {host!r} is {ip}{f' ({inner})' if inner != ip else ''}, a private, link-local or metadata address; "
            f"pass --webhook-allow-private (or set {ENV_ALLOW_PRIVATE}=1) if the receiver really lives there"
        )


async def system_lookup(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to now (the system resolver)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class CheckedResolver(AbstractResolver):
    """aiohttp's resolver for the webhook: every address a name resolves to must pass ``check_address``,
    and the connection goes to exactly those addresses (no second lookup a DNS rebinding could answer differently)."""

    def __init__(self, lookup: Lookup, *, allow_private: bool) -> None:
        self._lookup = lookup
        self._allow_private = allow_private

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        ips = [ipaddress.ip_address(a) for a in await self._lookup(host, port)]
        if not ips:
            raise OSError(f"{host} resolved to no address")
        for ip in ips:
            check_address(host, ip, allow_private=self._allow_private)
        flags = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
        return [
            {"hostname": host, "host": str(ip), "port": port, "family": socket.AF_INET6 if ip.version == 6 else socket.AF_INET, "proto": 0, "flags": flags}
            for ip in ips
        ]

    async def close(self) -> None:
        return None


def redact(url: str) -> str:
    """Scheme and host only: the path and query of a webhook URL are often its credential."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…" if parts.netloc else "…"


def signing_key(secret: str) -> bytes:
    """A ``whsec_<base64>`` secret (the Standard Webhooks form, which their libraries expect) is its decoded bytes;
    any other secret is its UTF-8 bytes."""
    if not secret.startswith("whsec_"):
        return secret.encode("utf-8")
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except binascii.Error:
        raise ConfigError(f"{ENV_SECRET} starts with whsec_ but the rest is not base64") from None


def sign(secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` over ``id.timestamp.body``: the id and time are signed with the body."""
    mac = hmac.new(signing_key(secret), f"{delivery_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def verify(secret: str, body: bytes, headers: Mapping[str, str], *, now: float | None = None, tolerance: float = TOLERANCE_S) -> bool:
    """What a receiver does: the timestamp within ``tolerance`` of its clock, then a constant-time compare of any ``v1``
    signature. A replay inside the window has a ``webhook-id`` already seen: deduplicating on it is the receiver's part."""
    h = {k.lower(): v for k, v in headers.items()}
    delivery_id, stamp, signatures = h.get(ID_HEADER), h.get(TIMESTAMP_HEADER), h.get(SIGNATURE_HEADER)
    if not (delivery_id and stamp and signatures and stamp.isdigit()):
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance:
        return False
    expected = sign(secret, delivery_id, int(stamp), body)
    return any(hmac.compare_digest(expected, s) for s in signatures.split(" ") if s.startswith("v1,"))


def signed_headers(secret: str, delivery_id: str, body: bytes, event: str) -> dict[str, str]:
    """The headers of one attempt: the id stays, the timestamp is the attempt's own."""
    stamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": "bulkops-webhook", EVENT_HEADER: event, ID_HEADER: delivery_id, TIMESTAMP_HEADER: str(stamp)}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, delivery_id, stamp, body)
    return headers


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
    """The JSON sent: what a person on call needs to decide whether to look now, and no more.

    No host name and no absolute path: files are named relative to the job folder, which the
    receiver knows by ``job_id``. ``summary``: the run summary (``build_summary``); None when
    the run died before one existed, and then ``counts`` (``RunStore.counts()``) gives the users per status."""
    s = summary or {}
    run = s.get("this_run") or {}
    status = s.get("status") or "aborted"
    keep = (
        "outcomes",
        "requests",
        "requests_per_changed_user",
        "duration_s",
        "achieved_rps",
        "configured_rps",
        "conflicts_409",
        "http_429",
        "http_5xx",
        "http_retries",
    )
    return {
        # finished: every user handled, some perhaps needing a look (the account's state says which)
        "event": "run.finished" if (s.get("account") or {}).get("state", status) in ("complete", "finished") else "run.aborted",
        "job_id": s.get("job_id") or job_id,
        "run_id": s.get("run_id") or run_id,
        "status": status,
        "users": dict(s.get("users") or counts or {}),
        "this_run": {k: run[k] for k in keep if k in run},
        "error": None if error is None else _strip_dirs(error),
        "files": {
            **{k: _relative(v, job_dir) for k, v in (s.get("files") or {}).items()},
            "results": {name: _relative(p, job_dir) for name, p in (results or {}).items()},
        },
    }


def _relative(path: str | Path, job_dir: Path) -> str:
    """``path`` from the job folder (``results/failed.csv``); only its name when it lies elsewhere."""
    full = Path(path).resolve()
    try:
        return full.relative_to(job_dir.resolve()).as_posix()
    except ValueError:
        return full.name


_DIRS = re.compile(r"(?<![\w.:/~-])/(?:[^\s/'\"]+/)+(?=[^\s/'\"])")


def _strip_dirs(text: str) -> str:
    """An error message with each absolute path cut to its file name (``OSError: ... '/srv/x/audit.ndjson'`` -> ``'audit.ndjson'``)."""
    return _DIRS.sub("", text)[:500]


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
    allow_private: bool = False,
    lookup: Lookup = system_lookup,
) -> bool:
    """POST ``summary`` as JSON, signed; True when a 2xx came back. Never raises.

    Bounded: ``attempts`` tries, each ``timeout`` seconds at most, backoff 1, 2, 4, 8 s
    (capped at 30), and no new attempt after ``max_seconds``. One ``webhook-id`` for all
    of them; a forbidden target is refused before any connection and not retried."""
    body = orjson.dumps(summary)
    delivery_id = f"msg_{uuid.uuid4().hex}"
    event = str(summary.get("event", "run"))
    tries: list[dict[str, Any]] = []
    delivered = False
    started = time.monotonic()
    try:
        check_url(url, allow_private=allow_private)
        connector = aiohttp.TCPConnector(resolver=CheckedResolver(lookup, allow_private=allow_private))
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:

            async def post_once() -> None:
                t0 = time.monotonic()
                try:
                    async with session.post(url, data=body, headers=signed_headers(secret, delivery_id, body, event), allow_redirects=False) as resp:
                        await resp.read()
                        tries.append({"status": resp.status, "ms": round((time.monotonic() - t0) * 1000, 1)})
                        if resp.status in RETRY_STATUSES:
                            raise _Retryable(f"HTTP {resp.status}")
                except (TimeoutError, aiohttp.ClientError) as exc:
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
        log.warning("webhook.refused", target=redact(url), error=str(exc))
    except Exception as exc:  # noqa: BLE001 - a webhook must never fail the run
        tries.append({"error": f"{type(exc).__name__}: {exc}"[:300]})
        log.warning("webhook.error", target=redact(url), error=type(exc).__name__)
    _audit(log_path, {
        "event": summary.get("event"), "job_id": summary.get("job_id"), "run_id": summary.get("run_id"), "id": delivery_id,
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
            writer.write({"ts": now_ts(), **record})  # the job folder's one timestamp form (state.stamps)
        finally:
            writer.close()
    except OSError as exc:
        log.warning("webhook.audit_failed", path=str(path), error=str(exc))
