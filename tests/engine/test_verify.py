"""``bulkops verify``'s engine: a job's writes against the platform's own audit trail, over HTTP.

A real job runs against the simulator (which records every write it applies); ``verify_job``
reads the simulator's audit through the real client and the job's own audit log.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers.engine import client_for, email, run_spec

from bulkops.domain.verification import CONFIRMED, MIXED, UNEXPECTED, Verification
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.engine.verify.verifyjob import read_job_writes
from bulkops.engine.verify.verifyrun import Pending, VerifyOptions, verify_job
from bulkops.simulator.model.audit.trail import TRAIL_KEY
from bulkops.state.store import RunStore

OPTS = RunOptions(workers=4, conflict_delay=0.0)
FAST = VerifyOptions(audit_lag=0.0, query_timeout=20)
JOBS = Path(__file__).resolve().parents[2] / "jobs"


def write_json(path, users, version=1, **sections):
    path.write_text(json.dumps({"version": version, **({"mode": "merge"} if version == 1 else {}), "users": users, **sections}), encoding="utf-8")
    return path


async def run_job(sim, spec, tmp_path):
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        summary = await execute(client, setup, options=OPTS)
    return setup, summary


async def verify(sim, setup, options=FAST, **kw) -> Verification | Pending:
    store = RunStore.open(setup.paths.db)
    try:
        writes = read_job_writes(setup.paths.audit, created=store.get("created"))
        client_id = store.get("client_id")
    finally:
        store.close()
    async with client_for(sim) as client:
        return await verify_job(client, writes, client_id, options, **kw)


def reorg(sim) -> list[dict]:
    s = sim.sim
    divisions = list(s.division_ids_by_name())
    leavers = sorted(s.queue_member_ids(s.queue_ids_by_name()["Sales"]))[:2]
    users = [
        {
            "user": email(i),
            "department": "Care",
            "skills": {"Crypto Care": 4, "Billing": 2},
            "languages": {"Spanish": 3},
            "division": divisions[-1],
            "joinQueues": ["Billing"],
        }
        for i in range(20, 32)
    ]
    return users + [{"user": s.user(u)["email"], "leaveQueues": ["Sales"]} for u in leavers]


async def test_a_job_records_the_oauth_client_its_writes_are_made_by(sim, tmp_path):
    setup, _, _ = await run_spec(sim, write_json(tmp_path / "one.json", [{"user": email(0), "title": "Verifier"}]), tmp_path)
    store = RunStore.open(setup.paths.db)
    try:
        assert store.get("client_id") == sim.client_id
    finally:
        store.close()


async def test_a_clean_reorganization_is_confirmed_user_by_user_and_item_by_item(sim, tmp_path):
    sim.sim.configure(audit_delay_seconds=0.0, audit_query_seconds=0.05)
    spec = write_json(tmp_path / "reorg.json", reorg(sim), version=2, skills=[{"create": "Crypto Care"}])
    setup, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete"
    v = await verify(sim, setup)
    assert isinstance(v, Verification) and v.verified, v.to_json()
    assert len(v.owners) == 15 and {o.status for o in v.owners} == {CONFIRMED}
    assert v.client_id == sim.client_id and v.messages > 0 and v.windows
    ops = {f.op for o in v.owners for f in o.confirmed}
    assert {"patch_user", "move_division", "upsert_skills", "upsert_languages", "join_queue", "leave_queue", "skill_create"} <= ops


async def test_a_queue_settings_job_is_confirmed(sim, tmp_path):
    sim.sim.configure(audit_delay_seconds=0.0, audit_query_seconds=0.0)
    spec = shutil.copy(JOBS / "queues-reorg.json", tmp_path / "queues-reorg.json")
    setup, summary = await run_job(sim, Path(spec), tmp_path)
    assert summary["status"] == "complete"
    v = await verify(sim, setup)
    assert isinstance(v, Verification) and v.verified, v.to_json()
    assert {o.owner.split(":")[0] for o in v.owners} == {"queue"}
    assert {"queue_settings", "queue_wrapup_codes"} <= {f.op for o in v.owners for f in o.confirmed}


async def test_a_write_outside_the_job_by_the_same_client_is_named(sim, tmp_path):
    s = sim.sim
    s.configure(audit_delay_seconds=0.0, audit_query_seconds=0.0)
    users = [{"user": email(i), "skills": {"Billing": 3}} for i in range(5)]
    setup, summary = await run_job(sim, write_json(tmp_path / "small.json", users), tmp_path)
    assert summary["status"] == "complete"
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    in_job, outside = by_email[email(2)], by_email[email(150)]
    sales = s.skill_ids_by_name()["Sales"]
    async with client_for(sim) as client:  # the same OAuth client, not through the job
        await client.upsert_skills(in_job, {sales: 5})
        await client.upsert_skills(outside, {sales: 1})
    v = await verify(sim, setup)
    assert isinstance(v, Verification) and not v.verified
    by_owner = {o.owner: o for o in v.owners}
    assert by_owner[in_job].status == UNEXPECTED
    (extra,) = by_owner[in_job].unexpected
    assert extra.entity_id == in_job and f"skill:{sales}" in extra.what
    assert [f.entity_id for f in v.elsewhere] == [outside]
    assert {o.status for u, o in by_owner.items() if u != in_job} == {CONFIRMED}


async def test_a_write_the_platform_lost_is_missing(sim, tmp_path):
    s = sim.sim
    s.configure(audit_delay_seconds=0.0, audit_query_seconds=0.0)
    setup, _ = await run_job(sim, write_json(tmp_path / "lost.json", [{"user": email(i), "title": "Lost"} for i in range(3)]), tmp_path)
    entries = s.app[TRAIL_KEY].of(s.org).entries
    lost = entries.pop(0)  # the platform "lost" the first write; later ones remain, so it is not a lag
    v = await verify(sim, setup)
    assert isinstance(v, Verification) and not v.verified
    (missing,) = [o for o in v.owners if o.missing]
    assert missing.owner == lost.entity_id and missing.status in ("missing", MIXED)


async def test_a_lagging_audit_is_waited_for_or_reported_as_not_yet_available(sim, tmp_path):
    s = sim.sim
    s.configure(audit_delay_seconds=120.0, audit_query_seconds=0.0)
    setup, _ = await run_job(sim, write_json(tmp_path / "lag.json", [{"user": email(i), "title": "Lag"} for i in range(4)]), tmp_path)

    # Before last write + the lag it allows for, verify does not even ask: not yet available.
    early = await verify(sim, setup, VerifyOptions(audit_lag=120.0))
    assert isinstance(early, Pending) and early.ready_at > setup.paths.audit.stat().st_mtime + 100

    # A lag guessed too short: the platform shows nothing of the job's last writes, so it has not caught up.
    short = await verify(sim, setup, VerifyOptions(audit_lag=0.0))
    assert isinstance(short, Pending) and "trails the job" in short.reason

    # --wait: verify sleeps (here: the simulator's clock moves) and reads again until the trail holds the job.
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        sim.advance(max(seconds, 30.0))

    waited = await verify(sim, setup, VerifyOptions(audit_lag=0.0, wait=True, timeout=600), sleep=sleep)
    assert isinstance(waited, Verification) and waited.verified and slept
