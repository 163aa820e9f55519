"""`bulkops run` on a real terminal (a pseudo-terminal): what it shows, and that it asks before
the first write; against the simulator over HTTP. The question itself is pure code, tested too."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.cli import write_matrix
from helpers.routing import only_through
from helpers.simthread import simulator_thread

from bulkops.cli.support.confirm import WritePreview, describe, is_yes, org_of
from bulkops.simulator import SimConfig, Simulator


class Terminal:
    """``bulkops ARGS`` with stdin, stdout and stderr on one pseudo-terminal, as in a shell."""

    def __init__(self, *args: str, env: dict[str, str]):
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "bulkops", *args], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.seen = ""

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"{text!r} never appeared; the terminal shows:\n{self.seen}")
        return self.seen

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def finish(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self._read(max(deadline - time.monotonic(), 0.01)):
            pass
        code = self.proc.wait(max(deadline - time.monotonic(), 1))
        os.close(self.master)
        return code

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the child has closed the terminal
            return False
        self.seen += data.decode(errors="replace").replace("\r\n", "\n")
        return bool(data)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Simulator, str]]:
    with simulator_thread() as pair:
        yield pair


@pytest.fixture
def org(served: tuple[Simulator, str]) -> tuple[Simulator, str]:
    sim, url = served
    sim.reset(SimConfig())
    return sim, url


def child_env(sim: Simulator) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYSCLOUD_", "BULKOPS_"))}
    return clean | {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "NO_COLOR": "1"}


def run_args(spec: Path, url: str, state: Path) -> list[str]:
    return ["run", str(spec), "--base-url", url, "--state-dir", str(state), "--job", "j", "--rps", "500", "--plain-progress"]


def test_on_a_terminal_run_shows_what_it_will_do_and_writes_only_after_yes(org, tmp_path):
    sim, url = org
    spec = write_matrix(tmp_path / "m.csv", 6)
    before = sim.dump()
    term = Terminal(*run_args(spec, url, tmp_path / "st"), env=child_env(sim))
    shown = term.wait_for("proceed? [y/N]")
    assert f"org:    {url.removeprefix('http://')}" in shown
    assert "as:     OAuth client bulkops-sim (from GENESYSCLOUD_OAUTHCLIENT_ID/GENESYSCLOUD_OAUTHCLIENT_SECRET)" in shown
    assert f"spec:   {spec} (csv-wide, mode merge: only what the spec names changes)" in shown
    assert "users:  6 named, 6 to change as they stand now" in shown  # counted from set-up's read, no request
    assert "routing: no queue loses a member (a skill or language is removed; impact read: " in shown  # it removes some
    time.sleep(0.3)
    assert sim.dump() == before and not (tmp_path / "st" / "j").exists()  # still waiting: nothing written, no job
    term.type("y\n")
    assert term.finish() == 0, term.seen
    assert sim.dump() != before and "status: complete" in term.seen


@pytest.mark.parametrize("answer", ["n\n", "ctrl-c", pytest.param("\n", marks=pytest.mark.slow), pytest.param("nope\n", marks=pytest.mark.slow)])
def test_anything_but_yes_writes_nothing_creates_no_job_and_exits_9(org, tmp_path, answer):
    sim, url = org
    spec = write_matrix(tmp_path / "m.csv", 6)
    before = sim.dump()
    term = Terminal(*run_args(spec, url, tmp_path / "st"), env=child_env(sim))
    term.wait_for("proceed? [y/N]")
    if answer == "ctrl-c":
        term.proc.send_signal(signal.SIGINT)
    else:
        term.type(answer)
    assert term.finish() == 9, term.seen
    assert "not confirmed: nothing was written and no job was created" in term.seen and "Traceback" not in term.seen
    assert sim.dump() == before and not (tmp_path / "st" / "j").exists()


def test_the_question_names_the_queue_a_job_would_empty_and_its_warning(org, tmp_path):
    sim, url = org
    qid, pros = only_through(sim, "Collections", "Collections pros", "Collections", 4)
    spec = tmp_path / "c.csv"
    spec.write_text("email,Collections\n" + "".join(f"{sim.org.users[u].email},-\n" for u in pros), encoding="utf-8")
    before = sim.dump()
    term = Terminal(*run_args(spec, url, tmp_path / "st"), "--accept-impact", env=child_env(sim))
    shown = term.wait_for("proceed? [y/N]")
    assert f"  queues: 'Collections' {len(pros)} -> 0" in shown
    assert f"  warning [critical]: queue 'Collections' would be left with no member ({len(pros)} of {len(pros)} leave)" in shown
    term.type("n\n")
    assert term.finish() == 9, term.seen
    assert sim.dump() == before and sim.queue_member_ids(qid) == set(pros)


@pytest.mark.slow  # a child process on a terminal: a few seconds
def test_yes_skips_the_question_on_a_terminal(org, tmp_path):
    sim, url = org
    spec = write_matrix(tmp_path / "m.csv", 3)
    term = Terminal(*run_args(spec, url, tmp_path / "st"), "--yes", env=child_env(sim))
    assert term.finish() == 0, term.seen
    assert "proceed?" not in term.seen and "status: complete" in term.seen


# -- the question's pure parts ------------------------------------------------------------------


def test_only_an_explicit_yes_proceeds():
    assert is_yes("y\n") and is_yes(" YES ") and is_yes("Yes")
    assert not any(is_yes(a) for a in (None, "", "\n", "n", "no", "yeah", "y y"))


def test_the_preview_names_region_credentials_mode_and_users():
    assert org_of("https://api.mypurecloud.ie") == "api.mypurecloud.ie (region eu-west-1)"
    assert org_of("https://api.usw2.pure.cloud") == "api.usw2.pure.cloud (region us-west-2)"
    assert org_of("http://127.0.0.1:8080") == "127.0.0.1:8080"
    text = describe(
        WritePreview("jobs/x.csv", "csv-wide", "replace", 1200, "https://api.mypurecloud.de", "a ready access token (from GENESYSCLOUD_ACCESS_TOKEN)")
    )
    assert "org:    api.mypurecloud.de (region eu-central-1)" in text
    assert "mode replace: users end with exactly the skills listed" in text and "users:  1200 named" in text
    assert "a ready access token (from GENESYSCLOUD_ACCESS_TOKEN)" in text
    routed = describe(WritePreview("x.csv", "csv-wide", "merge", 3, "http://127.0.0.1:1", "t", impact=("queues: 'Sales' 2 -> 0", "warning [critical]: ...")))
    assert routed.endswith("\n  queues: 'Sales' 2 -> 0\n  warning [critical]: ...")
