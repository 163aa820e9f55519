"""``bulkops undo``: a reorganization taken back over HTTP, exactly where nothing else changed it,
and held back (to reconciliation, with all three values) where another administrator did."""

import json

from helpers.engine import client_for, email, run_job, undo_job

from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import open_job
from bulkops.engine.undo.undojob import load_inverse
from bulkops.engine.undo.undoview import describe_undo
from bulkops.state.ndjson import read_ndjson
from bulkops.state.reconciliation import ReconciliationQueue

OPTS = RunOptions(workers=4, conflict_delay=0.0)


def snapshot(s, uid, queue_ids):
    u = s.user(uid)
    return {
        "skills": {x["id"]: x["proficiency"] for x in u.get("skills") or ()},
        "languages": {x["id"]: x["proficiency"] for x in u.get("languages") or ()},
        "department": u.get("department"),
        "title": u.get("title"),
        "manager": (u.get("manager") or {}).get("id"),
        "division": u["division"]["id"],
        "queues": {q for q in queue_ids if uid in s.org.queue(q).members},
    }


def reorg_spec(path, s):
    divisions = list(s.division_ids_by_name())
    skills = list(s.skill_ids_by_name())
    users = [
        {
            "user": email(i),
            "skills": {skills[0]: 5, skills[1]: 1},
            "removeSkills": [skills[2]],
            "languages": {"Spanish": 3},
            "department": "Customer Care",
            "title": "Agent II",
            "manager": email(1),
            "division": divisions[-1],
            "joinQueues": ["Billing"],
            "leaveQueues": ["Sales"],
        }
        for i in range(10, 40)
    ]
    path.write_text(json.dumps({"version": 1, "mode": "merge", "users": users}), encoding="utf-8")
    return path


async def test_undo_restores_exactly_and_holds_back_what_changed_since(sim, tmp_path):
    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    queues = s.queue_ids_by_name()
    queue_ids = [queues["Billing"], queues["Sales"]]
    uids = [by_email[email(i)] for i in range(10, 40)]
    before = {u: snapshot(s, u, queue_ids) for u in uids}

    job, summary = await run_job(sim, reorg_spec(tmp_path / "reorg.json", s), tmp_path)
    assert summary["users"]["applied"] == 30
    after_job = {u: snapshot(s, u, queue_ids) for u in uids}
    assert all(after_job[u] != before[u] for u in uids)

    # Another administrator, after the job: a new title for one user, a new proficiency of a skill
    # the job set for another, and a different division for a third.
    skill0 = s.skill_ids_by_name()[list(s.skill_ids_by_name())[0]]
    target = s.division_ids_by_name()[list(s.division_ids_by_name())[-1]]
    other_division = next(d for d in s.division_ids_by_name().values() if d not in (target, before[uids[2]]["division"]))
    async with client_for(sim, rps=2000) as admin:
        version = (await admin.get_user(uids[0])).data["version"]
        await admin.patch_user(uids[0], {"title": "Team Lead", "version": version})
        await admin.upsert_skills(uids[1], {skill0: 2.0})
        await admin.move_to_division(other_division, [uids[2]])

    plan, setup, summary = await undo_job(sim, tmp_path, job.job_id)
    assert plan.job_id == f"{job.job_id}-undo"
    text = "\n".join(describe_undo(plan))
    assert "held back" in text and "Team Lead" in text

    for u in uids[3:]:
        assert snapshot(s, u, queue_ids) == before[u], u  # exactly as before the job
    held = {e["user_id"]: e for e in ReconciliationQueue(setup.paths.reconciliation).entries().values()}
    assert set(held) == set(uids[:3])
    # What was held back keeps the other administrator's value; the rest of that user is restored.
    now0 = snapshot(s, uids[0], queue_ids)
    assert now0["title"] == "Team Lead" and {k: v for k, v in now0.items() if k != "title"} == {k: v for k, v in before[uids[0]].items() if k != "title"}
    assert snapshot(s, uids[1], queue_ids)["skills"][skill0] == 2.0
    assert snapshot(s, uids[2], queue_ids)["division"] == other_division
    three = held[uids[0]]["held_back"]
    assert three == [{"element": "field", "key": "title", "before": before[uids[0]]["title"], "written": "Agent II", "now": "Team Lead"}]
    assert summary["users"]["reconciliation"] == 3 and summary["users"]["applied"] == 27

    # The undo is a job: audited, and it can be undone in turn (the reorg comes back where it was taken back).
    lines = [r for r in read_ndjson(setup.paths.audit) if isinstance(r, dict)]
    assert len(lines) == 30
    plan2, setup2, _ = await undo_job(sim, tmp_path, setup.job_id)
    assert setup2.job_id == f"{job.job_id}-undo-undo"
    for u in uids[3:]:
        assert snapshot(s, u, queue_ids) == after_job[u], u


async def test_undo_of_a_running_job_is_refused(sim, tmp_path):
    from bulkops.errors import JobBusyError
    from bulkops.state.joblock import JobLock

    s = sim.sim
    job, _ = await run_job(sim, reorg_spec(tmp_path / "reorg.json", s), tmp_path)
    with JobLock(open_job(tmp_path, job.job_id, check_spec=False).paths.root):
        try:
            load_inverse(tmp_path, job.job_id)
        except JobBusyError as exc:
            assert "running" in str(exc)
        else:
            raise AssertionError("an undo of a running job was not refused")


async def test_blind_membership_is_not_guessed(sim, tmp_path):
    """A join written without reading the queue's members cannot say whether the user was a member
    before: the undo lists it as not known instead of removing a membership that may predate the job."""
    from helpers.auditlines import user_record

    from bulkops.domain.inverse import invert

    line = {
        "user_id": "u1",
        "outcome": "applied",
        "before": {"skills": {}, "languages": {}, "queues": {"q-read": False}},
        "changes": {"join_queues": ["q-read", "q-blind"]},
        "ops": [{"op": "join_queue", "ok": True, "queue": "q-read"}, {"op": "join_queue", "ok": True, "queue": "q-blind"}],
    }
    inv = invert([user_record(line)])
    assert inv.intents[0].leave_queues == frozenset({"q-read"})
    assert inv.unknown_queues == {"u1": ("q-blind",)}
