"""``bulkops undo`` of the items of the other kinds, over HTTP (#20 §1): each kind put back exactly
where nothing else changed it, part by part, held back (reconciliation, all three values) where
another administrator changed a part since, in the reverse of the job's order."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from helpers.engine import client_for, plan_undo_of, run_job, undo_job

from bulkops.client.endpoints.routing_config import get_queue_config, queue_wrapup_codes
from bulkops.client.endpoints.utilization import get_org_utilization, get_user_utilization, put_user_utilization
from bulkops.domain.utilization import AGENT, ORGANIZATION, MediaUtilization, Utilization
from bulkops.engine.run.options import RunOptions
from bulkops.engine.undo.undoview import describe_undo, undo_plan_json
from bulkops.kinds.queues import kind as kind_queues
from bulkops.kinds.queues.intent import get_path
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson
from bulkops.state.reconciliation import ReconciliationQueue

OPTS = RunOptions(workers=4, conflict_delay=0.0)


@pytest.fixture
def fast_pace(monkeypatch):
    monkeypatch.setattr(kind_queues, "QUEUE_WRITES_PER_SECOND", 1000.0)


def write(tmp_path, doc, name="job.json"):
    spec = tmp_path / name
    spec.write_text(json.dumps({"version": 2, **doc}, indent=1))
    return spec


def lines(setup) -> list[dict[str, Any]]:
    return [r for r in read_ndjson(setup.paths.audit) if isinstance(r, dict)]


def held(setup) -> dict[str, dict[str, Any]]:
    return ReconciliationQueue(setup.paths.reconciliation).entries()


async def queue_state(sim, qid):
    async with client_for(sim, rps=3000) as client:
        body = (await get_queue_config(client, qid)).request_body()
        codes = {c.id for c in await queue_wrapup_codes(client, qid)}
    return body, codes


# ---------------------------------------------------------------------- queue settings and members
async def test_queue_settings_and_members_go_back_and_what_changed_since_is_held_back(sim, tmp_path, fast_pace):
    sim.sim.reset(SimConfig(users=120, queues=4, seed=20))
    s = sim.sim
    names = sorted(s.queue_ids_by_name())
    one, two = names[0], names[1]
    q1, q2 = s.queue_ids_by_name()[one], s.queue_ids_by_name()[two]
    members = sorted(s.org.queues[q1].members)[:4]
    for u in members:
        s.org.queues[q1].members[u] = u in members[:2]  # two joined (to deactivate), two not (to activate)
    codes = {c.name: c.id for c in s.org.queueconfig.wrapup_codes.values()}
    b1, held1 = await queue_state(sim, q1)
    b2, _ = await queue_state(sim, q2)
    add = sorted(set(codes.values()) - held1)[0]
    remove = sorted(held1)[0]
    name_of = {v: k for k, v in codes.items()}
    settings = {"skillEvaluationMethod": "ALL", "media": {"email": {"serviceLevel": {"percentage": 0.95}}, "chat": {"alertingTimeoutSeconds": 21}}}
    spec = write(
        tmp_path,
        {
            "queues": [
                {
                    "queue": one,
                    **settings,
                    "addWrapupCodes": [name_of[add]],
                    "removeWrapupCodes": [name_of[remove]],
                    "members": {"activate": members[2:], "deactivate": members[:2]},
                },
                {"queue": two, **settings},
            ]
        },
    )
    job, summary = await run_job(sim, spec, tmp_path)
    assert summary["items"]["queue"] == {"applied": 2} and summary["items"]["queue_members"] == {"applied": 1}
    after1, _ = await queue_state(sim, q1)

    # Another administrator, after the job: queue two's chat timeout (a setting the job changed),
    # queue one's transcription (one it did not name), and two members put back by hand (a member
    # is joined or not: found at neither only once it left the queue, then held back).
    s.org.queueconfig.settings_of(q2)["mediaSettings"]["chat"]["alertingTimeoutSeconds"] = 45
    s.org.queueconfig.settings_of(q1)["enableTranscription"] = not bool(b1.get("enableTranscription"))
    s.org.queues[q1].members[members[2]] = False  # activated by the job, deactivated again by hand
    s.org.queues[q1].members[members[0]] = True  # deactivated by the job, activated again by hand

    found = await plan_undo_of(sim, tmp_path, job.job_id)
    text = "\n".join(describe_undo(found))
    assert f"queue settings {two}" in text and "held back mediaSettings.chat.alertingTimeoutSeconds (before the job" in text and "now 45" in text
    assert "skillEvaluationMethod 'ALL' -> " in text
    assert [p.undo.kind for p in found.item_plans] == ["queue", "queue", "queue_members"]
    assert all(p.undo.inverted.phase == "before_users" for p in found.item_plans)  # after_users in the job
    assert undo_plan_json(found)["items"][1]["held_back"][0]["now"] == 45

    _, setup, summary = await undo_job(sim, tmp_path, job.job_id)
    assert summary["items"]["queue"] == {"applied": 1, "reconciliation": 1}, summary
    now1, codes1 = await queue_state(sim, q1)
    for path in ("skillEvaluationMethod", "mediaSettings.email.serviceLevel.percentage", "mediaSettings.chat.alertingTimeoutSeconds"):
        assert get_path(now1, path) == get_path(b1, path), path
    assert now1["enableTranscription"] == (not bool(b1.get("enableTranscription")))  # the other change is kept
    assert codes1 == held1
    now2, _ = await queue_state(sim, q2)
    assert get_path(now2, "skillEvaluationMethod") == get_path(b2, "skillEvaluationMethod")  # restored beside the held part
    assert get_path(now2, "mediaSettings.chat.alertingTimeoutSeconds") == 45  # held back, never overwritten
    entry = held(setup)[f"queue:{q2}"]
    assert entry["last_state"]["heldBack"] == [
        {
            "element": "queue",
            "key": "mediaSettings.chat.alertingTimeoutSeconds",
            "before": get_path(b2, "mediaSettings.chat.alertingTimeoutSeconds"),
            "written": 21,
            "now": 45,
        }
    ]
    # members: exactly those the job changed flipped back (two were already as before)
    assert [s.org.queues[q1].members[u] for u in members] == [True, True, False, False]
    assert summary["items"]["queue_members"] == {"applied": 1}
    assert get_path(after1, "skillEvaluationMethod") == "ALL"

    # The undo can be undone: the job's settings come back where the undo restored them.
    _, again, summary2 = await undo_job(sim, tmp_path, setup.job_id)
    back1, _ = await queue_state(sim, q1)
    assert get_path(back1, "skillEvaluationMethod") == "ALL" and get_path(back1, "mediaSettings.chat.alertingTimeoutSeconds") == 21
    # only the two members the undo flipped are flipped again; the two set by hand stay as they are
    assert [s.org.queues[q1].members[u] for u in members] == [True, False, False, True]
    assert summary2["items"]["queue_members"] == {"applied": 1}
    assert again.job_id == f"{job.job_id}-undo-undo"


# ---------------------------------------------------------------------- utilization, labels, the default
def cap(n: int) -> dict[str, Any]:
    return {"maximumCapacity": n}


async def settings_of(sim, uids):
    async with client_for(sim, rps=3000) as client:
        return {u: await get_user_utilization(client, u) for u in uids}, await get_org_utilization(client)


async def test_utilization_the_default_and_a_created_label_go_back_in_reverse_order(sim, tmp_path):
    sim.sim.reset(SimConfig(users=10, seed=3))
    s = sim.sim
    on_default, own, changed = s.user_ids()[:3]
    async with client_for(sim, rps=3000) as client:
        for u in (own, changed):
            await put_user_utilization(client, u, Utilization({"call": MediaUtilization(1), "chat": MediaUtilization(2)}, level=AGENT))
    users_before, default_before = await settings_of(sim, [on_default, own, changed])
    assert users_before[on_default].level == ORGANIZATION
    spec = write(
        tmp_path,
        {
            "utilizationLabels": [{"create": "VIP"}],
            "utilizationDefault": {"media": {"email": {"maximumCapacity": 2}}, "labels": {"VIP": cap(1)}},
            "utilization": [{"user": u, "media": {"chat": {"maximumCapacity": 7}}, "labels": {"VIP": cap(1)}} for u in (on_default, own, changed)],
        },
    )
    job, summary = await run_job(sim, spec, tmp_path)
    assert summary["items"] == {"label": {"applied": 1}, "utilization_default": {"applied": 1}, "utilization": {"applied": 3}}, summary
    vip = next(x.id for x in s.org.utilization.labels.values() if x.name == "VIP")

    # Another administrator, after the job: one user's chat capacity (a part the job set) and call (one it did not).
    async with client_for(sim, rps=3000) as client:
        mine = await get_user_utilization(client, changed)
        await put_user_utilization(
            client, changed, Utilization({**mine.media, "chat": MediaUtilization(6), "call": MediaUtilization(3)}, dict(mine.labels), level=AGENT)
        )
        mine = await get_user_utilization(client, own)
        await put_user_utilization(client, own, Utilization({**mine.media, "call": MediaUtilization(5)}, dict(mine.labels), level=AGENT))

    found = await plan_undo_of(sim, tmp_path, job.job_id)
    order = [(p.undo.kind, p.undo.inverted.phase) for p in found.item_plans]
    assert order == [("utilization", "before_users")] * 3 + [("utilization_default", "after_users"), ("label", "last")]
    text = "\n".join(describe_undo(found))
    assert "utilization label VIP (last): delete" in text and "held back chat (before the job 2" in text
    # #28 §5: in names and words: no label id, no raw setting, no internal phase tag
    assert "label VIP" in text and not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", text) and "maximumCapacity" not in text and "_users" not in text, text

    _, setup, summary = await undo_job(sim, tmp_path, job.job_id)
    assert summary["items"]["utilization"] == {"applied": 2, "reconciliation": 1}, summary
    assert summary["items"]["utilization_default"] == {"applied": 1}
    users_now, default_now = await settings_of(sim, [on_default, own, changed])
    assert users_now[on_default].level == ORGANIZATION  # back on the default (DELETE)
    assert users_now[own].media["chat"] == MediaUtilization(2) and users_now[own].media["call"] == MediaUtilization(5)  # call: someone else's, kept
    assert vip not in users_now[own].labels
    assert default_now == default_before  # every part the job changed, and only those
    # The user changed since keeps the other administrator's chat; the label the job gave them is
    # taken back (a part found as the job left it), so nothing uses VIP any more: it is deleted last.
    assert users_now[changed].media["chat"] == MediaUtilization(6) and vip not in users_now[changed].labels
    entry = held(setup)[f"utilization:{changed}"]
    assert [h["key"] for h in entry["last_state"]["heldBack"]] == ["media.chat"]
    assert summary["items"]["label"] == {"applied": 1} and vip not in s.org.utilization.labels
    kinds_in_order = [r.get("kind", "user") for r in lines(setup)]
    assert kinds_in_order == ["utilization"] * 3 + ["utilization_default", "label"]


async def test_a_created_label_someone_uses_now_is_held_back_not_forced(sim, tmp_path):
    sim.sim.reset(SimConfig(users=10, seed=4))
    s = sim.sim
    user = s.user_ids()[0]
    job, _ = await run_job(sim, write(tmp_path, {"utilizationLabels": [{"create": "Escalations"}]}), tmp_path)
    label = next(x.id for x in s.org.utilization.labels.values() if x.name == "Escalations")
    from bulkops.domain.utilization import LabelUtilization

    async with client_for(sim, rps=3000) as client:  # another administrator gives it to a user
        await put_user_utilization(client, user, Utilization({"call": MediaUtilization(1)}, {label: LabelUtilization(1)}, level=AGENT))
    _, setup, summary = await undo_job(sim, tmp_path, job.job_id)
    assert summary["items"]["label"] == {"reconciliation": 1}
    assert label in s.org.utilization.labels
    assert "used by 1 agent" in held(setup)[f"label:{'escalations'}"]["reason"]


# ---------------------------------------------------------------------- skill definitions
def skills_of(s, uid) -> dict[str, float]:
    return {x["name"]: x["proficiency"] for x in s.user(uid)["skills"] if x.get("state", "active") == "active"}


async def test_a_created_skill_is_deleted_last_a_move_put_back_and_a_deleted_one_created_again_first(sim, tmp_path):
    sim.sim.reset(SimConfig(users=40, seed=22))
    s = sim.sim
    async with client_for(sim, rps=3000) as client:
        await client.create_skill("Unused A")
    moved = sorted(s.skill_ids_by_name())[0]
    moved_id = s.skill_ids_by_name()[moved]
    home = s.org.skills[moved_id].division_id
    elsewhere = next(name for name, d in s.division_ids_by_name().items() if d != home)
    users = s.user_ids()[:5]
    before = {u: skills_of(s, u) for u in users}
    spec = write(
        tmp_path,
        {
            "skills": [{"create": "Crypto Care"}, {"move": moved, "division": elsewhere}, {"delete": "Unused A"}],
            "users": [{"user": s.user(u)["email"], "skills": {"Crypto Care": 4}} for u in users],
        },
    )
    job, summary = await run_job(sim, spec, tmp_path)
    assert summary["items"]["skill"] == {"applied": 3} and summary["users"]["applied"] == 5
    crypto = s.skill_ids_by_name()["Crypto Care"]

    found = await plan_undo_of(sim, tmp_path, job.job_id)
    text = "\n".join(describe_undo(found))
    assert "skill Unused A (before the users): create again by name (the job deleted it): a new id" in text  # #25 §4
    assert [(p.undo.name, p.undo.inverted.phase) for p in found.item_plans] == [("Unused A", "before_users"), (moved, "after_users"), ("Crypto Care", "last")]
    assert undo_plan_json(found)["items_not_undoable"] == []

    _, setup, summary = await undo_job(sim, tmp_path, job.job_id)
    assert summary["items"]["skill"] == {"applied": 3}, summary
    assert any(k.name == "Unused A" and k.state == "active" for k in s.org.skills.values())  # back by name
    assert {u: skills_of(s, u) for u in users} == before  # the users' undo took the new skill off them first
    assert s.org.skills[crypto].state == "deleted" and s.org.skills[moved_id].division_id == home
    order = [(r.get("kind", "user"), r.get("key")) for r in lines(setup)]
    assert order[-1] == ("skill", "delete:crypto care") and order[-2] == ("skill", f"move:{moved.casefold()}")
    assert order[0] == ("skill", "create:unused a") and {k for k, _ in order[1:-2]} == {"user"}


async def test_a_created_skill_someone_was_given_since_is_held_back(sim, tmp_path):
    sim.sim.reset(SimConfig(users=20, seed=23))
    s = sim.sim
    users = s.user_ids()[:2]
    spec = write(tmp_path, {"skills": [{"create": "Night Shift"}], "users": [{"user": s.user(users[0])["email"], "skills": {"Night Shift": 3}}]})
    job, _ = await run_job(sim, spec, tmp_path)
    night = s.skill_ids_by_name()["Night Shift"]
    async with client_for(sim, rps=3000) as client:  # another administrator gives it to someone else
        await client.upsert_skills(users[1], {night: 2.0})
    _, setup, summary = await undo_job(sim, tmp_path, job.job_id)
    assert summary["users"]["applied"] == 1 and "Night Shift" not in skills_of(s, users[0])
    assert summary["items"]["skill"] == {"reconciliation": 1}
    assert s.org.skills[night].state == "active" and skills_of(s, users[1])["Night Shift"] == 2.0
    reason = held(setup)["skill:delete:night shift"]["reason"]
    assert "held by 1 user(s) given it since the job" in reason and s.user(users[1])["email"] in reason
