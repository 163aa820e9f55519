"""Skill definitions and queue configuration through the real client, against the simulator over
loopback HTTP; and the decoders' shape checks directly."""

from __future__ import annotations

import pytest
from helpers.clients import make_client, no_backoff
from helpers.faultproxy import Answer, status

from bulkops.client.endpoints import routing_config as rc
from bulkops.client.endpoints import routing_records as rec
from bulkops.client.wire import ShapeError
from bulkops.errors import BadRequestError, ConflictError, MalformedResponseError, NotFoundError
from bulkops.simulator import SimConfig


def cond(skill: str, proficiency: int = 1) -> list[dict]:
    return [{"routingSkillConditions": [{"routingSkill": skill, "comparator": "GreaterThanOrEqualTo", "proficiency": proficiency}], "operation": "And"}]


# ---------------------------------------------------------------------- skill definitions
async def test_skill_definitions_list_get_create_move(sim, client):
    divisions = sim.sim.division_ids_by_name()
    skills = await rc.list_skill_definitions(client)
    assert sorted(s.name for s in skills) == sorted(sim.sim.skill_ids_by_name()) and all(s.active for s in skills)
    [sales] = await rc.list_skill_definitions(client, name="Sales")
    assert sales.division == rec.DivisionRef(divisions["Home"], "Home") and isinstance(sales.version, str)
    created = await rc.create_skill_definition(client, "Crypto Support", division_id=divisions["EMEA"])
    assert created.name == "Crypto Support" and created.division and created.division.id == divisions["EMEA"]
    moved = await rc.move_skill_definition(client, sales.id, divisions["North America"])
    assert moved.division and moved.division.id != divisions["Home"] and int(moved.version or 0) == int(sales.version or 0) + 1
    assert (await rc.get_skill_definition(client, sales.id)).division == moved.division
    with pytest.raises(NotFoundError):
        await rc.get_skill_definition(client, "nope")


async def test_delete_in_use_is_its_own_conflict_and_a_free_skill_is_deleted(sim, client):
    s = sim.sim
    ids = s.skill_ids_by_name()
    s.add_flow_dependency("Main IVR", [ids["Billing"]])
    with pytest.raises(rc.SkillInUseError) as err:
        await rc.delete_skill_definition(client, ids["Billing"])
    assert isinstance(err.value, ConflictError) and err.value.status == 409 and err.value.attempts == 1
    assert "Main IVR" not in str(err.value)  # the API names nothing
    await rc.delete_skill_definition(client, ids["Sales"])
    gone = await rc.get_skill_definition(client, ids["Sales"])
    assert gone.state == "deleted" and not gone.active
    assert "Sales" not in {x.name for x in await rc.list_skill_definitions(client)}
    with pytest.raises(NotFoundError):
        await rc.delete_skill_definition(client, ids["Sales"])


async def test_what_depends_on_a_skill_groups_rings_and_flows(sim, client):
    s = sim.sim
    ids = s.skill_ids_by_name()
    for i, name in enumerate(["Billing", "Sales", "Retention", "Complaints", "Refunds"]):
        s.add_skill_group(f"Group {i}", cond(name))
    nested = [
        {
            "routingSkillConditions": [{"routingSkill": "Sales", "comparator": "GreaterThan", "proficiency": 1, "childConditions": cond("Upsell", 3)}],
            "languageSkillConditions": [{"languageSkill": "English", "comparator": "GreaterThan", "proficiency": 2}],
            "operation": "Or",
        }
    ]
    s.add_skill_group("Nested", nested)
    summaries = await rc.list_skill_groups(client, page_size=2)  # four pages, by name
    assert [g.name for g in summaries] == ["Group 0", "Group 1", "Group 2", "Group 3", "Group 4", "Nested"]
    groups = await rc.skill_groups_with_conditions(client)
    by_name = {g.name: g for g in groups}
    assert by_name["Group 3"].skill_names() == {"Complaints"}
    assert by_name["Nested"].skill_names() == {"Sales", "Upsell"}  # children included, languages not
    term = by_name["Nested"].conditions[0].terms[0]
    assert (term.kind, term.comparator, term.proficiency, by_name["Nested"].conditions[0].operation) == ("skill", "GreaterThan", 1, "Or")
    s.add_flow_dependency("Main IVR", [ids["Billing"]])
    s.add_flow_dependency("Draft IVR", [ids["Billing"]], published=False)
    flows = await rc.flows_consuming_skill(client, ids["Billing"])
    assert [(f.name, f.type, f.deleted) for f in flows] == [("Draft IVR", "INBOUNDCALLFLOW", False), ("Main IVR", "INBOUNDCALLFLOW", False)]
    assert [f.name for f in await rc.flows_consuming_skill(client, ids["Billing"], published_only=True)] == ["Main IVR"]
    assert await rc.flows_consuming_skill(client, ids["Sales"]) == []


# ---------------------------------------------------------------------- queue configuration
async def test_queue_config_read_modify_write_keeps_what_it_does_not_name(sim, client):
    s = sim.sim
    ids, qid = s.skill_ids_by_name(), s.queue_ids_by_name()["Billing"]
    before = await rc.get_queue_config(client, qid)
    assert before.skill_evaluation_method == "BEST" and before.acw == rec.AcwSettings("MANDATORY_TIMEOUT", 300_000)
    assert set(before.media) == set(rec.MEDIA_TYPES) and before.media["email"].service_level == rec.ServiceLevel(0.8, 86_400_000)
    assert before.rings == () and before.member_groups == ()
    body = before.request_body()
    assert not rec.QUEUE_READ_ONLY & set(body) and body["mediaSettings"] == before.raw["mediaSettings"]
    body["mediaSettings"]["email"]["serviceLevel"] = {"percentage": 0.95, "durationMs": 7_200_000}
    body["skillEvaluationMethod"] = "ALL"
    body["bullseye"] = {
        "rings": [
            {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 20}], "actions": {"skillsToRemove": [{"id": ids["Billing"]}]}},
            {"expansionCriteria": [], "actions": {"skillsToRemove": []}},
        ]
    }
    after = await rc.put_queue_config(client, qid, body)
    assert after.skill_evaluation_method == "ALL" and after.media["email"].service_level == rec.ServiceLevel(0.95, 7_200_000)
    assert after.rings[0] == rec.BullseyeRing(20.0, (ids["Billing"],), ()) and after.rings[1].timeout_seconds is None
    again = await rc.get_queue_config(client, qid)
    assert again.raw == after.raw
    skip = {"skillEvaluationMethod", "mediaSettings", "bullseye", "dateModified"}
    assert {k: v for k, v in again.raw.items() if k not in skip} == {k: v for k, v in before.raw.items() if k not in skip}
    with pytest.raises(rc.SkillInUseError):
        await rc.delete_skill_definition(client, ids["Billing"])  # the ring uses it


async def test_queue_config_survives_another_admin_between_reads(sim, client):
    s = sim.sim
    qid = s.queue_ids_by_name()["Sales"]
    planned = await rc.get_queue_config(client, qid)
    s.configure(queue_admin_edit_rate=1.0)
    await rc.get_queue_config(client, qid)  # another administrator edits right after this read
    s.configure(queue_admin_edit_rate=0.0)
    [edit] = s.queue_admin_edits()
    fresh = await rc.get_queue_config(client, qid)
    assert fresh.raw.get(edit["field"]) == edit["after"] != planned.raw.get(edit["field"])
    body = fresh.request_body()
    body["skillEvaluationMethod"] = "NONE"
    written = await rc.put_queue_config(client, qid, body)
    assert written.raw.get(edit["field"]) == edit["after"] and written.skill_evaluation_method == "NONE"


async def test_a_bad_queue_body_is_a_bad_request_naming_the_fields(sim, client):
    qid = sim.sim.queue_ids_by_name()["Sales"]
    body = (await rc.get_queue_config(client, qid)).request_body()
    body["acwSettings"] = {"wrapupPrompt": "OPTIONAL", "timeoutMs": 60_000}
    body["mediaSettings"]["call"]["serviceLevel"]["percentage"] = 80
    with pytest.raises(BadRequestError) as err:
        await rc.put_queue_config(client, qid, body)
    assert err.value.status == 400 and "acwSettings.timeoutMs" in (err.value.body or "") and "serviceLevel.percentage" in (err.value.body or "")
    with pytest.raises(ValueError):
        await rc.put_queue_config(client, qid, {"skillEvaluationMethod": "ALL"})


async def test_wrapup_codes_and_member_activation(sim, client):
    s = sim.sim
    qid = s.queue_ids_by_name()["Retention"]
    every = await rc.list_wrapup_codes(client)
    assert len(every) == 12 and all(c.division and c.division.name == "Home" for c in every)
    assert [c.name for c in await rc.list_wrapup_codes(client, name="No*")] == ["No Answer"]
    held = {c.id for c in await rc.queue_wrapup_codes(client, qid)}
    missing = [c.id for c in every if c.id not in held]
    added = await rc.add_queue_wrapup_codes(client, qid, missing[:2] + [missing[0]])
    assert [c.id for c in added] == missing[:2]
    await rc.remove_queue_wrapup_code(client, qid, missing[0])
    assert {c.id for c in await rc.queue_wrapup_codes(client, qid)} == held | {missing[1]}
    with pytest.raises(NotFoundError):
        await rc.remove_queue_wrapup_code(client, qid, missing[0])
    members = sorted(s.org.queue(qid).members)
    outsider = next(uid for uid in s.user_ids() if uid not in s.org.queue(qid).members)
    answer = await rc.set_members_joined(client, qid, {members[0]: False, members[1]: True, outsider: True})
    assert answer == {members[0]: False, members[1]: True}
    assert s.org.queue(qid).members[members[0]] is False


async def test_member_activation_is_sent_100_a_request(sim, client):
    s = sim.sim
    s.reset(SimConfig(users=1200, queues=2))
    qid, members = max(((q.id, sorted(q.members)) for q in s.org.queues.values()), key=lambda x: len(x[1]))
    assert len(members) > 200
    answer = await rc.set_members_joined(client, qid, dict.fromkeys(members, False))
    assert answer == dict.fromkeys(members, False)
    sent = s.stats()["byRoute"]["PATCH /api/v2/routing/queues/{queueId}/members"]["total"]
    assert sent == -(-len(members) // 100)


async def test_a_malformed_queue_answer_is_retried_then_a_malformed_response(sim, proxy):
    qid = sim.sim.queue_ids_by_name()["Sales"]
    c = make_client(sim, via=proxy, rps=500, backoff=no_backoff, max_attempts=3)
    try:
        rule = proxy.inject("GET", rf"/api/v2/routing/queues/{qid}", Answer(200, b'{"id": "x"}', {"Content-Type": "application/json"}), times=1)
        assert (await rc.get_queue_config(c, qid)).id == qid and rule.injected == 1  # one bad answer, then the real one
        proxy.inject("GET", r"/api/v2/routing/skillgroups", status(200, {"entities": [], "nextUri": 5}))
        sim.sim.add_skill_group("Billing experts", cond("Billing"))
        assert await rc.list_skill_groups(c) == []  # an empty page ends the listing, whatever it says
        proxy.clear()
        proxy.inject("GET", r"/api/v2/routing/skillgroups/[^/]+", status(200, {"id": "g", "name": "G"}))
        with pytest.raises(MalformedResponseError):
            await rc.get_skill_group(c, "g")
    finally:
        await c.close()


# ---------------------------------------------------------------------- decoders
@pytest.mark.parametrize(
    ("decode", "data"),
    [
        (rec.skill_definition, {"id": "s"}),
        (rec.skill_group, {"id": "g", "name": "G"}),  # no conditions: a listing entry, not a group
        (rec.skill_group, {"id": "g", "name": "G", "skillConditions": [{"routingSkillConditions": [{"routingSkill": "A", "proficiency": "3"}]}]}),
        (rec.queue_config, {"id": "q", "name": "Q", "mediaSettings": {"call": {"alertingTimeoutSeconds": "8"}}}),
        (rec.queue_config, {"id": "q", "name": "Q", "bullseye": {"rings": [{"actions": {"skillsToRemove": [{"name": "no id"}]}}]}}),
        (rec.queue_config, {"id": "q", "name": "Q", "division": {"name": "no id"}}),
        (rec.joined_members, {"entities": [{"id": "u"}]}),
        (rec.wrapup_codes, {"entities": []}),
        (rec.flow_dependency, {"id": "f"}),
    ],
)
def test_decoders_refuse_what_the_contract_does_not_document(decode, data):
    with pytest.raises(ShapeError):
        decode(data)


def test_skill_group_pages_follow_after_and_refuse_a_cursor_seen_before():
    page = {"entities": [{"id": "g1", "name": "A"}], "nextUri": "/api/v2/routing/skillgroups?pageSize=1&after=abc"}
    groups, after = rec.skill_group_page(page, seen=set())
    assert [g.name for g in groups] == ["A"] and after == "abc"
    with pytest.raises(ShapeError):
        rec.skill_group_page(page, seen={"abc"})
    with pytest.raises(ShapeError):
        rec.skill_group_page({"entities": [{"id": "g1", "name": "A"}], "nextUri": "/api/v2/routing/skillgroups?pageSize=1"}, seen=set())
    assert rec.skill_group_page({"entities": [{"id": "g1", "name": "A"}]}, seen=set())[1] is None


def test_request_body_is_a_copy_without_what_the_system_sets():
    q = rec.queue_config(
        {"id": "q", "name": "Q", "memberCount": 3, "dateModified": "x", "mediaSettings": {"call": {"alertingTimeoutSeconds": 8}}, "peerId": "p"}
    )
    body = q.request_body()
    assert body == {"name": "Q", "mediaSettings": {"call": {"alertingTimeoutSeconds": 8}}, "peerId": "p"}
    body["mediaSettings"]["call"]["alertingTimeoutSeconds"] = 9
    assert q.raw["mediaSettings"]["call"]["alertingTimeoutSeconds"] == 8 and q.media["call"].alerting_timeout_seconds == 8
