"""The webhook against a local receiver: signed, retried on 5xx, bounded, never raising, audited."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bulkops.errors import ConfigError
from bulkops.report.hooks import finish_run
from bulkops.report.webhook import SIGNATURE_HEADER, WebhookConfig, check_url, send_webhook, verify
from bulkops.state.ndjson import read_ndjson
from reporthelpers import email, run_job, write_jsonl

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


async def test_a_delivery_is_signed_over_the_raw_body_and_audited_without_the_url_path(receiver, tmp_path):
    r = await receiver(200)
    log = tmp_path / "webhooks.ndjson"
    assert await send_webhook(r.url, SECRET, PAYLOAD, log_path=log, sleep=Sleeps()) is True
    ((body, headers),) = r.got
    assert orjson.loads(body) == PAYLOAD and headers["Content-Type"] == "application/json"
    assert headers[SIGNATURE_HEADER].startswith("sha256=") and verify(SECRET, body, headers[SIGNATURE_HEADER])
    assert not verify("another secret", body, headers[SIGNATURE_HEADER])
    (line,) = list(read_ndjson(log))
    assert line["delivered"] is True and line["attempts"][0]["status"] == 200 and line["signed"] is True
    assert "T0KEN" not in log.read_text() and SECRET not in log.read_text()


async def test_5xx_answers_are_retried_with_backoff_until_one_succeeds(receiver, tmp_path):
    r = await receiver(500, 503, 200)
    sleeps = Sleeps()
    assert await send_webhook(r.url, SECRET, PAYLOAD, log_path=tmp_path / "w.ndjson", sleep=sleeps) is True
    assert len(r.got) == 3 and sleeps.waits == [1, 2]
    assert len({b for b, _ in r.got}) == 1  # the same signed body every time
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
    assert WebhookConfig.resolve("https://other.example.com/", env={"BULKOPS_WEBHOOK_URL": "https://h.example.com/x", "BULKOPS_WEBHOOK_SECRET": SECRET}).url == "https://other.example.com/"
    with pytest.raises(ConfigError, match="BULKOPS_WEBHOOK_SECRET"):
        WebhookConfig.resolve(env={"BULKOPS_WEBHOOK_URL": "https://h.example.com/x"})


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
    assert verify(SECRET, body, headers[SIGNATURE_HEADER])
    sent = orjson.loads(body)
    assert sent["event"] == "run.finished" and sent["job_id"] == setup.job_id and sent["run_id"] == summary["run_id"]
    assert sent["users"] == summary["users"] and sent["this_run"]["requests_per_changed_user"] == summary["this_run"]["requests_per_changed_user"]
    assert sent["this_run"]["duration_s"] == summary["this_run"]["duration_s"] and sent["this_run"]["outcomes"] == summary["this_run"]["outcomes"]
    results = setup.paths.root / "results"
    assert sent["files"]["results"]["applied.csv"] == str((results / "applied.csv").resolve())
    assert sent["files"]["audit"] == str(setup.paths.audit.resolve())
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
        after = await finish_run(setup.paths, None, store=store, webhook=WebhookConfig(r.url, SECRET), error=RuntimeError("API unreachable"), run_id="run-x", sleep=Sleeps())
    finally:
        store.close()
    sent = orjson.loads(r.got[0][0])
    assert after.webhook_delivered and sent["event"] == "run.aborted" and sent["status"] == "aborted"
    assert sent["error"] == "RuntimeError: API unreachable" and sent["run_id"] == "run-x" and sent["users"]["total"] == 5


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
