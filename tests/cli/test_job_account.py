"""One account of a job (#25 §7): the pass's terminal text, its ``--json``, summary.json, ``status``,
the report's headline and tiles and the result files all say the same, after a run where most
users are held, after ``reconcile retry`` and after ``reconcile drop``.

In-process (click's CliRunner) against the simulator on its own thread, over real HTTP. Users are
held by the simulator's ``always_conflict`` knob: every write to them answers 409, so they end in
the reconciliation queue; clearing the knob lets ``reconcile retry`` apply them."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result
from helpers.clients import client_for
from helpers.reportpage import PageParser, parse_page

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.report.hooks import after_pass
from bulkops.simulator import SimConfig, Simulator
from bulkops.state.ndjson import read_ndjson
from bulkops.state.reconciliation import ReconciliationQueue

FAST = ("--rps", "1000", "--plain-progress", "--conflict-attempts", "2", "--conflict-delay", "0", "--workers", "4")


def invoke(sim: Simulator, *args: str, color: bool = False) -> Result:
    """``color``: keep the terminal's colours (as on a terminal; CliRunner strips them otherwise)."""
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False, color=color)


GREEN, YELLOW = "\x1b[32m", "\x1b[33m"


def write_spec(path: Path, users: int, skills: dict[int, dict[str, int]] | None = None) -> str:
    """Every user gets a title; ``skills``: some users (by number) get skills too."""
    lines = [{"user": f"agent{i:05d}@example.com", "title": "Agent III", **({"skills": skills[i]} if skills and i in skills else {})} for i in range(users)]
    path.write_text(json.dumps({"version": 1, "mode": "merge", "users": lines}), encoding="utf-8")
    return str(path)


def ids_of(sim: Simulator, users: range) -> list[str]:
    by_email = {sim.user(u)["email"]: u for u in sim.user_ids()}
    return [by_email[f"agent{i:05d}@example.com"] for i in users]


class Views:
    """Every view of job ``j`` under ``state``: status --json, status text, summary.json, report.html, result files."""

    def __init__(self, sim: Simulator, state: Path):
        self.sim, self.state, self.job = sim, state, state / "j"

    def status(self) -> dict[str, Any]:
        out = invoke(self.sim, "status", "j", "--state-dir", str(self.state), "--json")
        assert out.exit_code == 0, out.output
        info: dict[str, Any] = orjson.loads(out.output)
        return info

    def status_text(self) -> str:
        return invoke(self.sim, "status", "j", "--state-dir", str(self.state)).output

    def summary(self) -> dict[str, Any]:
        record: dict[str, Any] = orjson.loads((self.job / "summary.json").read_bytes())
        return record

    def page(self) -> PageParser:
        return parse_page((self.job / "results" / "report.html").read_text(encoding="utf-8"))

    def rows(self, name: str) -> int:
        with open(self.job / "results" / name, encoding="utf-8-sig", newline="") as fh:
            return sum(1 for _ in csv.DictReader(fh))

    def agree_on(self, status: str) -> None:
        """Every view says ``status``, and the queue, the report's queue and the result files hold as many entries as the account says."""
        info, summary, page = self.status(), self.summary(), self.page()
        account = info["account"]
        assert info["status"] == account["status"] == summary["status"] == summary["account"]["status"] == info["last_summary"]["status"] == status
        assert page.figures["status"] == status
        assert f"status: {status}" in self.status_text()
        queue = ReconciliationQueue(self.job / "reconciliation.ndjson").entries()
        assert account["open_entries"] == len(queue) == int(page.figures["reconciliation-open"]) == self.rows("reconciliation.csv")
        assert summary["users"] == info["users"] == account["users"]
        users = info["users"]
        assert self.rows("applied.csv") == users.get("applied", 0) and self.rows("unchanged.csv") == users.get("unchanged", 0)
        assert int(page.figures["need-look"]) == account["need_look"] and int(page.figures["dropped"]) == account["dropped"]
        assert int(page.figures["job-total"]) == users["total"]


def test_many_held_users_say_finished_not_complete_then_retry_and_drop_agree(org, tmp_path):
    sim, url = org
    state = tmp_path / "st"
    common = ("--base-url", url, "--state-dir", str(state))
    held = ids_of(sim, range(10, 60))  # 50 of 70 users answer 409 to every write
    sim.configure(always_conflict=held)
    views = Views(sim, state)

    ran = invoke(sim, "run", write_spec(tmp_path / "s.json", 70), "--job", "j", "--yes", *common, *FAST)
    assert ran.exit_code == exitcodes.PARTIAL, ran.output
    assert "status: finished, 50 need a look" in ran.output and "status: complete" not in ran.output
    assert "need a look: 50 failed or held for reconciliation; 50 open entries in the reconciliation queue" in ran.output
    views.agree_on("finished, 50 need a look")
    assert views.summary()["account"]["state"] == "finished" and views.summary()["users"] == {"applied": 20, "reconciliation": 50, "total": 70}
    assert "Nothing is left to do" not in views.page().figures["in-short"]
    coloured = invoke(sim, "status", "j", "--state-dir", str(state), color=True).output
    assert f"{YELLOW}status: finished, 50 need a look" in coloured and GREEN not in coloured
    assert 'class="status-finished"' in (state / "j" / "results" / "report.html").read_text(encoding="utf-8")  # not the green of complete

    last = held[-1]
    sim.configure(always_conflict=[last])  # the other admin is done with all but one
    retried = invoke(sim, "reconcile", "retry", "j", *common, *FAST, "--json")
    assert retried.exit_code == exitcodes.PARTIAL, retried.output
    out = orjson.loads(retried.stdout)
    assert out["status"] == "finished, 1 need a look" and out["account"]["need_look"] == 1 and out["account"]["open_entries"] == 1
    assert out["this_run"]["outcomes"] == {"applied": 49, "reconciliation": 1}
    views.agree_on("finished, 1 need a look")

    dropped = invoke(sim, "reconcile", "drop", "j", last, "--note", "set by hand", "--state-dir", str(state))
    assert dropped.exit_code == 0, dropped.output
    assert "status: complete" in dropped.output
    assert f"{GREEN}status: complete" in invoke(sim, "status", "j", "--state-dir", str(state), color=True).output
    views.agree_on("complete")
    info, page = views.status(), views.page()
    assert info["account"] | {"users": None} == info["account"] | {"need_look": 0, "dropped": 1, "open_entries": 0, "open_work": 0, "users": None}
    assert info["users"] == {"applied": 69, "dropped": 1, "total": 70}
    assert "the reconciliation queue of j is empty" in invoke(sim, "reconcile", "list", "j", "--state-dir", str(state)).output
    assert page.figures["reconciliation-dropped"] == "1" and "Nothing is left to do" in page.figures["in-short"]
    assert "1 were taken off the reconciliation queue by a person" in page.figures["in-short"]
    assert not (state / "j" / "results" / "retry-spec.jsonl").exists()  # nobody left to retry
    assert info["next"] == []
    resumed = invoke(sim, "resume", "j", *common, *FAST)
    assert resumed.exit_code == exitcodes.OK and "status: complete" in resumed.output, resumed.output


async def stopped_first_pass(handle: Any, spec: str, state: Path, sabotage: Callable[[], None]) -> dict[str, Any]:
    """Pass 1 of job ``j``: ``sabotage`` after validation, then stopped halfway (as Ctrl-C does), its
    files written as `run` writes them."""
    async with client_for(handle, rps=1000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=state, job_id="j")
        sabotage()
        engines: list[Any] = []

        def stop_halfway(counters: Any) -> None:
            if counters.handled >= 30 and engines:
                engines[0].request_stop()

        options = RunOptions(workers=2, conflict_attempts=2, conflict_delay=0.0)
        first = await execute(client, setup, options=options, on_progress=stop_halfway, on_engine=engines.append, after_pass=after_pass(None))
    setup.store.close()
    return first


def test_the_tiles_count_every_pass_and_a_retry_that_fixes_all_says_complete(org, tmp_path):
    sim, url = org
    sim.reset(SimConfig(seed=5))
    state = tmp_path / "st"
    common = ("--base-url", url, "--state-dir", str(state))
    handle = SimpleNamespace(base_url=url, client_id=sim.config.client_id, client_secret=sim.config.client_secret)
    doomed = next(iter(sim.skill_ids_by_name()))
    spec = write_spec(tmp_path / "s.json", 60, {i: {doomed: 2} for i in range(3, 60, 6)})

    def sabotage() -> None:  # 10 users held by 409s, 10 whose skill is made inactive (failed: 400), over both halves
        sim.configure(always_conflict=ids_of(sim, range(0, 60, 6)))
        sim.set_skill_state(sim.skill_ids_by_name()[doomed], "inactive")

    first = asyncio.run(stopped_first_pass(handle, spec, state, sabotage))  # pass 1
    assert first["status"] == "stopped" and first["account"]["open_work"] > 0
    views = Views(sim, state)
    assert views.status()["status"] == "stopped"

    resumed = invoke(sim, "resume", "j", *common, *FAST, "--json")  # pass 2
    assert resumed.exit_code == exitcodes.PARTIAL, resumed.output
    second = orjson.loads(resumed.stdout)
    views.agree_on("finished, 20 need a look")
    assert views.status()["users"] == {"applied": 40, "reconciliation": 10, "failed": 10, "total": 60}
    assert views.rows("failed.csv") == 10

    sim.configure(always_conflict=[])  # the other admin is done, and the skill is back
    sim.set_skill_state(sim.skill_ids_by_name()[doomed], "active")
    retried = invoke(sim, "reconcile", "retry", "j", *common, *FAST, "--json")  # pass 3
    assert retried.exit_code == exitcodes.OK, retried.output
    third = orjson.loads(retried.stdout)
    assert third["status"] == "complete" and third["users"] == {"applied": 60, "total": 60}
    views.agree_on("complete")

    # The tiles: the whole job, all three passes, not the last one (10 users)
    page, audit = views.page(), [r for r in read_ndjson(state / "j" / "audit.ndjson") if "kind" not in r]
    passes = [first["this_run"], second["this_run"], third["this_run"]]
    assert int(page.figures["users-handled"]) == len(audit) == 60 + 20 != third["this_run"]["outcomes"]["applied"]
    assert int(page.figures["passes"]) == 3
    assert float(page.figures["requests"].replace(",", "")) == sum(p["requests"] for p in passes) == views.status()["account"]["requests"]
    assert int(page.figures["conflicts"]) == sum(r["conflicts"] for r in audit) == sum(p["conflicts_409"] for p in passes) > 0
    assert int(page.figures["http-retries"]) == sum(p["http_retries"] for p in passes)
    assert float(page.figures["duration"]) == pytest.approx(sum(p["duration_s"] for p in passes), abs=0.05)
    assert page.figures["job-applied"] == "60" and int(page.figures["unprocessed"]) == 0
