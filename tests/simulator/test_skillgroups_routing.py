"""Skill groups as routing sees them, over HTTP: members derived from skills, queues reaching agents
through a skill group, who is on queue now (the routing activity query), and the 403 without the permission."""

from __future__ import annotations

from bulkops.simulator import SimConfig
from bulkops.simulator.config import profile_config
from bulkops.simulator.model import skillgroups as sg

GROUPS = "/api/v2/routing/skillgroups"
ACTIVITY = "/api/v2/analytics/routing/activity/query"


def billing(at_least: int = 3) -> list[dict]:
    return [{"operation": "And", "routingSkillConditions": [{"routingSkill": "Billing", "comparator": "GreaterThanOrEqualTo", "proficiency": at_least}]}]


def on_queue_query(queue_ids: list[str], **extra) -> dict:
    return {
        "metrics": [{"metric": "oOnQueueUsers", "details": extra.pop("details", False)}, {"metric": "oMemberUsers"}],
        "groupBy": ["queueId"],
        "filter": {"type": "or", "predicates": [{"type": "dimension", "dimension": "queueId", "value": q} for q in queue_ids]},
        **extra,
    }


async def _all_members(api, group_id: str, page_size: int = 7) -> list[dict]:
    out: list[dict] = []
    status, page, _ = await api.get(f"{GROUPS}/{group_id}/members", params={"pageSize": str(page_size)})
    assert status == 200
    out += page["entities"]
    while page.get("nextUri"):
        assert "after=" in page["nextUri"]
        _, page, _ = await api.get(page["nextUri"])
        out += page["entities"]
    return out


async def test_members_are_derived_from_current_skills_and_follow_a_skill_write(api, sim):
    s = sim.sim
    billing_id = s.skill_ids_by_name()["Billing"]
    group = s.add_skill_group("Billing experts", billing())
    expected = {u.id for u in s.org.users.values() if u.skills.get(billing_id, -1) >= 3}
    members = await _all_members(api, group.id)
    assert {m["id"] for m in members} == expected and len(members) == len(expected)
    assert set(members[0]) == {"id", "name", "selfUri"}
    assert [m["name"].lower() for m in members] == sorted(m["name"].lower() for m in members)
    # a skill write moves a user out at once: membership is never stored
    leaver = sorted(expected)[0]
    status, _, _ = await api.call("DELETE", f"/api/v2/users/{leaver}/routingskills/{billing_id}")
    assert status == 204
    assert leaver not in {m["id"] for m in await _all_members(api, group.id)}
    _, one, _ = await api.get(f"{GROUPS}/{group.id}")
    assert one["memberCount"] == len(expected) - 1
    assert (await api.get(f"{GROUPS}/nope/members"))[0] == 404


async def test_a_queue_reaches_agents_through_a_skill_group_kept_apart_from_direct_members(api, sim):
    s = sim.sim
    org = s.org
    qid = s.queue_ids_by_name()["Billing"]
    direct = set(org.queue(qid).members)
    group = s.add_skill_group("Billing experts", billing())
    sg.attach(org, qid, group.id)
    through = {u.id for u in sg.members(org, org.skilldefs.group(group.id))}
    _, q, _ = await api.get(f"/api/v2/routing/queues/{qid}")
    assert {"id": group.id, "name": "Billing experts", "type": "SKILLGROUP"} in q["memberGroups"]
    assert q["userMemberCount"] == len(direct) and q["memberCount"] == len(direct | through)
    by_group: set[str] = set()
    page = 1
    while True:
        _, listing, _ = await api.get(f"/api/v2/routing/queues/{qid}/members", params={"memberBy": "group", "pageSize": "100", "pageNumber": str(page)})
        by_group |= {m["id"] for m in listing["entities"]}
        assert all(m["memberBy"] == "group" for m in listing["entities"])
        if "nextUri" not in listing:
            break
        page += 1
    assert by_group == through
    # a user who loses the skill leaves the queue unless they are a direct member too
    leaving = sorted(through - direct)[0]
    staying = sorted(through & direct)[0] if through & direct else None
    billing_id = s.skill_ids_by_name()["Billing"]
    for uid in filter(None, [leaving, staying]):
        assert (await api.call("DELETE", f"/api/v2/users/{uid}/routingskills/{billing_id}"))[0] == 204
    members = s.queue_member_ids(qid)
    assert leaving not in members and (staying is None or staying in members)


async def test_a_queue_put_naming_a_skill_group_keeps_membership_live(api, sim):
    s = sim.sim
    qid = s.queue_ids_by_name()["Sales"]
    group = s.add_skill_group("Billing experts", billing(5))
    _, q, _ = await api.get(f"/api/v2/routing/queues/{qid}")
    body = {k: v for k, v in q.items() if k not in ("id", "selfUri", "memberCount", "userMemberCount", "joinedMemberCount", "dateCreated", "dateModified")}
    body["memberGroups"] = [{"id": group.id, "type": "SKILLGROUP"}]
    assert (await api.put(f"/api/v2/routing/queues/{qid}", json=body))[0] == 200
    newcomer = next(uid for uid in s.user_ids() if uid not in s.queue_member_ids(qid) and s.org.users[uid].state == "active")
    billing_id = s.skill_ids_by_name()["Billing"]
    assert (await api.patch(f"/api/v2/users/{newcomer}/routingskills/bulk", json=[{"id": billing_id, "proficiency": 5}]))[0] == 200
    assert newcomer in s.queue_member_ids(qid)


async def test_routing_activity_counts_agents_on_queue_per_queue(api, sim, http):
    s = sim.sim
    queues = s.queue_ids_by_name()
    q1, q2 = queues["Support EN"], queues["Billing"]
    joined = [uid for uid, j in sorted(s.org.queue(q1).members.items()) if j]
    unjoined = [uid for uid, j in sorted(s.org.queue(q1).members.items()) if not j]
    statuses = {joined[0]: "IDLE", joined[1]: "INTERACTING", joined[2]: "OFF_QUEUE", **({unjoined[0]: "IDLE"} if unjoined else {})}
    async with http.post(f"{sim.base_url}/__sim/routing-status", json=statuses) as r:
        assert r.status == 200
    status, answer, _ = await api.post(ACTIVITY, json=on_queue_query([q1, q2], details=True))
    assert status == 200, answer
    by_queue = {r["group"]["queueId"]: {d["metric"]: d for d in r["data"]} for r in answer["results"]}
    assert by_queue[q1]["oOnQueueUsers"]["count"] == 2 and sorted(by_queue[q1]["oOnQueueUsers"]["entityIds"]) == sorted(joined[:2])
    assert by_queue[q1]["oMemberUsers"]["count"] == len(s.queue_member_ids(q1))
    assert answer["entityIdDimension"] == "userId"
    assert set(by_queue) == {q1, q2}  # the filter kept the others out
    # per queue and user, narrowed to some users: the and-clause of two or-clauses
    narrowed = {
        "metrics": [{"metric": "oOnQueueUsers"}],
        "groupBy": ["queueId", "userId"],
        "filter": {
            "type": "and",
            "clauses": [
                {"type": "or", "predicates": [{"dimension": "queueId", "value": q1}]},
                {"type": "or", "predicates": [{"dimension": "userId", "value": u} for u in joined[:3]]},
            ],
        },
    }
    _, rows, _ = await api.post(ACTIVITY, json=narrowed)
    on = {r["group"]["userId"] for r in rows["results"] if r["data"][0]["count"]}
    assert on == set(joined[:2])
    bad = await api.post(ACTIVITY, json={"metrics": [{"metric": "oWhatever"}], "groupBy": ["nope"]})
    assert bad[0] == 400 and {d["fieldName"] for d in bad[1]["details"]} == {"metrics[0].metric", "groupBy"}


async def test_routing_activity_is_refused_without_the_permission(api, sim):
    sim.sim.configure(analytics_forbidden=True)
    status, body, _ = await api.post(ACTIVITY, json=on_queue_query([]))
    assert status == 403 and "analytics:queueObservation:view" in body["message"]


async def test_the_routing_profile_seeds_a_routing_picture_and_it_survives_a_save(sim, tmp_path):
    s = sim.sim
    s.reset(profile_config("routing", rps=1000))
    groups = {g.name: g for g in s.org.skilldefs.groups.values()}
    assert set(groups) == {"Billing experts", "Spanish speakers", "Retention seniors"}
    billing = s.org.queue(s.queue_ids_by_name()["Billing"])
    assert [g.type for g in billing.member_groups] == ["SKILLGROUP"]
    assert 0.3 < len(s.org.routing_status) / len(s.org.users) < 0.5
    path = tmp_path / "sim.json"
    s.save(path)
    loaded = type(s).load(path)
    assert loaded.org.routing_status == s.org.routing_status
    assert loaded.queue_member_ids(billing.id) == s.queue_member_ids(billing.id)
    # the default org, and the real profile's, are as they were: no groups, nobody on queue
    for config in (SimConfig(), profile_config("real", rps=1000)):
        s.reset(config)
        assert not s.org.skilldefs.groups and not s.org.routing_status


async def test_the_official_sdk_reads_members_and_the_activity_query(sim):
    """The SDK deserializes both answers into its models (field names as its attribute_map says)."""
    import asyncio

    import pytest

    sdk = pytest.importorskip("PureCloudPlatformClientV2")
    s = sim.sim
    qid = s.queue_ids_by_name()["Support EN"]
    group = s.add_skill_group("Billing experts", billing())
    sg.attach(s.org, qid, group.id)
    on = sorted(s.queue_member_ids(qid))[:4]
    for uid in on:
        s.org.routing_status[uid] = "IDLE"

    def go():
        client = sdk.ApiClient(host=sim.base_url).get_client_credentials_token(sim.client_id, sim.client_secret)
        routing = sdk.RoutingApi(client)
        listing = routing.get_routing_skillgroup_members(group.id, page_size=100)
        query = sdk.RoutingActivityQuery()
        metric = sdk.RoutingActivityQueryMetric()
        metric.metric, metric.details = "oOnQueueUsers", True
        predicate = sdk.RoutingActivityQueryPredicate()
        predicate.type, predicate.dimension, predicate.value = "dimension", "queueId", qid
        flt = sdk.RoutingActivityQueryFilter()
        flt.type, flt.predicates = "or", [predicate]
        query.metrics, query.group_by, query.filter = [metric], ["queueId"], flt
        return listing, sdk.AnalyticsApi(client).post_analytics_routing_activity_query(query)

    listing, answer = await asyncio.to_thread(go)
    assert {m.id for m in listing.entities} == {u.id for u in sg.members(s.org, group)} and listing.entities[0].name
    [result] = answer.results
    assert result.group == {"queueId": qid} and answer.entity_id_dimension == "userId"
    joined = [u for u in on if s.org.queue(qid).members.get(u, True)]
    assert result.data[0].metric == "oOnQueueUsers" and result.data[0].count == len(joined) and sorted(result.data[0].entity_ids) == joined
    assert {e.user_id for e in result.entities} == set(joined) and result.truncated is False
