"""The webhook against a local receiver: signed (Standard Webhooks), retried on 5xx, bounded, never raising, audited,
refused on private targets, and telling the receiver nothing about the machine."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import socket
import time
from dataclasses import dataclass, field

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from reporthelpers import email, run_job, write_jsonl

from bulkops.errors import ConfigError
from bulkops.report.hooks import finish_run
from bulkops.report.webhook import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ForbiddenTarget,
    WebhookConfig,
    check_url,
    send_webhook,
    verify,
)
from bulkops.state.ndjson import read_ndjson

SECRET = "s3cret-for-tests"


@dataclass
class Receiver:
    """Answers with the scripted statuses in turn (the last one repeats) and keeps every request."""

    statuses: list[int]
    got: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.got.append((await request.read(), dict(request.headers)))
        status = self.statuses[min(len(self.got), len(self.statuses)) - 1]
        return web.Response(status=status, text="ok" if status < 300 else "no")


@pytest.fixture
async def receiver():
    servers = []

    async def make(*statuses: int) -> Receiver:
        r = Receiver(list(statuses) or [200])
        app = web.Application()
        app.router.add_post("/hooks/T0KEN-in-path", r.handle)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        r.url = str(server.make_url("/hooks/T0KEN-in-path"))
        return r

    yield make
    for s in servers:
        await s.close()


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


PAYLOAD = {"event": "run.finished", "job_id": "j", "run_id": "r", "users": {"applied": 3, "total": 3}}


def standard_signature(key: bytes, headers: dict[str, str], body: bytes) -> str:
    """The Standard Webhooks signature, computed here independently of the module under test."""
    signed = f"{headers[ID_HEADER]}.{headers[TIMESTAMP_HEADER]}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


async def test_a_delivery_signs_id_timestamp_and_raw_body_and_is_audited_without_the_url_path(receiver, tmp_path):
    r = await receiver(200)
    log = tmp_path / "webhooks.ndjson"
    assert await send_webhook(r.url, SECRET, PAYLOAD, log_path=log, sleep=Sleeps()) is True
    ((body, headers),) = r.got
    assert orjson.loads(body) == PAYLOAD and headers["Content-Type"] == "application/json"
    assert headers[ID_HEADER].startswith("msg_") and abs(int(headers[TIMESTAMP_HEADER]) - time.time()) < 5
    assert headers[SIGNATURE_HEADER] == standard_signature(SECRET.encode(), headers, body)
    assert verify(SECRET, body, headers) and not verify("another secret", body, headers)
    (line,) = list(read_ndjson(log))
    assert line["delivered"] is True and line["attempts"][0]["status"] == 200 and line["signed"] is True
    assert line["id"] == headers[ID_HEADER]
    assert "T0KEN" not in log.read_text() and SECRET not in log.read_text()


async def test_a_whsec_secret_is_its_base64_bytes_as_standard_webhooks_libraries_expect(receiver, tmp_path):
    key = bytes(range(32))
    secret = "whsec_" + base64.b64encode(key).decode()
    r = await receiver(200)
    assert await send_webhook(r.url, secret, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=Sleeps())
    ((body, headers),) = r.got
    assert headers[SIGNATURE_HEADER] == standard_signature(key, headers, body) and verify(secret, body, headers)
    with pytest.raises(ConfigError, match="base64"):
        WebhookConfig.resolve("https://h.example.com/x", "whsec_not base64!", env={})


async def test_a_stale_or_replayed_delivery_is_detectable(receiver, tmp_path):
    r = await receiver(200)
    await send_webhook(r.url, SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=Sleeps())
    ((body, headers),) = r.got
    sent_at = int(headers[TIMESTAMP_HEADER])
    assert verify(SECRET, body, headers, now=sent_at + 299)
    assert not verify(SECRET, body, headers, now=sent_at + 301)  # replayed after the tolerance window
    assert not verify(SECRET, body, headers, now=sent_at - 301)  # a timestamp from the future
    refreshed = headers | {TIMESTAMP_HEADER: str(int(time.time()))}
    if refreshed[TIMESTAMP_HEADER] != headers[TIMESTAMP_HEADER]:
        assert not verify(SECRET, body, refreshed)
    assert not verify(SECRET, body, headers | {TIMESTAMP_HEADER: str(sent_at + 1)})  # the timestamp is signed
    assert not verify(SECRET, body, headers | {ID_HEADER: "msg_other"})  # so is the id
    assert not verify(SECRET, body + b" ", headers)
    assert not verify(SECRET, body, {k: v for k, v in headers.items() if k != TIMESTAMP_HEADER})
    # inside the window, a replay carries an id the receiver has already seen
    seen: set[str] = set()
    accepted = [verify(SECRET, body, headers) and not (headers[ID_HEADER] in seen or seen.add(headers[ID_HEADER])) for _ in range(2)]
    assert accepted == [True, False]


async def test_5xx_answers_are_retried_with_backoff_until_one_succeeds(receiver, tmp_path):
    r = await receiver(500, 503, 200)
    sleeps = Sleeps()
    assert await send_webhook(r.url, SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=sleeps) is True
    assert len(r.got) == 3 and sleeps.waits == [1, 2]
    assert len({b for b, _ in r.got}) == 1  # the same body every time
    assert len({h[ID_HEADER] for _, h in r.got}) == 1  # one delivery id across retries: the receiver can deduplicate
    assert all(verify(SECRET, b, h) for b, h in r.got)  # each attempt signed with its own timestamp
    (line,) = list(read_ndjson(tmp_path / "w.ndjson"))
    assert [a["status"] for a in line["attempts"]] == [500, 503, 200]


async def test_it_gives_up_after_the_bound_without_raising(receiver, tmp_path):
    r = await receiver(502)
    sleeps = Sleeps()
    assert await send_webhook(r.url, SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=sleeps, attempts=4) is False
    assert len(r.got) == 4 and sleeps.waits == [1, 2, 4]
    (line,) = list(read_ndjson(tmp_path / "w.ndjson"))
    assert line["delivered"] is False and len(line["attempts"]) == 4


async def test_a_refusal_is_not_retried_and_an_unreachable_receiver_is_not_fatal(receiver, tmp_path):
    r = await receiver(400)
    assert await send_webhook(r.url, SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=Sleeps()) is False
    assert len(r.got) == 1
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = Sleeps()
    assert await send_webhook(f"http://127.0.0.1:{port}/x", SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=sleeps, attempts=3) is False
    assert len(sleeps.waits) == 2
    lines = list(read_ndjson(tmp_path / "w.ndjson"))
    assert [ln["delivered"] for ln in lines] == [False, False] and "error" in lines[1]["attempts"][0]


async def test_a_slow_receiver_costs_at_most_the_timeout_per_attempt(tmp_path):
    async def slow(request):
        await asyncio.sleep(5)
        return web.Response()

    app = web.Application()
    app.router.add_post("/", slow)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        ok = await send_webhook(str(server.make_url("/")), SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=Sleeps(), attempts=2, timeout=0.2)
        assert ok is False and loop.time() - t0 < 2
    finally:
        await server.close()


def test_only_https_or_loopback_http_and_a_secret_is_required():
    assert check_url("https://hooks.example.com/x") == "https://hooks.example.com/x"
    assert check_url("http://127.0.0.1:9/x") and check_url("http://localhost/x") and check_url("http://[::1]:8/x")
    for bad in ("http://hooks.example.com/x", "ftp://127.0.0.1/x", "file:///etc/passwd", "hooks.example.com"):
        with pytest.raises(ConfigError):
            check_url(bad)
    assert WebhookConfig.resolve(env={}) is None
    cfg = WebhookConfig.resolve(env={"BULKOPS_WEBHOOK_URL": "https://h.example.com/x", "BULKOPS_WEBHOOK_SECRET": SECRET})
    assert cfg is not None and cfg.secret == SECRET and SECRET not in repr(cfg)
    assert (
        WebhookConfig.resolve("https://other.example.com/", env={"BULKOPS_WEBHOOK_URL": "https://h.example.com/x", "BULKOPS_WEBHOOK_SECRET": SECRET}).url
        == "https://other.example.com/"
    )
    with pytest.raises(ConfigError, match="BULKOPS_WEBHOOK_SECRET"):
        WebhookConfig.resolve(env={"BULKOPS_WEBHOOK_URL": "https://h.example.com/x"})


FORBIDDEN = [
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "https://10.0.0.5/x",
    "https://172.16.0.1/x",
    "https://192.168.1.10/x",
    "https://100.64.0.1/x",  # CGNAT
    "https://0.0.0.0/x",
    "https://[::]/x",
    "https://[::ffff:169.254.169.254]/x",  # IPv4-mapped
    "https://[::ffff:10.0.0.5]/x",
    "https://[64:ff9b::a9fe:a9fe]/x",  # NAT64 of 169.254.169.254
    "https://[fd00:ec2::254]/x",  # unique local (fc00::/7): the IPv6 metadata address
    "https://[fe80::1]/x",  # link-local
    "https://224.0.0.1/x",  # multicast
]


@pytest.mark.parametrize("url", FORBIDDEN)
def test_private_link_local_and_metadata_addresses_are_refused_unless_allowed(url):
    with pytest.raises(ForbiddenTarget, match="--webhook-allow-private"):
        check_url(url)
    with pytest.raises(ForbiddenTarget):
        WebhookConfig.resolve(url, SECRET, env={})
    assert check_url(url, allow_private=True) == url
    assert WebhookConfig.resolve(url, SECRET, env={}, allow_private=True).allow_private is True


def test_public_and_loopback_addresses_pass_and_numeric_forms_are_refused():
    for url in ("https://8.8.8.8/x", "https://[2606:4700::1]/x", "https://[64:ff9b::808:808]/x", "https://127.0.0.1/x", "https://[::ffff:127.0.0.1]/x"):
        assert check_url(url) == url
    for url in ("https://2852039166/x", "https://127.1/x"):  # 169.254.169.254 and 127.0.0.1 to the resolver
        with pytest.raises(ConfigError, match="dotted-quad"):
            check_url(url, allow_private=True)


async def test_a_forbidden_literal_is_refused_at_send_time_without_a_connection(tmp_path):
    sleeps = Sleeps()
    t0 = time.monotonic()
    assert await send_webhook("https://169.254.169.254/latest", SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=sleeps) is False
    assert time.monotonic() - t0 < 5 and sleeps.waits == []  # no connection attempt to time out, no retry wait
    (line,) = list(read_ndjson(tmp_path / "w.ndjson"))
    assert line["delivered"] is False and "169.254.169.254" in line["attempts"][0]["error"] and "private" in line["attempts"][0]["error"]


def lookup_returning(*addresses: str):
    calls: list[str] = []

    async def lookup(host: str, port: int) -> list[str]:
        calls.append(host)
        return list(addresses)

    lookup.calls = calls  # type: ignore[attr-defined]
    return lookup


@pytest.mark.parametrize("addresses", [("169.254.169.254",), ("127.0.0.1", "10.0.0.5"), ("127.0.0.1", "::ffff:169.254.169.254"), ("fe80::1",)])
async def test_a_name_resolving_to_a_forbidden_address_is_refused_before_any_connection(receiver, tmp_path, addresses):
    r = await receiver(200)
    url = r.url.replace("127.0.0.1", "localhost")  # a name (plain http stays allowed on localhost)
    lookup = lookup_returning(*addresses)
    sleeps = Sleeps()
    assert await send_webhook(url, SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=sleeps, lookup=lookup) is False
    assert r.got == [] and sleeps.waits == [] and lookup.calls == ["localhost"]  # 127.0.0.1 would have answered: never tried
    (line,) = list(read_ndjson(tmp_path / "w.ndjson"))
    forbidden = next(a for a in addresses if a != "127.0.0.1").removeprefix("::ffff:")
    assert line["delivered"] is False and forbidden in line["attempts"][0]["error"]


async def test_with_the_option_a_name_resolving_to_a_private_address_is_delivered_to_the_checked_addresses(receiver, tmp_path):
    r = await receiver(200)
    url = r.url.replace("127.0.0.1", "localhost")
    lookup = lookup_returning("127.0.0.1", "10.0.0.5")
    assert await send_webhook(url, SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=Sleeps(), lookup=lookup, allow_private=True) is True
    assert len(r.got) == 1 and lookup.calls == ["localhost"]


async def test_a_name_is_resolved_by_the_system_resolver_by_default(receiver, tmp_path):
    r = await receiver(200)
    assert await send_webhook(r.url.replace("127.0.0.1", "localhost"), SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=Sleeps()) is True
    assert len(r.got) == 1


async def test_a_plain_http_url_off_loopback_is_refused_without_a_request(tmp_path):
    assert await send_webhook("http://hooks.example.com/x", SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=Sleeps()) is False
    (line,) = list(read_ndjson(tmp_path / "w.ndjson"))
    assert line["delivered"] is False and "loopback" in line["attempts"][0]["error"]


async def test_finish_run_writes_the_files_and_posts_the_run_summary(sim, receiver, tmp_path):
    names = list(sim.sim.skill_ids_by_name())[:1]
    spec = write_jsonl(tmp_path / "s.jsonl", [{"user": email(i), "skills": {names[0]: 4}} for i in range(5)])
    setup, summary = await run_job(sim, spec, tmp_path / "state")
    r = await receiver(200)
    after = await finish_run(setup.paths, summary, webhook=WebhookConfig(r.url, SECRET), sleep=Sleeps())
    assert after.webhook_delivered is True and after.report is not None and after.report.exists()
    ((body, headers),) = r.got
    assert verify(SECRET, body, headers)
    sent = orjson.loads(body)
    assert sent["event"] == "run.finished" and sent["job_id"] == setup.job_id and sent["run_id"] == summary["run_id"]
    assert sent["users"] == summary["users"] and sent["this_run"]["requests_per_changed_user"] == summary["this_run"]["requests_per_changed_user"]
    assert sent["this_run"]["duration_s"] == summary["this_run"]["duration_s"] and sent["this_run"]["outcomes"] == summary["this_run"]["outcomes"]
    # files by their place in the job folder; nothing about the machine
    assert sent["files"]["results"]["applied.csv"] == "results/applied.csv" and sent["files"]["results"]["report.html"] == "results/report.html"
    assert sent["files"]["audit"] == "audit.ndjson" and sent["files"]["summary"] == "summary.json"
    assert set(sent) == {"event", "job_id", "run_id", "status", "users", "this_run", "error", "files"}
    assert_nothing_about_the_machine(body, tmp_path)
    assert (setup.paths.root / "webhooks.ndjson").exists()
    # the user audit log has no line for the webhook
    assert {ln["outcome"] for ln in read_ndjson(setup.paths.audit)} <= {"applied", "unchanged"}


async def test_an_aborted_pass_posts_what_the_store_knows(sim, receiver, tmp_path):
    from bulkops.state.store import RunStore

    names = list(sim.sim.skill_ids_by_name())[:1]
    spec = write_jsonl(tmp_path / "s.jsonl", [{"user": email(i), "skills": {names[0]: 4}} for i in range(5)])
    setup, _ = await run_job(sim, spec, tmp_path / "state")
    r = await receiver(200)
    store = RunStore.open(setup.paths.db)
    try:
        after = await finish_run(
            setup.paths, None, store=store, webhook=WebhookConfig(r.url, SECRET), error=RuntimeError("API unreachable"), run_id="run-x", sleep=Sleeps()
        )
    finally:
        store.close()
    sent = orjson.loads(r.got[0][0])
    assert after.webhook_delivered and sent["event"] == "run.aborted" and sent["status"] == "aborted"
    assert sent["error"] == "RuntimeError: API unreachable" and sent["run_id"] == "run-x" and sent["users"]["total"] == 5


async def test_an_error_naming_a_file_is_sent_with_the_file_name_only(sim, receiver, tmp_path):
    names = list(sim.sim.skill_ids_by_name())[:1]
    spec = write_jsonl(tmp_path / "s.jsonl", [{"user": email(0), "skills": {names[0]: 4}}])
    setup, _ = await run_job(sim, spec, tmp_path / "state")
    r = await receiver(200)
    error = OSError(28, "No space left on device", str(setup.paths.audit.resolve()))
    await finish_run(setup.paths, None, webhook=WebhookConfig(r.url, SECRET), error=error, sleep=Sleeps())
    body = r.got[0][0]
    assert orjson.loads(body)["error"] == "OSError: [Errno 28] No space left on device: 'audit.ndjson'"
    assert_nothing_about_the_machine(body, tmp_path)


def assert_nothing_about_the_machine(body: bytes, tmp_path) -> None:
    """No host name, no absolute path: the receiver is told about the job, not about where it ran."""
    text = body.decode()
    assert str(tmp_path) not in text and str(tmp_path.resolve()) not in text and '"/' not in text and "'/" not in text
    assert '"host"' not in text and f'"{socket.gethostname()}"' not in text


async def test_a_webhook_that_never_answers_does_not_change_the_run(sim, tmp_path):
    names = list(sim.sim.skill_ids_by_name())[:1]
    spec = write_jsonl(tmp_path / "s.jsonl", [{"user": email(0), "skills": {names[0]: 4}}])
    setup, summary = await run_job(sim, spec, tmp_path / "state")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    after = await finish_run(setup.paths, summary, webhook=WebhookConfig(f"http://127.0.0.1:{port}/", SECRET), sleep=Sleeps())
    assert after.webhook_delivered is False and after.results is not None and after.results.rows["applied.csv"] == 1


def test_the_cli_option_reads_the_environment_and_checks_before_any_run(monkeypatch):
    import click
    from click.testing import CliRunner

    from bulkops.cli.report import webhook_config, webhook_option

    seen = {}

    @click.command()
    @webhook_option
    def cmd(**kw):
        seen["cfg"] = webhook_config(kw)

    monkeypatch.setenv("BULKOPS_WEBHOOK_SECRET", SECRET)
    assert CliRunner().invoke(cmd, ["--webhook", "https://h.example.com/x"]).exit_code == 0 and seen["cfg"].url == "https://h.example.com/x"
    assert CliRunner().invoke(cmd, [], env={"BULKOPS_WEBHOOK_URL": "https://e.example.com/y"}).exit_code == 0 and seen["cfg"].url == "https://e.example.com/y"
    assert CliRunner().invoke(cmd, [], env={"BULKOPS_WEBHOOK_URL": ""}).exit_code == 0 and seen["cfg"] is None
    assert isinstance(CliRunner().invoke(cmd, ["--webhook", "http://h.example.com/x"]).exception, ConfigError)
    assert isinstance(CliRunner().invoke(cmd, ["--webhook", "https://10.0.0.5/x"]).exception, ForbiddenTarget)
    assert CliRunner().invoke(cmd, ["--webhook", "https://10.0.0.5/x", "--webhook-allow-private"]).exit_code == 0 and seen["cfg"].allow_private
    seen.clear()
    assert CliRunner().invoke(cmd, ["--webhook", "https://10.0.0.5/x"], env={"BULKOPS_WEBHOOK_ALLOW_PRIVATE": "1"}).exit_code == 0 and seen["cfg"].allow_private
