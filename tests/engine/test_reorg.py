"""Workforce reorganization: languages, user fields, divisions and batched queue membership."""

import json

from helpers.engine import client_for, email

from bulkops.engine.plan.planjob import make_plan
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson

OPTS = RunOptions(workers=4, conflict_delay=0.0)


def write_json(path, users, mode="merge"):
    path.write_text(json.dumps({"version": 1, "mode": mode, "users": users}), encoding="utf-8")
    return path


async def apply(sim, spec, tmp_path):
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        setup = create_job(await resolve_against_org(client, opened), state_dir=tmp_path)
        summary = await execute(client, setup, options=OPTS)
    return setup, summary


async def test_fields_languages_division_and_queues_land_in_one_job(sim, tmp_path):
    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    divisions = s.division_ids_by_name()
    target_division = [n for n in divisions][-1]
    queues = s.queue_ids_by_name()
    leaving = sorted(s.queue_member_ids(queues["Sales"]))[:3]
    leaver_emails = [s.user(u)["email"] for u in leaving]
    users = [
        {
            "user": email(i),
            "department": "Customer Care",
            "title": "Agent",
            "manager": email(1),
            "languages": {"Spanish": 4},
            "division": target_division,
            "joinQueues": ["Billing"],
        }
        for i in range(20, 30)
    ] + [{"user": e, "leaveQueues": ["Sales"]} for e in leaver_emails]
    setup, summary = await apply(sim, write_json(tmp_path / "reorg.json", users), tmp_path)

    spanish = s.language_ids_by_name()["Spanish"]
    for i in range(20, 30):
        u = s.user(by_email[email(i)])
        assert (u["department"], u["title"], u["manager"]["id"]) == ("Customer Care", "Agent", by_email[email(1)])
        assert u["division"]["id"] == divisions[target_division]
        assert {x["id"]: x["proficiency"] for x in u["languages"]}[spanish] == 4.0
        assert by_email[email(i)] in s.queue_member_ids(queues["Billing"])
    assert not set(leaving) & s.queue_member_ids(queues["Sales"])
    run = summary["this_run"]
    # 3 leaves, plus the joins of 20-29 that were not Billing members already (those need no change)
    assert 3 < run["membership_changes"] <= 13
    # Membership goes in batches: one request per (queue, join/leave), not one per change.
    assert run["requests_by_kind"]["queue_batches"] == 2
    assert run["requests_per_membership_change"] < 0.5
    setup.store.close()


async def test_two_hundred_and_fifty_joins_cost_three_requests(sim, tmp_path):
    sim.sim.reset(SimConfig(users=400, queues=3, seed=4))
    s = sim.sim
    queue = "Billing"
    qid = s.queue_ids_by_name()[queue]
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    outside = [e for e, u in sorted(by_email.items()) if u not in s.queue_member_ids(qid)][:250]
    setup, summary = await apply(sim, write_json(tmp_path / "q.json", [{"user": e, "joinQueues": [queue]} for e in outside]), tmp_path)
    run = summary["this_run"]
    assert run["membership_changes"] == 250 and run["requests_by_kind"]["queue_batches"] == 3
    assert {by_email[e] for e in outside} <= s.queue_member_ids(qid)
    assert summary["users"]["applied"] == 250
    audit = list(read_ndjson(setup.paths.audit))
    assert all(any(op["op"] == "join_queue" and op["ok"] for op in r["ops"]) for r in audit)
    setup.store.close()


async def test_plan_counts_queue_gains_and_losses_and_warns_when_a_queue_would_empty(sim, tmp_path):
    s = sim.sim
    qid = s.queue_ids_by_name()["Support DE"]
    members = [s.user(u)["email"] for u in s.queue_member_ids(qid)]
    spec = write_json(tmp_path / "empty.json", [{"user": e, "leaveQueues": ["Support DE"]} for e in members])
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        directory = await resolve_against_org(client, opened)
        plan = await make_plan(client, directory)
    q = plan.queues[qid]
    assert (q.members_before, q.losses, q.members_after) == (len(members), len(members), 0)
    assert any("Support DE" in w and "no members" in w for w in plan.warnings())
    assert len(s.queue_member_ids(qid)) == len(members)  # plan wrote nothing


async def test_a_stale_version_on_a_field_update_re_applies_only_the_spec_fields(sim, tmp_path):
    sim.sim.reset(SimConfig(conflict_rate=1.0, seed=3))  # every first write meets another admin
    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    spec = write_json(tmp_path / "f.json", [{"user": email(i), "department": "Retention Desk"} for i in range(30, 36)])
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        setup = create_job(await resolve_against_org(client, opened), state_dir=tmp_path)
        s.configure(conflict_rate=0.5)
        summary = await execute(client, setup, options=RunOptions(workers=2, conflict_delay=0.0, conflict_attempts=10))
    assert summary["this_run"]["conflicts_409"] > 0
    edits = {e["userId"]: e for e in s.conflicts() if e["field"] == "title"}
    for i in range(30, 36):
        u = s.user(by_email[email(i)])
        assert u["department"] == "Retention Desk"
        if by_email[email(i)] in edits:  # the other admin's title change survived our retry
            assert u["title"] == edits[by_email[email(i)]]["after"]
    setup.store.close()
