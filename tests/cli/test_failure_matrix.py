"""Every command against every way it can fail: an exit code that says which, a message, never a traceback.

In-process (click's CliRunner) against the simulator on its own thread, over real HTTP. Each row is one
command line and the exit code its failure must give (``bulkops.cli.support.exitcodes``)."""

from __future__ import annotations

import time
from pathlib import Path

from click.testing import CliRunner, Result
from helpers.cli import write_matrix

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.simulator import Simulator

NO_CREDENTIALS: dict[str, str | None] = {
    k: None for k in ("GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_OAUTHCLIENT_SECRET", "GENESYSCLOUD_ACCESS_TOKEN", "GENESYSCLOUD_REGION", "BULKOPS_BASE_URL")
}
CLOSED = "http://127.0.0.1:9"  # nothing listens on the discard port


def invoke(*args: str, sim: Simulator | None = None, secret: str | None = None) -> Result:
    env = dict(NO_CREDENTIALS)
    if sim is not None:
        env |= {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": secret or sim.config.client_secret}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def said(result: Result) -> str:
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


def check(result: Result, code: int, *words: str) -> None:
    text = said(result)
    assert result.exit_code == code, text
    assert "Traceback" not in text, text
    for word in words:
        assert word in text, (word, text)


def test_every_command_fails_with_its_code_and_without_a_traceback(org, tmp_path: Path):
    sim, url = org
    good = write_matrix(tmp_path / "good.csv", 5)
    bad = tmp_path / "bad.csv"
    bad.write_text("email,Billing\nagent00000@example.com,9\n")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("email,Billing\nnobody@example.com,3\n")
    state = str(tmp_path / "state")
    fast = ("--rps", "500", "--plain-progress")
    rows: list[tuple[tuple[str, ...], dict[str, object], int, tuple[str, ...]]] = [
        # a spec that is wrong locally, and one that names what the org lacks
        (("validate", str(bad)), {}, exitcodes.INVALID_SPEC, ("bad.csv:2:",)),
        (("plan", str(bad), "--base-url", url), {"sim": sim}, exitcodes.INVALID_SPEC, ("bad.csv:2:",)),
        (("run", str(bad), "--base-url", url, "--state-dir", state, "--yes", *fast), {"sim": sim}, exitcodes.INVALID_SPEC, ("bad.csv:2:",)),
        (("plan", str(unknown), "--base-url", url), {"sim": sim}, exitcodes.INVALID_SPEC, ("not in the org",)),
        (("run", str(unknown), "--base-url", url, "--state-dir", state, "--yes", *fast), {"sim": sim}, exitcodes.INVALID_SPEC, ("not in the org",)),
        # no credentials, refused credentials, a host nobody answers on
        (("plan", str(good), "--base-url", url), {}, exitcodes.AUTH_CONFIG, ()),
        (("plan", str(good), "--base-url", url), {"sim": sim, "secret": "wrong"}, exitcodes.AUTH_CONFIG, ()),
        (("run", str(good), "--base-url", url, "--state-dir", state, "--yes", *fast), {"sim": sim, "secret": "wrong"}, exitcodes.AUTH_CONFIG, ()),
        (("plan", str(good), "--base-url", CLOSED, "--retry-budget", "1"), {"sim": sim}, exitcodes.CANNOT_CONNECT, (CLOSED,)),
        # a job that does not exist, and a bad job name
        (("resume", "nojob", "--base-url", url, "--state-dir", state, *fast), {"sim": sim}, exitcodes.STATE, ("nojob",)),
        (("status", "nojob", "--state-dir", state), {}, exitcodes.STATE, ("nojob",)),
        (("report", "nojob", "--state-dir", state), {}, exitcodes.STATE, ("nojob",)),
        (("reconcile", "list", "nojob", "--state-dir", state), {}, exitcodes.STATE, ("nojob",)),
        (("reconcile", "retry", "nojob", "--base-url", url, "--state-dir", state), {"sim": sim}, exitcodes.STATE, ("nojob",)),
        (("run", str(good), "--job", "../escape", "--base-url", url, "--state-dir", state, "--yes"), {"sim": sim}, exitcodes.USAGE, ()),
        # a missing spec file
        (("validate", str(tmp_path / "missing.csv")), {}, exitcodes.INVALID_SPEC, ("cannot open the spec",)),
        (
            ("run", str(tmp_path / "missing.csv"), "--base-url", url, "--state-dir", state, "--yes"),
            {"sim": sim},
            exitcodes.INVALID_SPEC,
            ("cannot open the spec",),
        ),
    ]
    for args, kw, code, words in rows:
        result = invoke(*args, **kw)  # type: ignore[arg-type]
        try:
            check(result, code, *words)
        except AssertionError as exc:
            raise AssertionError(f"bulkops {' '.join(args)}: {exc}") from None
    # and nothing was written to the org by any of them
    assert not {"PATCH", "PUT", "DELETE"} & set(sim.stats()["byMethod"])


def test_plan_with_nothing_listening_ends_in_seconds_with_cannot_connect(org, tmp_path):
    """#28 §5: not ~35 s of retries then 6 ('resume') from a command with nothing to resume."""
    sim, _ = org
    started = time.monotonic()
    result = invoke("plan", str(write_matrix(tmp_path / "m.csv", 3)), "--base-url", CLOSED, sim=sim)
    check(result, exitcodes.CANNOT_CONNECT, f"cannot connect to {CLOSED}", "next: start the API there")
    assert time.monotonic() - started < 25  # about 4 s; loose for a busy machine (the budget is 600 s)
