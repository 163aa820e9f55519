"""Skill definitions through the one pipeline, over HTTP: create, migrate, delete, guarded."""

from __future__ import annotations

import json

import pytest
from helpers.engine import client_for

from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.errors import SpecError
from bulkops.report.files import write_results
from bulkops.report.html import render
from bulkops.report.load import load_job
from bulkops.report.timeline import build_figures
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson

OPTS = RunOptions(workers=8, conflict_delay=0.0)


def write_v2(path, skills, users=()):
    path.write_text(json.dumps({"version": 2, "skills": list(skills), **({"users": list(users)} if users else {})}))
    return path


def held(sim, uid):
    return {x["name"]: x["proficiency"] for x in sim.sim.user(uid)["skills"]}


def most_held_skill(s) -> tuple[str, str, list[str]]:
    counts: dict[str, list[str]] = {}
    for uid in s.user_ids():
        for sid in s.org.users[uid].skills:
            counts.setdefault(sid, []).append(uid)
    sid = max(counts, key=lambda k: len(counts[k]))
    return sid, s.org.skills[sid].name, counts[sid]


async def run_job(sim, spec, tmp_path, options=OPTS):
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        summary = await execute(client, setup, options=options)
    return setup, summary


async def test_a_migration_moves_every_holder_to_the_new_skill_then_deletes_the_old_one(sim, tmp_path):
    sim.sim.reset(SimConfig(users=2000, seed=21, conflict_rate=0.05))
    s = sim.sim
    old_id, old, holders = most_held_skill(s)
    before = {uid: held(sim, uid) for uid in s.user_ids()}
    spec = write_v2(tmp_path / "m.json", [{"create": "Digital Care"}, {"migrate": old, "into": "Digital Care", "delete": True}])
    setup, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete", summary
    assert summary["items"]["skill"] == {"applied": 2}
    assert summary["users"].get("applied", 0) + summary["users"].get("reconciliation", 0) == len(holders) >= 150
    edits = {(e["userId"], e["id"]) for e in s.conflicts() if e["field"] == "skills"}
    names = {v: k for k, v in s.skill_ids_by_name().items()}
    for uid in s.user_ids():
        now = held(sim, uid)
        if uid in holders and not any(u == uid for u, _ in edits):
            assert now["Digital Care"] == before[uid][old] and old not in now, uid
        # every other skill as it was, or as the other administrator set it
        for name, level in before[uid].items():
            if name != old and (uid, s.skill_ids_by_name().get(name)) not in edits:
                assert now.get(name) == level, (uid, name)
    assert old_id not in {v for k, v in s.skill_ids_by_name().items()} or s.org.skills[old_id].state == "deleted"
    assert names  # the catalogue still lists the others
    items = [r for r in read_ndjson(setup.paths.audit) if r.get("kind") == "skill"]
    assert [(r["changes"]["op"], r["outcome"]) for r in items] == [("create", "applied"), ("delete", "applied")]
    page = render(build_figures(load_job(setup.paths)))  # the report lists them; the users' figures leave them out
    assert 'data-item="skill:create:digital care"' in page and 'data-item="skill:delete:' in page
    assert "2 of 2 skill or queue definition change(s) are in place" in page  # the plain-words summary on top
    results = write_results(setup.paths)
    rows = (results.folder / "items.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("kind,name,change,outcome") and len(rows) == 3 and "Digital Care,create,applied" in rows[1]


async def test_a_delete_still_used_is_refused_at_set_up_naming_what_uses_it(sim, tmp_path):
    s = sim.sim
    ids, queues = s.skill_ids_by_name(), s.queue_ids_by_name()
    group_skill, ring_skill, flow_skill, held_skill = list(ids)[:4]
    s.add_skill_group(
        "Tier 2",
        [
            {
                "routingSkillConditions": [{"routingSkill": group_skill, "comparator": "GreaterThanOrEqualTo", "proficiency": 1, "childConditions": []}],
                "operation": "And",
            }
        ],
    )
    s.add_flow_dependency("Main IVR", [ids[flow_skill]])
    async with client_for(sim, rps=3000) as client:
        qid = queues["Sales"]
        queue = (await client.request("GET", f"/api/v2/routing/queues/{qid}")).data
        queue["bullseye"] = {
            "rings": [{"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 20}], "actions": {"skillsToRemove": [{"id": ids[ring_skill]}]}}]
        }
        await client.request("PUT", f"/api/v2/routing/queues/{qid}", json=queue)
    spec = write_v2(tmp_path / "d.json", [{"delete": group_skill}, {"delete": ring_skill}, {"delete": flow_skill}, {"delete": held_skill}])
    with pytest.raises(SpecError) as refused:
        await run_job(sim, spec, tmp_path)
    text = "\n".join(p.message for p in refused.value.problems)
    assert "skill group 'Tier 2'" in text and "queue 'Sales' ring 1 removes it" in text and "flow 'Main IVR'" in text
    assert "user(s) hold it" in text
    assert all(s.org.skills[ids[n]].state == "active" for n in (group_skill, ring_skill, flow_skill, held_skill))
    assert not list(tmp_path.glob("*/state.db"))


async def test_a_skill_nobody_uses_is_deleted_and_a_use_added_since_set_up_stops_that_delete(sim, tmp_path):
    s = sim.sim
    async with client_for(sim, rps=3000) as client:
        for name in ("Unused A", "Unused B"):
            await client.create_skill(name)
    spec = write_v2(tmp_path / "u.json", [{"delete": "Unused A"}, {"delete": "Unused B"}])
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        s.add_flow_dependency("New IVR", [s.skill_ids_by_name()["Unused B"]])  # another admin, after set-up
        summary = await execute(client, setup, options=OPTS)
    assert summary["items"]["skill"] == {"applied": 1, "failed": 1}
    assert "Unused A" not in s.skill_ids_by_name() or s.org.skills[s.skill_ids_by_name()["Unused A"]].state == "deleted"
    (failed,) = [r for r in read_ndjson(setup.paths.audit) if r.get("kind") == "skill" and r["outcome"] == "failed"]
    assert failed["name"] == "Unused B" and "flow 'New IVR'" in failed["reason"]


async def test_users_can_be_given_a_skill_the_same_job_creates(sim, tmp_path):
    s = sim.sim
    users = [s.user(u)["email"] for u in s.user_ids()[:5]]
    spec = write_v2(tmp_path / "n.json", [{"create": "Crypto Care"}], [{"user": e, "skills": {"Crypto Care": 4}} for e in users])
    _, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete" and summary["users"]["applied"] == 5
    assert all(held(sim, u)["Crypto Care"] == 4 for u in s.user_ids()[:5])


async def test_two_skills_merged_into_one_keep_the_higher_proficiency(sim, tmp_path):
    s = sim.sim
    ids = s.skill_ids_by_name()
    a, b = list(ids)[:2]
    both = [u for u in s.user_ids() if ids[a] in s.org.users[u].skills and ids[b] in s.org.users[u].skills]
    only_a = [u for u in s.user_ids() if ids[a] in s.org.users[u].skills and ids[b] not in s.org.users[u].skills]
    before = {u: held(sim, u) for u in both + only_a}
    spec = write_v2(tmp_path / "merge.json", [{"create": "Merged"}, {"migrate": a, "into": "Merged"}, {"migrate": b, "into": "Merged", "levels": {"5": 4}}])
    _, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete" and both and only_a
    for u in both:
        now = held(sim, u)
        mapped_b = 4.0 if before[u][b] == 5 else before[u][b]
        assert now["Merged"] == max(before[u][a], mapped_b) and a not in now and b not in now
    for u in only_a:
        assert held(sim, u)["Merged"] == before[u][a]


async def test_a_refused_delete_is_queued_and_a_retry_pass_runs_just_that_item(sim, tmp_path):
    """What `reconcile retry` does with a queued skill item: reopen it, run a pass over no users."""
    from bulkops.state.reconciliation import ReconciliationQueue

    s = sim.sim
    async with client_for(sim, rps=3000) as client:
        await client.create_skill("Unused C")
        spec = write_v2(tmp_path / "c.json", [{"delete": "Unused C"}])
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        flow = s.add_flow_dependency("Temp IVR", [s.skill_ids_by_name()["Unused C"]])
        first = await execute(client, setup, options=OPTS)
        assert first["items"]["skill"] == {"failed": 1}
        (queued,) = ReconciliationQueue(setup.paths.reconciliation).entries()
        assert queued == "skill:delete:unused c"
        del s.org.skilldefs.flows[flow.id]  # the flow no longer uses it
        kind, key = queued.split(":", 1)
        assert setup.store.reopen_items([(kind, key)]) == 1
        again = await execute(client, setup, options=OPTS, only_users=[])
    assert again["items"]["skill"] == {"applied": 1} and again["status"] == "complete"
    assert again["this_run"]["requests_by_kind"]["writes"] == 1
