"""Hostile input and environment at the command line (#25 §8): exit codes, messages, no traceback.

In-process (click's CliRunner) against the simulator on its own thread, over real HTTP.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner
from helpers.cli import write_matrix
from test_failure_matrix import NO_CREDENTIALS, check, invoke

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes


@contextmanager
def redirecting(location: str) -> Iterator[tuple[str, list[str]]]:
    """A host that answers every request 307 to ``location``: (its base URL, the requests it got)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _redirect(self) -> None:
            seen.append(f"{self.command} {self.path}")
            self.send_response(307)
            self.send_header("Location", location + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _redirect

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_plan_against_a_redirecting_base_url_ends_at_once_with_exit_5(org, tmp_path: Path):
    sim, url = org
    spec = write_matrix(tmp_path / "spec.csv", 3)
    with redirecting(url) as (base, seen):
        started = time.monotonic()
        result = invoke("plan", str(spec), "--base-url", base, sim=sim)
        took = time.monotonic() - started
    check(result, exitcodes.AUTH_CONFIG, "HTTP 307", f"{url}/oauth/token", "does not follow redirects")
    assert seen == ["POST /oauth/token"]  # asked once, not retried
    assert sim.stats()["total"] == 0  # the redirect's target never heard from bulkops
    assert took < 60  # generous on a busy machine; a retried redirect would spend the whole budget


def test_plan_with_a_fifo_for_the_gc_profile_file_ends_with_exit_5_instead_of_hanging(org, tmp_path: Path):
    sim, url = org
    spec = write_matrix(tmp_path / "spec.csv", 3)
    home = tmp_path / "home"
    (home / ".gc").mkdir(parents=True)
    os.mkfifo(home / ".gc" / "config.toml")
    env = dict(NO_CREDENTIALS) | {"HOME": str(home)}
    result = CliRunner().invoke(cli, ["plan", str(spec), "--base-url", url, "--profile", "prod"], env=env, catch_exceptions=False)
    check(result, exitcodes.AUTH_CONFIG, "not a regular file")
    assert sim.stats()["total"] == 0


EVIL = "Evil\x1b[2J\nusers: 0 named, 0 to change, 5 already right\u202e"


def test_plan_prints_an_org_name_holding_a_newline_escape_and_bidi_override_escaped(org, tmp_path: Path):
    sim, url = org
    skill = sim.org.create_skill(EVIL, None)  # the org's own data, which bulkops cannot refuse
    spec = tmp_path / "spec.csv"
    spec.write_text(f"email,{skill.id}\nagent00001@example.com,3\n")
    result = invoke("plan", str(spec), "--base-url", url, "--detail", "5", sim=sim)
    check(result, exitcodes.OK)
    out = result.output
    assert "\x1b" not in out and "\u202e" not in out
    assert not any(line.startswith("users: 0") for line in out.splitlines()), out
    assert "Evil\\x1b[2J\\nusers: 0 named" in out and "\\u202e" in out
    assert [line for line in out.splitlines() if line.startswith("users: ")] == ["users: 1 named, 1 to change, 0 already right, 0 not found"]
