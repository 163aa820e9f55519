"""The impact on routing, over HTTP: who leaves which skill group, the queues they leave through it,
a queue left with no member, agents on queue now with and without the analytics permission, and
what the reads cost."""

from __future__ import annotations

import orjson
from helpers.clients import client_for
from helpers.engine import write_wide_csv

from bulkops.engine.plan.impact import CRITICAL, ImpactInputs, assess
from bulkops.engine.plan.impact_text import describe, to_dict
from bulkops.engine.plan.planjob import make_plan
from bulkops.engine.setup.job import check_locally, resolve_against_org
from bulkops.simulator.model import skillgroups


def at_least(skill: str, level: int) -> list[dict]:
    return [{"operation": "And", "routingSkillConditions": [{"routingSkill": skill, "comparator": "GreaterThanOrEqualTo", "proficiency": level}]}]


def holders(s, skill: str, level: float) -> list[str]:
    sid = s.skill_ids_by_name()[skill]
    return sorted(uid for uid, u in s.org.users.items() if u.state == "active" and u.skills.get(sid, -1) >= level)


async def plan_impact(handle, spec_path):
    spec = check_locally(spec_path)
    async with client_for(handle, rps=2000) as client:
        resolved = await resolve_against_org(client, spec)
        inputs = ImpactInputs()
        await make_plan(client, resolved, detail=0, watch=inputs)
        before = client.stats.requests
        impact = await assess(client, inputs, resolved.directory)
        assert impact.requests == client.stats.requests - before
    return impact


async def test_the_plan_names_who_leaves_a_skill_group_and_the_queues_they_leave_through_it(sim, tmp_path):
    s = sim.sim
    group = s.add_skill_group("Billing experts", at_least("Billing", 3))
    qid = s.queue_ids_by_name()["Billing"]
    skillgroups.attach(s.org, qid, group.id)
    experts = holders(s, "Billing", 3)
    direct = set(s.org.queue(qid).members)
    leaving = [u for u in experts if u not in direct][:3]
    staying = next(u for u in experts if u in direct)  # a direct member too: leaves the group, not the queue
    emails = {u: s.org.users[u].email for u in [*leaving, staying]}
    spec = write_wide_csv(tmp_path / "drop.csv", ["email", "Billing"], [[emails[u], "1"] for u in [*leaving, staying]])
    members_before = len(s.queue_member_ids(qid))
    for uid in leaving[:2]:
        s.org.routing_status[uid] = "IDLE"
    s.org.routing_status[staying] = "INTERACTING"

    impact = await plan_impact(sim, spec)

    [g] = impact.groups
    assert g.name == "Billing experts" and set(g.leaving) == set(emails.values()) and g.queues == ("Billing",)
    assert g.members_before == len(experts) and g.members_after == len(experts) - 4
    [q] = impact.queues
    assert q.name == "Billing" and set(q.leaving) == {emails[u] for u in leaving} and q.through == ("Billing experts",)
    assert q.members_before == members_before and q.members_after == members_before - 3 and not q.uncertain
    on_queue = {u for u in s.queue_member_ids(qid) if u in s.org.routing_status and s.org.queue(qid).members.get(u, True)}
    assert q.on_queue_now == len(on_queue) and q.on_queue_leaving == 2 and impact.analytics == "read"
    text = "\n".join(describe(impact))
    assert "skill group 'Billing experts'" in text and emails[leaving[0]] in text
    assert f"Billing: {len(on_queue)} agents on queue now; after this job 2 of them leave it" in text
    assert not impact.top_rank()
    # the reads: the group listing and its one group, one queue listing, the queue's direct members
    # (one page: no more than its movers make up), two activity queries
    assert impact.requests == 6
    assert to_dict(impact)["queues"][0]["members_after"] == members_before - 3
    # nothing changed in the org
    assert holders(s, "Billing", 3) == experts


async def test_a_job_that_empties_a_queue_is_a_top_rank_warning(sim, tmp_path):
    s = sim.sim
    qid = s.queue_ids_by_name()["Collections"]
    s.org.remove_members(s.org.queue(qid), list(s.org.queue(qid).members))
    group = s.add_skill_group("Collections pros", at_least("Collections", 4))
    skillgroups.attach(s.org, qid, group.id)
    pros = holders(s, "Collections", 4)
    assert pros and s.queue_member_ids(qid) == set(pros)
    spec = write_wide_csv(tmp_path / "empty.csv", ["email", "Collections"], [[s.org.users[u].email, "-"] for u in pros])

    impact = await plan_impact(sim, spec)

    [top] = impact.top_rank()
    assert top.rank == CRITICAL and "'Collections' would be left with no member" in top.text
    assert any("skill group 'Collections pros' would be emptied" in w.text for w in impact.warnings)
    assert [w.rank for w in impact.warnings] == sorted(w.rank for w in impact.warnings)


async def test_without_the_analytics_permission_the_plan_says_what_it_could_not_see(sim, tmp_path):
    s = sim.sim
    s.configure(analytics_forbidden=True)
    group = s.add_skill_group("Sales pros", at_least("Sales", 4))
    qid = s.queue_ids_by_name()["Sales"]
    skillgroups.attach(s.org, qid, group.id)
    leaver = next(u for u in holders(s, "Sales", 4) if u not in s.org.queue(qid).members)
    spec = write_wide_csv(tmp_path / "sales.csv", ["email", "Sales"], [[s.org.users[leaver].email, "2"]])

    impact = await plan_impact(sim, spec)

    [q] = impact.queues
    assert q.on_queue_now is None and impact.analytics.startswith("not visible")
    text = "\n".join(describe(impact))
    assert "agents on queue now: not visible" in text and "analytics:queueObservation:view" in text


async def test_a_job_that_changes_no_skill_language_or_queue_reads_nothing_more(sim, tmp_path):
    s = sim.sim
    s.add_skill_group("Billing experts", at_least("Billing", 3))
    uid = s.user_ids()[0]
    spec = tmp_path / "fields.json"
    spec.write_bytes(orjson.dumps({"version": 2, "users": [{"user": s.org.users[uid].email, "title": "Lead"}]}))
    impact = await plan_impact(sim, spec)
    assert impact.requests == 0 and impact.users_moving == 0
    assert describe(impact) == ["Impact on routing: no user's skills, languages or queues change (nothing read)"]
