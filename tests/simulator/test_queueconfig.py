"""Queue configuration over HTTP: the full queue body, the whole-queue PUT and its validation,
wrap-up codes, member activation, the concurrent-admin knob, persistence, and the official SDK."""

from __future__ import annotations

import asyncio
import copy

import pytest

from bulkops.simulator import Simulator
from bulkops.simulator.model.queueconfig import ADMIN_EDITABLE, MEDIA_TYPES, default_settings

QUEUES = "/api/v2/routing/queues"


async def read(api, qid: str) -> dict:
    status, body, _ = await api.get(f"{QUEUES}/{qid}")
    assert status == 200
    return body


def unchanged(before: dict, after: dict, *, except_: set[str]) -> None:
    """Every field but ``except_`` (and the modification date) is what it was."""
    skip = except_ | {"dateModified"}
    assert {k: v for k, v in before.items() if k not in skip} == {k: v for k, v in after.items() if k not in skip}


async def test_queue_answers_its_whole_configuration(api, sim):
    qid = sim.sim.queue_ids_by_name()["Support EN"]
    q = await read(api, qid)
    assert q["skillEvaluationMethod"] == "BEST" and q["scoringMethod"] == "TimestampAndPriority"
    assert set(q["mediaSettings"]) == set(MEDIA_TYPES)
    assert q["mediaSettings"]["email"]["serviceLevel"] == {"percentage": 0.8, "durationMs": 86_400_000}
    assert q["acwSettings"] == {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 300_000}
    assert "bullseye" not in q and q["memberGroups"] == []
    _, listing, _ = await api.get(QUEUES, params={"name": "Support EN"})
    assert listing["entities"][0] == q  # the listing carries the same body


async def test_put_changes_what_it_names_and_keeps_what_it_sends_back(api, sim):
    ids, qid = sim.sim.skill_ids_by_name(), sim.sim.queue_ids_by_name()["Billing"]
    before = await read(api, qid)
    body = copy.deepcopy(before)
    body["skillEvaluationMethod"] = "ALL"
    body["mediaSettings"]["email"]["serviceLevel"] = {"percentage": 0.9, "durationMs": 3_600_000}
    body["acwSettings"] = {"wrapupPrompt": "MANDATORY_FORCED_TIMEOUT", "timeoutMs": 60_000}
    body["bullseye"] = {
        "rings": [
            {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 15}], "actions": {"skillsToRemove": [{"id": ids["Billing"]}]}},
            {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 30}], "actions": {"skillsToRemove": []}},
            {"expansionCriteria": [], "actions": {"skillsToRemove": []}},
        ]
    }
    status, answer, _ = await api.put(f"{QUEUES}/{qid}", json=body)
    assert status == 200
    after = await read(api, qid)
    assert answer == after
    assert after["skillEvaluationMethod"] == "ALL" and after["acwSettings"]["timeoutMs"] == 60_000
    assert after["mediaSettings"]["email"]["serviceLevel"] == {"percentage": 0.9, "durationMs": 3_600_000}
    ring = after["bullseye"]["rings"][0]
    assert ring["expansionCriteria"] == [{"type": "TIMEOUT_SECONDS", "threshold": 15.0}]
    assert ring["actions"]["skillsToRemove"] == [{"id": ids["Billing"], "name": "Billing", "selfUri": f"/api/v2/routing/skills/{ids['Billing']}"}]
    unchanged(before, after, except_={"skillEvaluationMethod", "mediaSettings", "acwSettings", "bullseye"})
    assert {m: after["mediaSettings"][m] for m in MEDIA_TYPES if m != "email"} == {m: before["mediaSettings"][m] for m in MEDIA_TYPES if m != "email"}
    assert (await api.put(f"{QUEUES}/{qid}", json=after))[0] == 200  # what GET answers is a valid PUT body


async def test_put_is_the_whole_queue_a_setting_left_out_goes_back_to_its_default(api, sim):
    qid = sim.sim.queue_ids_by_name()["Sales"]
    body = await read(api, qid)
    body.update(enableTranscription=True, callingPartyName="Acme Sales", skillEvaluationMethod="NONE")
    assert (await api.put(f"{QUEUES}/{qid}", json=body))[0] == 200
    status, _, _ = await api.put(f"{QUEUES}/{qid}", json={"name": "Sales", "skillEvaluationMethod": "NONE"})
    assert status == 200
    after = await read(api, qid)
    assert after["skillEvaluationMethod"] == "NONE"
    assert after["enableTranscription"] is False and "callingPartyName" not in after
    assert after["mediaSettings"] == default_settings()["mediaSettings"] and after["description"] == ""


async def test_put_validates_the_whole_body_and_changes_nothing_on_a_400(api, sim):
    qid = sim.sim.queue_ids_by_name()["Retention"]
    before = await read(api, qid)
    bad = copy.deepcopy(before)
    del bad["name"]
    bad["skillEvaluationMethod"] = "SOME"
    bad["mediaSettings"]["fax"] = {"alertingTimeoutSeconds": 10}
    bad["mediaSettings"]["call"]["alertingTimeoutSeconds"] = 3
    bad["mediaSettings"]["chat"]["serviceLevel"] = {"percentage": 1.5, "durationMs": 500}
    bad["acwSettings"] = {"wrapupPrompt": "SOMETIMES", "timeoutMs": 10}
    bad["bullseye"] = {"rings": [{"expansionCriteria": [{"type": "AGENTS_IDLE", "threshold": 5}], "actions": {"skillsToRemove": [{"id": "no-such-skill"}]}}]}
    bad["memberGroups"] = [{"id": "no-such-group", "type": "GROUP"}, {"id": "x", "type": "CLUB"}]
    status, err, _ = await api.put(f"{QUEUES}/{qid}", json=bad)
    assert status == 400 and err["code"] == "bad.request"
    assert {(d["fieldName"], d["errorCode"]) for d in err["details"]} == {
        ("name", "required"),
        ("skillEvaluationMethod", "invalid.value"),
        ("mediaSettings.fax", "invalid.value"),
        ("mediaSettings.call.alertingTimeoutSeconds", "invalid.value"),
        ("mediaSettings.chat.serviceLevel.percentage", "invalid.value"),
        ("mediaSettings.chat.serviceLevel.durationMs", "invalid.value"),
        ("acwSettings.wrapupPrompt", "invalid.value"),
        ("acwSettings.timeoutMs", "invalid.value"),
        ("bullseye.rings[0].expansionCriteria[0].type", "invalid.value"),
        ("bullseye.rings[0].actions.skillsToRemove[0].id", "not.found"),
        ("memberGroups[1].type", "invalid.value"),
    }
    assert await read(api, qid) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"acwSettings": {"wrapupPrompt": "OPTIONAL", "timeoutMs": 60_000}}, "acwSettings.timeoutMs"),  # only with a timeout prompt
        ({"acwSettings": {"wrapupPrompt": "AGENT_REQUESTED", "timeoutMs": 3_600_001}}, "acwSettings.timeoutMs"),
        ({"bullseye": {"rings": [{"expansionCriteria": [], "actions": {}}] * 7}}, "bullseye.rings"),
        ({"bullseye": {"rings": [{"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": -1}]}]}}, "bullseye.rings[0].expansionCriteria[0].threshold"),
        ({"memberGroups": [{"id": "no-such-group", "type": "GROUP"}]}, "memberGroups[0].id"),
        ({"name": "Billing"}, "name"),  # another queue's name
        ({"enableTranscription": "yes"}, "enableTranscription"),
        ({"division": {"id": "nowhere"}}, "division.id"),
    ],
)
async def test_put_rejects(api, sim, change, field):
    qid = sim.sim.queue_ids_by_name()["Retention"]
    body = {**await read(api, qid), **change}
    status, err, _ = await api.put(f"{QUEUES}/{qid}", json=body)
    assert status == 400, err
    assert field in {d["fieldName"] for d in err["details"]}


async def test_put_member_groups_keeps_a_group_and_adds_a_skill_group(api, sim):
    s = sim.sim
    qid = s.queue_ids_by_name()["VIP"]
    outsiders = [uid for uid in s.user_ids() if uid not in s.org.queue(qid).members][:3]
    group = s.add_member_group(qid, "Team VIP", outsiders)
    sg = s.add_skill_group("VIP sellers", [{"routingSkillConditions": [{"routingSkill": "VIP Customers", "comparator": "GreaterThan", "proficiency": 3}]}])
    body = await read(api, qid)
    assert body["memberGroups"] == [{"id": group.id, "name": "Team VIP", "type": "GROUP"}]
    body["memberGroups"].append({"id": sg.id, "type": "SKILLGROUP"})
    status, after, _ = await api.put(f"{QUEUES}/{qid}", json=body)
    assert status == 200 and [g["type"] for g in after["memberGroups"]] == ["GROUP", "SKILLGROUP"]
    vip = s.skill_ids_by_name()["VIP Customers"]
    strong = {uid for uid, u in s.org.users.items() if u.skills.get(vip, -1) > 3}
    assert s.queue_member_ids(qid) >= set(outsiders) | strong
    body["memberGroups"] = []
    assert (await api.put(f"{QUEUES}/{qid}", json=body))[0] == 200
    assert s.queue_member_ids(qid) == set(s.org.queue(qid).members)  # left out: the groups are gone


async def test_wrapup_codes_org_listing_and_per_queue(api, sim):
    qid = sim.sim.queue_ids_by_name()["Collections"]
    status, org_codes, _ = await api.get("/api/v2/routing/wrapupcodes", params={"pageSize": "5"})
    assert status == 200 and org_codes["total"] == 12 and org_codes["pageCount"] == 3 and len(org_codes["entities"]) == 5
    code = org_codes["entities"][0]
    assert set(code) == {"id", "name", "description", "dateCreated", "dateModified", "selfUri", "division"}
    _, named, _ = await api.get("/api/v2/routing/wrapupcodes", params={"name": "Call*"})
    assert [c["name"] for c in named["entities"]] == ["Callback Scheduled"]
    _, every, _ = await api.get("/api/v2/routing/wrapupcodes", params={"pageSize": "100"})
    by_name = {c["name"]: c["id"] for c in every["entities"]}
    _, on_queue, _ = await api.get(f"{QUEUES}/{qid}/wrapupcodes", params={"pageSize": "100"})
    held = {c["id"] for c in on_queue["entities"]}
    assert 3 <= len(held) <= 6
    missing = [cid for cid in by_name.values() if cid not in held][:2]
    status, added, _ = await api.post(f"{QUEUES}/{qid}/wrapupcodes", json=[{"id": cid} for cid in missing] + [{"id": next(iter(held))}])
    assert status == 200 and isinstance(added, list) and len(added) == 3
    _, now, _ = await api.get(f"{QUEUES}/{qid}/wrapupcodes", params={"pageSize": "100"})
    assert {c["id"] for c in now["entities"]} == held | set(missing) and now["total"] == len(held) + 2
    assert (await api.delete(f"{QUEUES}/{qid}/wrapupcodes/{missing[0]}"))[0] == 204
    assert (await api.delete(f"{QUEUES}/{qid}/wrapupcodes/{missing[0]}"))[0] == 404
    status, err, _ = await api.post(f"{QUEUES}/{qid}/wrapupcodes", json=[{"id": missing[0]}, {"id": "nope"}])
    assert status == 400 and err["details"] == [{"fieldName": "id", "errorCode": "not.found", "entityId": "nope"}]
    _, after, _ = await api.get(f"{QUEUES}/{qid}/wrapupcodes", params={"pageSize": "100"})
    assert missing[0] not in {c["id"] for c in after["entities"]}  # all or nothing
    status, err, _ = await api.post(f"{QUEUES}/{qid}/wrapupcodes", json=[{"id": missing[0]}] * 101)
    assert status == 400 and err["details"][0]["errorCode"] == "max.size.exceeded"


async def test_member_activation_patch(api, sim):
    s = sim.sim
    qid = s.queue_ids_by_name()["Support EN"]
    members = sorted(s.org.queue(qid).members)
    outsider = next(uid for uid in s.user_ids() if uid not in s.org.queue(qid).members)
    body = [{"id": members[0], "joined": False}, {"id": members[1], "joined": True}, {"id": outsider, "joined": True}]
    status, answer, _ = await api.patch(f"{QUEUES}/{qid}/members", json=body)
    assert status == 200 and {m["id"]: m["joined"] for m in answer["entities"]} == {members[0]: False, members[1]: True}
    assert outsider not in s.org.queue(qid).members  # a non-member is dropped, not added
    _, unjoined, _ = await api.get(f"{QUEUES}/{qid}/members", params={"joined": "false", "pageSize": "100"})
    assert members[0] in {m["id"] for m in unjoined["entities"]} and members[1] not in {m["id"] for m in unjoined["entities"]}
    q = await read(api, qid)
    assert q["joinedMemberCount"] == sum(1 for j in s.org.queue(qid).members.values() if j)
    status, err, _ = await api.patch(f"{QUEUES}/{qid}/members", json=[{"id": members[0]}])
    assert status == 400 and err["details"][0]["fieldName"] == "[0].joined"
    status, err, _ = await api.patch(f"{QUEUES}/{qid}/members", json=[{"id": members[0], "joined": True}] * 101)
    assert status == 400 and err["details"][0]["errorCode"] == "max.size.exceeded"


async def test_concurrent_admin_edits_a_setting_after_a_read(api, sim):
    s = sim.sim
    qid = s.queue_ids_by_name()["Support ES"]
    first = await read(api, qid)  # knob off: nothing happens
    assert await read(api, qid) == first and s.queue_admin_edits() == []
    s.configure(always_admin_edit_queues=frozenset({qid}))
    stale = await read(api, qid)  # the other administrator edits right after this answer
    [edit] = s.queue_admin_edits()
    assert edit["queueId"] == qid and edit["field"] in ADMIN_EDITABLE and edit["trigger"] == "GET /api/v2/routing/queues/{queueId}"
    s.configure(always_admin_edit_queues=frozenset())
    fresh = await read(api, qid)
    assert fresh.get(edit["field"]) == edit["after"] != stale.get(edit["field"])
    _, edits, _ = await api.get("/__sim/queue-edits")
    assert edits == s.queue_admin_edits()
    # A client that merges onto the fresh read keeps the edit; one that writes its stale copy loses it.
    kept = {**fresh, "skillEvaluationMethod": "ALL"}
    assert (await api.put(f"{QUEUES}/{qid}", json=kept))[0] == 200
    assert (await read(api, qid)).get(edit["field"]) == edit["after"]
    assert (await api.put(f"{QUEUES}/{qid}", json={**stale, "skillEvaluationMethod": "ALL"}))[0] == 200
    assert (await read(api, qid)).get(edit["field"]) == stale.get(edit["field"])  # last writer wins


async def test_concurrent_admin_rate(api, sim):
    s = sim.sim
    qid = s.queue_ids_by_name()["Support FR"]
    s.configure(queue_admin_edit_rate=0.5)
    for _ in range(40):
        await read(api, qid)
    assert 8 <= len(s.queue_admin_edits()) <= 32
    assert all(e["queueId"] == qid for e in s.queue_admin_edits())


async def test_queue_configuration_survives_save_and_load(api, sim, tmp_path):
    s = sim.sim
    qid = s.queue_ids_by_name()["Support DE"]
    s.add_member_group(qid, "Team B", s.user_ids()[:2])
    body = await read(api, qid)
    body["acwSettings"] = {"wrapupPrompt": "AGENT_REQUESTED", "timeoutMs": 120_000}
    assert (await api.put(f"{QUEUES}/{qid}", json=body))[0] == 200
    member = sorted(s.org.queue(qid).members)[0]
    assert (await api.patch(f"{QUEUES}/{qid}/members", json=[{"id": member, "joined": False}]))[0] == 200
    s.configure(always_admin_edit_queues=frozenset({qid}))
    await read(api, qid)
    path = tmp_path / "org.json"
    s.save(path)
    loaded = Simulator.load(path)
    assert loaded.dump() == s.dump()
    assert loaded.org.queueconfig.settings[qid]["acwSettings"]["timeoutMs"] == 120_000
    assert loaded.org.queue(qid).members[member] is False and loaded.queue_admin_edits() == s.queue_admin_edits()
    assert [g.name for g in loaded.org.queue(qid).member_groups] == ["Team B"] and loaded.queue_member_ids(qid) == s.queue_member_ids(qid)


async def test_official_sdk_reads_and_writes_queue_configuration(sim):
    PureCloud = pytest.importorskip("PureCloudPlatformClientV2")
    s = sim.sim
    qid = s.queue_ids_by_name()["Sales"]
    sid = s.skill_ids_by_name()["Sales"]
    s.add_skill_group("Sellers", [{"routingSkillConditions": [{"routingSkill": "Sales", "comparator": "GreaterThan", "proficiency": 2}]}])
    s.add_flow_dependency("Main IVR", [sid])

    def go():
        client = PureCloud.ApiClient(host=sim.base_url).get_client_credentials_token(sim.client_id, sim.client_secret)
        routing = PureCloud.RoutingApi(client)
        q = routing.get_routing_queue(qid)
        body = PureCloud.QueueRequest()
        for attr in ("name", "description", "media_settings", "acw_settings", "scoring_method", "last_agent_routing_mode", "member_groups"):
            setattr(body, attr, getattr(q, attr))
        body.skill_evaluation_method = "ALL"
        ring = PureCloud.Ring()
        criterium = PureCloud.ExpansionCriterium()
        criterium.type, criterium.threshold = "TIMEOUT_SECONDS", 20.0
        remove = PureCloud.SkillsToRemove()
        remove.id = sid
        actions = PureCloud.Actions()
        actions.skills_to_remove = [remove]
        ring.expansion_criteria, ring.actions = [criterium], actions
        bullseye = PureCloud.Bullseye()
        bullseye.rings = [ring]
        body.bullseye = bullseye
        put = routing.put_routing_queue(qid, body)
        groups = routing.get_routing_skillgroups(page_size=10)
        codes = routing.get_routing_queue_wrapupcodes(qid)
        deps = PureCloud.ArchitectApi(client).get_architect_dependencytracking_consumingresources(sid, "ACDSKILL")
        return q, put, groups, codes, deps

    q, put, groups, codes, deps = await asyncio.to_thread(go)
    assert q.media_settings.email.service_level.percentage == 0.8 and q.acw_settings.wrapup_prompt == "MANDATORY_TIMEOUT"
    assert put.skill_evaluation_method == "ALL" and put.bullseye.rings[0].actions.skills_to_remove[0].name == "Sales"
    assert put.media_settings.call.alerting_timeout_seconds == q.media_settings.call.alerting_timeout_seconds
    assert [g.name for g in groups.entities] == ["Sellers"]
    assert codes.total == len(codes.entities) >= 3
    assert [d.name for d in deps.entities] == ["Main IVR"] and deps.entities[0].type == "INBOUNDCALLFLOW"
