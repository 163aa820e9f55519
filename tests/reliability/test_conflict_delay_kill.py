"""kill -9 while a user waits out a conflict delay off its worker (#29 §2), then resume: nothing lost.

The simulator runs in its own process and answers every write to one user 409 (``always_conflict``);
``bulkops run`` (one worker, a 60 s conflict delay) writes the shard's other users while that one
waits, and is killed with SIGKILL during the wait. The resumed run, the conflicts over, re-checks
the user it left in flight and writes it: each user's write lands once, one audit line each."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers.cli import bulkops, sim_config, spawn

from bulkops.simulator.process import simulator_process

pytestmark = pytest.mark.slow  # real processes

USERS = 30
SKILL_ROUTE = "PATCH /api/v2/users/{userId}/routingskills/bulk"


def sim_get(url: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}{path}", timeout=10) as answer:  # noqa: S310 - loopback simulator
        found: dict[str, Any] = orjson.loads(answer.read())
        return found


def audit_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip().endswith(b"}")]
    return [r for r in lines if r.get("user_id")]


def billing(url: str, user_id: str) -> float | None:
    """The user's Billing proficiency in the org (``/__sim/state``: skills by id)."""
    org = sim_get(url, "/__sim/state")
    billing_id = next(s["id"] for s in org["skills"] if s["name"] == "Billing")
    held: dict[str, float] = next(u for u in org["users"] if u["id"] == user_id)["skills"]
    return held.get(billing_id)


def test_a_kill_during_a_conflict_delay_resumes_without_loss(tmp_path):
    spec = tmp_path / "job.csv"
    spec.write_text("\n".join(["email,Billing", *(f"agent{i:05d}@example.com,3.5" for i in range(USERS))]) + "\n", encoding="utf-8")
    state, audit = tmp_path / "state", tmp_path / "state" / "j" / "audit.ndjson"
    with simulator_process("--users", str(USERS + 10), "--seed", "29") as url:
        stuck = next(u for u in sim_get(url, "/__sim/state")["users"] if u["email"] == "agent00000@example.com")
        sim_config(url, always_conflict=[stuck["id"]])
        common = ["--base-url", url, "--state-dir", str(state), "--rps", "2000"]
        proc = spawn("run", str(spec), "--job", "j", "--yes", "--workers", "1", "--conflict-delay", "60", "--conflict-attempts", "3", *common)
        deadline = time.monotonic() + 120
        while proc.poll() is None and len(audit_lines(audit)) < USERS - 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        time.sleep(0.3)  # the last line written is not the stuck user's: it is still waiting
        proc.kill()
        proc.wait(30)
        first = audit_lines(audit)
        assert len(first) == USERS - 1 and stuck["id"] not in {r["user_id"] for r in first}  # the shard went on

        sim_config(url, always_conflict=[])
        resumed = bulkops("resume", "j", *common, timeout=120)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        lines = audit_lines(audit)
        assert sorted(r["user_id"] for r in lines) == sorted({r["user_id"] for r in lines}) and len(lines) == USERS
        last = lines[-1]
        assert last["user_id"] == stuck["id"] and last["outcome"] == "applied"
        applied = sum(r["outcome"] == "applied" for r in lines)
        assert sim_get(url, "/__sim/stats")["byRoute"][SKILL_ROUTE]["byStatus"]["200"] == applied  # each landed once
        assert billing(url, stuck["id"]) == 3.5
