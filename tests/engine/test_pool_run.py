"""A pass through a pool of OAuth clients, over HTTP against the simulator's extra clients:
users spread over the clients, one client per user, every request counted; a client revoked
mid-run moves its users to the others, each applied once; every client revoked stops the pass,
and a resume finishes it."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest
from helpers.clients import no_backoff, pooled_config
from helpers.engine import email
from structlog.testing import capture_logs

from bulkops.cli.jobs import exit_code_for
from bulkops.cli.support.common import explain
from bulkops.cli.support.exitcodes import AUTH_CONFIG, OK
from bulkops.client import GenesysClient
from bulkops.domain.shard import dealt_to
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, open_job, resolve_against_org
from bulkops.errors import PassFailed
from bulkops.simulator import SimConfig
from bulkops.simulator.model.audit.trail import trail_of
from bulkops.state.ndjson import read_ndjson

USERS = 90
OPTS = RunOptions(workers=6, conflict_delay=0.0)
SKILL_ROUTE = "PATCH /api/v2/users/{userId}/routingskills/bulk"
USER_ROUTE = "PATCH /api/v2/users/{userId}"


def write_spec(tmp_path, sim):
    """Every user: a title and a skill (two writes each: the user PATCH and the skills PATCH)."""
    skill = sorted(sim.sim.skill_ids_by_name())[0]
    users = [{"user": email(i), "title": f"Pooled {i}", "skills": {skill: 4}} for i in range(USERS)]
    path = tmp_path / "pool.json"
    path.write_text(json.dumps({"version": 1, "mode": "merge", "users": users}), encoding="utf-8")
    return path, skill


async def set_up(sim, client, tmp_path):
    """Set-up through the primary client, as ``bulkops run`` does before its pass."""
    path, skill = write_spec(tmp_path, sim)
    setup = create_job(await resolve_against_org(client, check_locally(path)), state_dir=tmp_path / "state")
    return setup, skill


def writers(sim) -> dict[str, set[str]]:
    """User id -> the OAuth clients whose writes to it the simulator audited."""
    out: dict[str, set[str]] = defaultdict(set)
    for entry in trail_of(sim.sim, sim.sim.app).entries:
        if entry.entity_id in sim.sim.org.users:
            out[entry.entity_id].add(entry.client_id)
    return out


def written_once(sim, skill) -> None:
    """Every user has the job's title and skill, and each of its two writes succeeded exactly once."""
    s = sim.sim
    routes = s.stats()["byRoute"]
    assert routes[USER_ROUTE]["byStatus"]["200"] == USERS
    assert routes[SKILL_ROUTE]["byStatus"]["200"] == USERS
    skill_id = s.skill_ids_by_name()[skill]
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    for i in range(USERS):
        user = s.user(by_email[email(i)])
        assert user["title"] == f"Pooled {i}"
        assert {x["id"]: x["proficiency"] for x in user["skills"]}[skill_id] == 4.0


def one_line_per_user(setup) -> list[dict]:
    lines = [r for r in read_ndjson(setup.paths.audit) if r.get("user_id")]
    assert Counter(r["user_id"] for r in lines).most_common(1)[0][1] == 1
    return lines


async def test_a_pooled_run_spreads_users_over_the_clients_and_writes_each_user_through_one(sim, tmp_path):
    sim.sim.reset(SimConfig(users=USERS + 10, extra_clients=2, audit_delay_seconds=0))
    config = pooled_config(sim, 2, rps=2000)
    async with GenesysClient(config, backoff=no_backoff) as client:
        setup, skill = await set_up(sim, client, tmp_path)
        summary = await execute(client, setup, options=OPTS)

    assert summary["users"] == {"applied": USERS, "total": USERS} and exit_code_for(summary) == OK
    written_once(sim, skill)
    by_user = writers(sim)
    assert all(len(clients) == 1 for clients in by_user.values())  # one writer per user
    users_per_client = Counter(next(iter(c)) for c in by_user.values())
    assert set(users_per_client) == {"bulkops-sim", "bulkops-sim-2", "bulkops-sim-3"}
    assert min(users_per_client.values()) >= USERS // 6  # spread, not all through one
    # Every request of every client is counted, and each client's own count is the simulator's.
    stats = sim.sim.stats()
    run = summary["this_run"]
    assert run["requests"] == stats["total"] == sum(run["requests_by_kind"].values())
    assert {c["client_id"]: c["requests"] for c in run["clients"]} == stats["byClient"]
    assert all(c["failed"] is None for c in run["clients"])
    assert summary["job"]["requests"] == stats["total"]
    assert open_job(tmp_path / "state", setup.job_id, check_spec=False).store.get("pool_client_ids") == ["bulkops-sim", "bulkops-sim-2", "bulkops-sim-3"]


async def test_a_client_revoked_mid_run_moves_its_users_and_each_is_applied_once(sim, tmp_path):
    sim.sim.reset(SimConfig(users=USERS + 10, extra_clients=2, audit_delay_seconds=0, latency_ms=2))
    config = pooled_config(sim, 2, rps=2000)
    handled_when_revoked: list[int] = []

    def revoke_one(counters) -> None:
        if counters.handled >= USERS // 4 and not handled_when_revoked:
            handled_when_revoked.append(counters.handled)
            sim.sim.configure(revoked_clients={"bulkops-sim-2"})

    async with GenesysClient(config, backoff=no_backoff) as client:
        setup, skill = await set_up(sim, client, tmp_path)
        with capture_logs() as logs:
            summary = await execute(client, setup, options=OPTS, on_progress=revoke_one)

    assert handled_when_revoked and handled_when_revoked[0] < USERS
    assert summary["status"] == "complete" and summary["users"] == {"applied": USERS, "total": USERS}
    assert exit_code_for(summary) == OK
    written_once(sim, skill)  # nothing lost, nothing applied twice
    one_line_per_user(setup)
    stats = sim.sim.stats()
    assert stats["byRoute"][SKILL_ROUTE]["byStatus"].get("401", 0) + stats["byRoute"][USER_ROUTE]["byStatus"].get("401", 0) >= 1
    refused = [e for e in logs if e["event"] == "pool.client_refused"]
    assert len(refused) == 1 and refused[0]["client_id"] == "bulkops-sim-2"  # reported once
    by_user = writers(sim)
    # Workers 1 and 4 (of 6) write through bulkops-sim-2 while it is healthy, the others never do;
    # the users are dealt to the workers in turn, in id order (every one is open and found).
    its_own = {u for n, u in enumerate(sorted(by_user)) if dealt_to(n, OPTS.workers) % 3 == 1}
    assert all("bulkops-sim-2" not in c for u, c in by_user.items() if u not in its_own)
    assert any("bulkops-sim-2" in by_user[u] for u in its_own)  # it wrote before it was revoked
    assert any("bulkops-sim-2" not in by_user[u] for u in its_own)  # then its users moved to the others
    run = summary["this_run"]
    clients = {c["client_id"]: c for c in run["clients"]}
    assert clients["bulkops-sim-2"]["failed"] and "401" in clients["bulkops-sim-2"]["failed"]["reason"]
    assert clients["bulkops-sim"]["failed"] is None and clients["bulkops-sim-3"]["failed"] is None
    assert run["requests"] == stats["total"]
    assert {c: f["requests"] for c, f in clients.items()} == stats["byClient"]


async def test_every_client_revoked_stops_the_pass_with_exit_5_and_a_resume_finishes_it(sim, tmp_path):
    sim.sim.reset(SimConfig(users=USERS + 10, extra_clients=1, audit_delay_seconds=0, latency_ms=2))
    config = pooled_config(sim, 1, rps=2000)

    def revoke_all(counters) -> None:
        if counters.handled >= USERS // 4:
            sim.sim.configure(credentials_revoked=True)

    async with GenesysClient(config, backoff=no_backoff) as client:
        setup, skill = await set_up(sim, client, tmp_path)
        with pytest.raises(PassFailed) as failed:
            await execute(client, setup, options=OPTS, on_progress=revoke_all)
    assert explain(failed.value.cause, "resume")[1] == AUTH_CONFIG
    setup.store.close()
    summary = json.loads(setup.paths.summary.read_text())
    assert summary["status"] != "complete"
    assert all(c["failed"] for c in summary["this_run"]["clients"])

    sim.sim.configure(credentials_revoked=False)
    again = open_job(tmp_path / "state", setup.job_id)
    async with GenesysClient(config, backoff=no_backoff) as client:
        resumed = await execute(client, again, options=OPTS)
    assert resumed["status"] == "complete" and resumed["users"]["applied"] == USERS
    written_once(sim, skill)
    assert resumed["job"]["requests"] == sim.sim.stats()["total"]


async def test_verify_of_a_pooled_job_reads_every_clients_audit(sim, tmp_path):
    """The platform audits each write under the client that made it: verify reads each pool
    client's audit, so a pooled job verifies; one client's audit alone would miss most writes."""
    from bulkops.engine.verify.verifyjob import read_job_writes
    from bulkops.engine.verify.verifyrun import VerifyOptions, verify_job

    sim.sim.reset(SimConfig(users=USERS + 10, extra_clients=2, audit_delay_seconds=0))
    async with GenesysClient(pooled_config(sim, 2, rps=2000), backoff=no_backoff) as client:
        setup, _ = await set_up(sim, client, tmp_path)
        await execute(client, setup, options=OPTS)
        store = open_job(tmp_path / "state", setup.job_id, check_spec=False).store
        writes = read_job_writes(setup.paths.audit, created=store.get("created"))
        options = VerifyOptions(audit_lag=0.0, query_timeout=20)
        every = await verify_job(client, writes, store.get("pool_client_ids"), options)
        one = await verify_job(client, writes, store.get("client_id"), options)
    assert every.verified and every.client_id == "bulkops-sim, bulkops-sim-2, bulkops-sim-3"
    assert not one.verified
