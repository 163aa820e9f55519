"""Undo of a job that deleted a skill (#25 §4), over HTTP: the skill is created again by name (a
new id) before the users' undo, which gives every holder their old level on it; the plan says so
and the run does exactly that, with no failing write."""

from __future__ import annotations

import json

from helpers.engine import client_for, plan_undo_of, run_job, undo_job

from bulkops.engine.undo.undoview import describe_undo, undo_plan_json
from bulkops.simulator import SimConfig


def skills_of(s, uid) -> dict[str, float]:
    return {x["name"]: x["proficiency"] for x in s.user(uid)["skills"] if x.get("state", "active") == "active"}


def refused(s) -> int:
    """Answers 4xx other than 404 and 429 the simulator gave so far (a write it refused)."""
    return sum(n for code, n in s.stats()["byStatus"].items() if code.startswith("4") and code not in ("404", "429"))


def active_skill(s, name):
    found = [k for k in s.org.skills.values() if k.name == name and k.state == "active"]
    assert len(found) == 1, found
    return found[0]


def migration_spec(tmp_path, source, *, extra_users=()):
    spec = tmp_path / "job.json"
    doc = {
        "version": 2,
        "skills": [{"create": "Merged"}, {"migrate": source, "into": "Merged", "levels": {"5": 4}, "delete": True}],
        "users": list(extra_users),
    }
    spec.write_text(json.dumps(doc))
    return spec


async def test_a_migration_that_deleted_its_skill_is_undone_onto_the_skill_created_again(sim, tmp_path):
    sim.sim.reset(SimConfig(users=300, seed=25))
    s = sim.sim
    source = sorted(s.skill_ids_by_name())[0]
    old = active_skill(s, source)
    holders = [u for u in s.user_ids() if source in skills_of(s, u)]
    assert len(holders) >= 20
    before = {u: skills_of(s, u) for u in s.user_ids()}
    job, summary = await run_job(sim, migration_spec(tmp_path, source), tmp_path)
    assert summary["users"]["applied"] == len(holders) and summary["items"]["skill"] == {"applied": 2}
    assert s.org.skills[old.id].state == "deleted" and all(source not in skills_of(s, u) for u in holders)

    found = await plan_undo_of(sim, tmp_path, job.job_id)
    text = "\n".join(describe_undo(found, detail=len(holders)))
    assert "cannot be undone: 0" in text and f"skill {source} (before the users): create again by name (the job deleted it)" in text
    assert found.restoring == len(holders) and found.holding == 0
    for u in holders:  # each holder: their old level on the skill by name, the migrated-into skill off
        assert f"{s.user(u)['email']}: skill {source} (none) -> {before[u][source]:g}; remove skill Merged" in text
    assert undo_plan_json(found)["items_not_undoable"] == []

    refused_before = refused(s)
    _, setup, summary = await undo_job(sim, tmp_path, job.job_id)
    assert refused(s) == refused_before  # no failing write
    assert summary["users"] == {"applied": len(holders), "total": len(holders)}, summary
    assert summary["items"]["skill"] == {"applied": 2}, summary
    again = active_skill(s, source)
    assert again.id != old.id and again.division_id == old.division_id  # a new id, in its old division
    assert {u: skills_of(s, u) for u in s.user_ids()} == before  # every holder at the old level, Merged gone
    assert "Merged" not in {k.name for k in s.org.skills.values() if k.state == "active"}


async def test_a_skill_of_that_name_created_since_is_the_one_holders_get_back(sim, tmp_path):
    sim.sim.reset(SimConfig(users=120, seed=26))
    s = sim.sim
    source = sorted(s.skill_ids_by_name())[1]
    holders = [u for u in s.user_ids() if source in skills_of(s, u)]
    before = {u: skills_of(s, u) for u in holders}
    job, _ = await run_job(sim, migration_spec(tmp_path, source), tmp_path)
    async with client_for(sim, rps=3000) as client:  # another administrator creates it again meanwhile
        theirs = (await client.create_skill(source)).data["id"]
    found = await plan_undo_of(sim, tmp_path, job.job_id)
    assert f"skill {source} (before the users): already as before the job" in "\n".join(describe_undo(found))
    refused_before = refused(s)
    _, _, summary = await undo_job(sim, tmp_path, job.job_id)
    assert refused(s) == refused_before and summary["users"]["applied"] == len(holders)
    assert active_skill(s, source).id == theirs
    assert {u: skills_of(s, u) for u in holders} == before


async def test_the_undo_of_that_undo_migrates_the_holders_again_onto_merged_created_again(sim, tmp_path):
    sim.sim.reset(SimConfig(users=150, seed=28))
    s = sim.sim
    source = sorted(s.skill_ids_by_name())[2]
    holders = [u for u in s.user_ids() if source in skills_of(s, u)]
    job, _ = await run_job(sim, migration_spec(tmp_path, source), tmp_path)
    migrated = {u: skills_of(s, u) for u in s.user_ids()}
    _, undo_setup, _ = await undo_job(sim, tmp_path, job.job_id)
    refused_before = refused(s)
    found, _, summary = await undo_job(sim, tmp_path, undo_setup.job_id)
    assert [p.undo.name for p in found.item_plans] == ["Merged", source]  # Merged created again first, the source deleted last
    assert refused(s) == refused_before and summary["users"]["applied"] == len(holders)
    assert summary["items"]["skill"] == {"applied": 2}, summary
    assert {u: skills_of(s, u) for u in s.user_ids()} == migrated
    active = {k.name for k in s.org.skills.values() if k.state == "active"}
    assert "Merged" in active and source not in active
