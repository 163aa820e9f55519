"""Every request of the process counted, by kind, and the same count as the server's.

The simulator counts every request it answers (the token endpoint's included) by route; the
summary's count comes from the client. They must agree, route family by route family: what
bulkops reports per changed user is what the org's allowance was charged.
"""

from __future__ import annotations

import json
import re
from typing import Any

from click.testing import CliRunner
from helpers.engine import client_for, email

from bulkops.cli.main import cli
from bulkops.client.requestkind import KINDS
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, open_job, resolve_against_org
from bulkops.engine.summary import render_summary
from bulkops.report.files import write_report
from bulkops.simulator import SimConfig

OPTS = RunOptions(workers=4, conflict_delay=0.0)
USER_WRITE = re.compile(r"^(PATCH|PUT|DELETE|POST) /api/v2/users/\{userId\}")
REFETCH = re.compile(r"^GET /api/v2/users/\{userId\}(/routingskills|/routinglanguages)?$")


def routes(sim: Any) -> dict[str, int]:
    return {k: v["total"] for k, v in sim.stats()["byRoute"].items()}


def at_sim(sim: Any) -> dict[str, int]:
    """The simulator's counts, in the families the client's kinds map to one for one."""
    r = routes(sim)
    return {
        "total": sim.stats()["total"],
        "token": r.get("POST /oauth/token", 0),
        "writes": sum(n for k, n in r.items() if USER_WRITE.match(k)) + r.get("POST /api/v2/authorization/divisions/{divisionId}/objects/{objectType}", 0),
        "queue_batches": r.get("POST /api/v2/routing/queues/{queueId}/members", 0),
        "refetches": sum(n for k, n in r.items() if REFETCH.match(k)),
    }


async def first_pass(sim: Any, spec: Any, state_dir: Any, options: RunOptions = OPTS) -> tuple[Any, dict[str, Any]]:
    """What ``bulkops run`` does in its one process: validate, resolve, set up, one pass."""
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        setup = create_job(await resolve_against_org(client, opened), state_dir=state_dir)
        summary = await execute(client, setup, options=options)
    return setup, summary


def write_json(path: Any, users: list[dict[str, Any]]) -> Any:
    path.write_text(json.dumps({"version": 1, "mode": "merge", "users": users}), encoding="utf-8")
    return path


async def test_the_summary_counts_every_request_of_the_process_as_the_server_does(sim, tmp_path):
    # Dropped expansions make the workers re-read assignments: every kind the pass has is exercised.
    sim.sim.reset(SimConfig(users=120, seed=21, expand_drop_rate=0.2))
    s = sim.sim
    users = [
        {"user": email(i), "skills": {"Billing": 1 + i % 5}, "languages": {"Spanish": 3}, "title": f"Agent {i}", "joinQueues": ["Sales"]} for i in range(40)
    ]
    setup, summary = await first_pass(sim, write_json(tmp_path / "j.json", users), tmp_path / "state")
    run = summary["this_run"]
    kinds = run["requests_by_kind"]
    seen = at_sim(s)

    assert run["requests"] == seen["total"]  # the token, the catalogue and the resolution included
    assert sum(kinds.values()) == run["requests"] and list(kinds)[: len(KINDS)] == list(KINDS)
    assert kinds["token"] == seen["token"] == 1
    assert kinds["writes"] == seen["writes"] > 0
    assert kinds["queue_batches"] == seen["queue_batches"] == 1
    assert kinds["refetches"] == seen["refetches"] > 0
    assert kinds["state_reads"] > 0
    changed = run["outcomes"]["applied"]
    assert run["requests_per_changed_user"] == round(run["requests"] / changed, 3)
    # The engine phase alone is still there, and it is less than the whole.
    assert 0 < run["engine_requests"] < run["requests"]
    assert summary["job"] == {"requests": run["requests"], "passes": 1}

    # The report page shows the same split, figure by figure.
    page = write_report(setup.paths).read_text(encoding="utf-8")
    shown = {k: int(v.replace(",", "")) for k, v in re.findall(r'data-figure="kind-([a-z_]+)">([\d,]+)<', page)}
    assert shown == kinds | {"total": run["requests"]}
    assert re.search(rf'data-figure="job-requests">{run["requests"]:,}<', page)

    # `bulkops status` shows the last pass's split (text and --json).
    state = str(tmp_path / "state")
    info = json.loads(CliRunner().invoke(cli, ["status", setup.job_id, "--state-dir", state, "--json"]).output)
    assert info["last_summary"]["this_run"]["requests_by_kind"] == kinds and info["last_summary"]["job"] == summary["job"]
    text = CliRunner().invoke(cli, ["status", setup.job_id, "--state-dir", state]).output
    assert f"{run['requests']} requests in this process, set-up included" in text and "requests by kind: token 1," in text
    setup.store.close()


async def test_a_second_pass_counts_its_own_process_and_the_job_keeps_the_running_total(sim, tmp_path):
    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    stuck = by_email[email(3)]
    s.configure(always_conflict=[stuck])
    spec = write_json(tmp_path / "j.json", [{"user": email(i), "skills": {"Billing": 5}} for i in range(8)])
    setup, first = await first_pass(sim, spec, tmp_path / "state")
    assert first["users"]["reconciliation"] == 1
    after_first = s.stats()["total"]
    assert first["this_run"]["requests"] == after_first
    setup.store.close()

    # A new process: `reconcile retry` fetches the one user by id and writes it.
    s.configure(always_conflict=[])
    setup = open_job(tmp_path / "state", setup.job_id)
    setup.store.reopen([stuck], 1)
    async with client_for(sim, rps=2000) as client:
        second = await execute(client, setup, options=OPTS, only_users=[stuck])
    run = second["this_run"]
    assert run["outcomes"] == {"applied": 1}
    assert run["requests"] == s.stats()["total"] - after_first  # this pass's process, nothing of the first
    assert {k: v for k, v in run["requests_by_kind"].items() if v} == {"token": 1, "state_reads": 1, "writes": 1}
    assert second["job"] == {"requests": s.stats()["total"], "passes": 2}
    assert f"job so far: {s.stats()['total']} requests in 2 passes" in render_summary(second)
    # ... and `bulkops status` shows it, from the last summary.
    text = CliRunner().invoke(cli, ["status", setup.job_id, "--state-dir", str(tmp_path / "state")]).output
    assert f"job so far: {s.stats()['total']} requests in 2 passes" in text
    setup.store.close()
