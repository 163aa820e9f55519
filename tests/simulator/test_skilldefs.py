"""Skill definitions over HTTP: division move, the guarded delete, skill groups, dependency tracking."""

from __future__ import annotations

from bulkops.simulator import Simulator
from bulkops.simulator.model.skilldefs import IN_USE_MESSAGE

SKILLS = "/api/v2/routing/skills"
GROUPS = "/api/v2/routing/skillgroups"
CONSUMERS = "/api/v2/architect/dependencytracking/consumingresources"


def cond(skill: str, comparator: str = "GreaterThanOrEqualTo", proficiency: int = 1, operation: str = "And") -> list[dict]:
    return [
        {
            "routingSkillConditions": [{"routingSkill": skill, "comparator": comparator, "proficiency": proficiency, "childConditions": []}],
            "operation": operation,
        }
    ]


def holders(sim, skill_id: str) -> list[str]:
    return [uid for uid in sim.sim.user_ids() if skill_id in sim.sim.org.users[uid].skills]


async def test_create_takes_an_optional_division(api, sim):
    divisions = sim.sim.division_ids_by_name()
    status, s, _ = await api.post(SKILLS, json={"name": "Crypto Support", "divisionId": divisions["EMEA"]})
    assert status == 200 and s["division"]["id"] == divisions["EMEA"]
    status, home, _ = await api.post(SKILLS, json={"name": "Crypto Sales"})
    assert status == 200 and home["division"]["name"] == "Home"


async def test_patch_moves_a_skill_to_another_division(api, sim):
    ids, divisions = sim.sim.skill_ids_by_name(), sim.sim.division_ids_by_name()
    _, before, _ = await api.get(f"{SKILLS}/{ids['Sales']}")
    status, moved, _ = await api.patch(f"{SKILLS}/{ids['Sales']}", json={"divisionId": divisions["EMEA"]})
    assert status == 200 and moved["division"] == {"id": divisions["EMEA"], "name": "EMEA", "selfUri": f"/api/v2/authorization/divisions/{divisions['EMEA']}"}
    assert int(moved["version"]) == int(before["version"]) + 1 and moved["name"] == "Sales"
    _, again, _ = await api.get(f"{SKILLS}/{ids['Sales']}")
    assert again["division"]["id"] == divisions["EMEA"]
    status, err, _ = await api.patch(f"{SKILLS}/{ids['Sales']}", json={})
    assert status == 400 and err["details"] == [{"fieldName": "divisionId", "errorCode": "required"}]
    status, err, _ = await api.patch(f"{SKILLS}/{ids['Sales']}", json={"divisionId": "nope"})
    assert status == 400 and err["details"][0]["errorCode"] == "not.found"
    assert (await api.patch(f"{SKILLS}/nope", json={"divisionId": divisions["EMEA"]}))[0] == 404


async def test_delete_of_an_unreferenced_skill_keeps_it_as_deleted_and_users_keep_the_assignment(api, sim):
    sid = sim.sim.skill_ids_by_name()["Retention"]
    held_by = holders(sim, sid)
    assert held_by, "the seeded org gives every skill some holders"
    assert (await api.delete(f"{SKILLS}/{sid}"))[0] == 204
    status, gone, _ = await api.get(f"{SKILLS}/{sid}")
    assert status == 200 and gone["state"] == "deleted"
    _, listing, _ = await api.get(SKILLS, params={"name": "Retention"})
    assert listing["total"] == 0  # the listing leaves deleted skills out
    _, assigned, _ = await api.get(f"/api/v2/users/{held_by[0]}/routingskills", params={"pageSize": "100"})
    [entry] = [e for e in assigned["entities"] if e["id"] == sid]
    assert entry["state"] == "deleted"  # users keep it, shown deleted
    status, _, _ = await api.patch(f"/api/v2/users/{held_by[0]}/routingskills/bulk", json=[{"id": sid, "proficiency": 3}])
    assert status == 400  # cannot be assigned again
    assert (await api.delete(f"{SKILLS}/{sid}"))[0] == 404  # a deleted skill is gone for writes
    assert (await api.patch(f"{SKILLS}/{sid}", json={"divisionId": sim.sim.division_ids_by_name()["Home"]}))[0] == 404


async def _refused(api, sid: str) -> dict:
    status, err, _ = await api.delete(f"{SKILLS}/{sid}")
    assert status == 409, err
    assert err["code"] == "general.conflict" and err["message"] == IN_USE_MESSAGE
    assert err["details"] == [] and "entityId" not in err  # names nothing that references it
    _, still, _ = await api.get(f"{SKILLS}/{sid}")
    assert still["state"] == "active"
    return err


async def test_delete_refused_while_a_skill_group_names_the_skill(api, sim):
    ids = sim.sim.skill_ids_by_name()
    status, group, _ = await api.post(GROUPS, json={"name": "Billing experts", "skillConditions": cond("Billing", proficiency=3)})
    assert status == 200
    err = await _refused(api, ids["Billing"])
    assert "Billing experts" not in err["message"]
    assert (await api.delete(f"{GROUPS}/{group['id']}"))[0] == 204
    assert (await api.delete(f"{SKILLS}/{ids['Billing']}"))[0] == 204


async def test_delete_refused_while_a_child_condition_names_the_skill(api, sim):
    ids = sim.sim.skill_ids_by_name()
    nested = [
        {
            "routingSkillConditions": [
                {"routingSkill": "Sales", "comparator": "GreaterThan", "proficiency": 0, "childConditions": cond("Upsell", "EqualTo", 5)},
            ],
            "operation": "Or",
        }
    ]
    sim.sim.add_skill_group("Upsellers", nested)
    await _refused(api, ids["Upsell"])


async def test_delete_refused_while_a_queue_ring_removes_the_skill(api, sim):
    ids, queues = sim.sim.skill_ids_by_name(), sim.sim.queue_ids_by_name()
    qid = queues["Sales"]
    _, queue, _ = await api.get(f"/api/v2/routing/queues/{qid}")
    queue["bullseye"] = {
        "rings": [
            {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 20}], "actions": {"skillsToRemove": [{"id": ids["Sales"]}]}},
            {"expansionCriteria": [], "actions": {"skillsToRemove": []}},
        ]
    }
    status, put, _ = await api.put(f"/api/v2/routing/queues/{qid}", json=queue)
    assert status == 200 and put["bullseye"]["rings"][0]["actions"]["skillsToRemove"][0]["name"] == "Sales"
    await _refused(api, ids["Sales"])
    queue["bullseye"] = {"rings": []}
    assert (await api.put(f"/api/v2/routing/queues/{qid}", json=queue))[0] == 200
    assert (await api.delete(f"{SKILLS}/{ids['Sales']}"))[0] == 204


async def test_delete_refused_while_a_flow_consumes_the_skill(api, sim):
    sid = sim.sim.skill_ids_by_name()["Collections"]
    sim.sim.add_flow_dependency("Main IVR", [sid])
    await _refused(api, sid)


async def test_skill_groups_listing_is_cursor_paged_without_conditions(api, sim):
    for i, skill in enumerate(["Billing", "Sales", "Retention", "Complaints", "Refunds"]):
        sim.sim.add_skill_group(f"Group {i} {skill}", cond(skill))
    status, first, _ = await api.get(GROUPS, params={"pageSize": "2"})
    assert status == 200 and set(first) == {"entities", "nextUri", "selfUri"}
    assert [g["name"] for g in first["entities"]] == ["Group 0 Billing", "Group 1 Sales"]
    assert set(first["entities"][0]) == {"id", "name", "description", "memberCount", "dateModified", "dateCreated", "selfUri", "division"}
    names = [g["name"] for g in first["entities"]]
    nxt = first["nextUri"]
    while nxt:
        assert nxt.startswith(GROUPS + "?") and "after=" in nxt
        _, page, _ = await api.get(nxt)
        names += [g["name"] for g in page["entities"]]
        assert "previousUri" in page
        nxt = page.get("nextUri")
    assert names == [f"Group {i} {s}" for i, s in enumerate(["Billing", "Sales", "Retention", "Complaints", "Refunds"])]
    _, by_name, _ = await api.get(GROUPS, params={"name": "group 3"})
    assert [g["name"] for g in by_name["entities"]] == ["Group 3 Complaints"]


async def test_skill_group_get_post_patch_and_members(api, sim):
    s = sim.sim
    sales = s.skill_ids_by_name()["Sales"]
    expected = {uid for uid in s.user_ids() if s.org.users[uid].skills.get(sales, -1) >= 3}
    status, created, _ = await api.post(
        GROUPS, json={"name": "Strong sellers", "description": "sales >= 3", "skillConditions": cond("sales", proficiency=3), "memberDivisions": ["*"]}
    )
    assert status == 200 and created["memberDivisions"] == ["*"] and created["status"] == "Complete"
    assert created["skillConditions"][0]["routingSkillConditions"][0]["routingSkill"] == "Sales"  # the skill's own spelling
    assert created["memberCount"] == len(expected)
    _, one, _ = await api.get(f"{GROUPS}/{created['id']}")
    assert one["skillConditions"] == created["skillConditions"] and one["division"]["name"] == "Home"
    status, patched, _ = await api.patch(f"{GROUPS}/{created['id']}", json={"name": "Sellers", "skillConditions": cond("Sales", "LessThan", 1)})
    assert status == 200 and patched["name"] == "Sellers" and patched["description"] == "sales >= 3"
    assert patched["memberCount"] == sum(1 for u in s.org.users.values() if 0 <= u.skills.get(sales, -1) < 1)
    assert (await api.post(GROUPS, json={"name": "sellers", "skillConditions": cond("Sales")}))[0] == 409
    assert (await api.get(f"{GROUPS}/nope"))[0] == 404


async def test_skill_group_validation_reports_every_problem(api, sim):
    bad = [
        {
            "routingSkillConditions": [
                {"routingSkill": "No Such Skill", "comparator": "Around", "proficiency": 7, "childConditions": []},
            ],
            "operation": "Xor",
        }
    ]
    status, err, _ = await api.post(GROUPS, json={"name": "Broken", "skillConditions": bad})
    assert status == 400 and err["code"] == "bad.request"
    assert {(d["fieldName"], d["errorCode"]) for d in err["details"]} == {
        ("skillConditions[0].operation", "invalid.value"),
        ("skillConditions[0].routingSkillConditions[0].routingSkill", "not.found"),
        ("skillConditions[0].routingSkillConditions[0].comparator", "invalid.value"),
        ("skillConditions[0].routingSkillConditions[0].proficiency", "invalid.value"),
    }
    assert (await api.post(GROUPS, json={"name": "Empty", "skillConditions": []}))[0] == 400
    assert (await api.post(GROUPS, json={"skillConditions": cond("Sales")}))[0] == 400


async def test_consuming_resources_lists_flows_with_the_real_query(api, sim):
    s = sim.sim
    ids = s.skill_ids_by_name()
    s.add_flow_dependency("Main IVR", [ids["Billing"], ids["Sales"]])
    s.add_flow_dependency("Billing in-queue", [ids["Billing"]], type="INQUEUECALLFLOW", published=False)
    status, listing, _ = await api.get(CONSUMERS, params={"id": ids["Billing"], "objectType": "ACDSKILL"})
    assert status == 200 and listing["total"] == 2 and listing["pageNumber"] == 1
    assert [d["name"] for d in listing["entities"]] == ["Billing in-queue", "Main IVR"]
    dep = listing["entities"][1]
    assert set(dep) == {"id", "name", "version", "type", "deleted", "updated", "stateUnknown", "selfUri"} and dep["type"] == "INBOUNDCALLFLOW"
    _, published, _ = await api.get(CONSUMERS, params={"id": ids["Billing"], "objectType": "ACDSKILL", "flowFilter": "published"})
    assert [d["name"] for d in published["entities"]] == ["Main IVR"]
    _, typed, _ = await api.get(CONSUMERS, params={"id": ids["Billing"], "objectType": "ACDSKILL", "resourceType": "INQUEUECALLFLOW"})
    assert [d["name"] for d in typed["entities"]] == ["Billing in-queue"]
    _, none, _ = await api.get(CONSUMERS, params={"id": ids["Retention"], "objectType": "ACDSKILL"})
    assert none["total"] == 0 and none["entities"] == []
    status, err, _ = await api.get(CONSUMERS, params={"id": ids["Billing"]})
    assert status == 400 and err["details"] == [{"fieldName": "objectType", "errorCode": "required"}]
    assert (await api.get(CONSUMERS, params={"id": ids["Billing"], "objectType": "SKILL"}))[0] == 400


async def test_skill_groups_and_flows_survive_save_and_load(sim, tmp_path):
    s = sim.sim
    ids = s.skill_ids_by_name()
    group = s.add_skill_group("Billing experts", cond("Billing", proficiency=2))
    flow = s.add_flow_dependency("Main IVR", [ids["Billing"]], published=False)
    s.configure(always_admin_edit_queues=frozenset({"q-1"}), queue_admin_edit_rate=0.25)
    path = tmp_path / "org.json"
    s.save(path)
    loaded = Simulator.load(path)
    assert loaded.dump() == s.dump()
    assert loaded.org.skilldefs.groups[group.id].conditions == group.conditions
    assert loaded.org.skilldefs.flows[flow.id].skill_ids == {ids["Billing"]} and not loaded.org.skilldefs.flows[flow.id].published
    assert loaded.config.always_admin_edit_queues == frozenset({"q-1"}) and loaded.config.queue_admin_edit_rate == 0.25
