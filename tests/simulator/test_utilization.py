"""Agent utilization and utilization labels, over HTTP: shapes, validation, labels in use."""

from __future__ import annotations

from bulkops.simulator import SimConfig, Simulator

USER_UTIL = "/api/v2/routing/users/{}/utilization"
ORG_UTIL = "/api/v2/routing/utilization"
LABELS = "/api/v2/routing/utilization/labels"


def _first_user(sim) -> str:
    return sim.sim.user_ids()[0]


async def _label(api, name: str, **extra) -> dict:
    status, body, _ = await api.post(LABELS, json={"name": name, **extra})
    assert status == 200, body
    return body


async def test_a_user_without_a_setting_reads_the_org_default(api, sim):
    status, org, _ = await api.get(ORG_UTIL)
    assert status == 200 and set(org) == {"utilization", "labelUtilizations"}
    assert list(org["utilization"]) == ["call", "callback", "chat", "email", "message", "workitem"]
    assert org["utilization"]["chat"] == {"maximumCapacity": 4, "interruptableMediaTypes": [], "includeNonAcd": False}
    status, user, _ = await api.get(USER_UTIL.format(_first_user(sim)))
    assert status == 200 and user["level"] == "Organization"
    assert user["utilization"] == org["utilization"]
    assert (await api.get(USER_UTIL.format("no-such-user")))[0] == 404


async def test_put_replaces_the_whole_setting_and_omitted_media_types_take_the_org_default(api, sim):
    uid = _first_user(sim)
    vip = await _label(api, "VIP")
    body = {
        "utilization": {"email": {"maximumCapacity": 3, "interruptableMediaTypes": ["call"], "includeNonAcd": True}},
        "labelUtilizations": {vip["id"]: {"maximumCapacity": 1}},
    }
    status, put, _ = await api.put(USER_UTIL.format(uid), json=body)
    assert status == 200 and put["level"] == "Agent"
    assert put["utilization"]["email"] == {"maximumCapacity": 3, "interruptableMediaTypes": ["call"], "includeNonAcd": True}
    assert put["utilization"]["chat"]["maximumCapacity"] == 4  # the org default's value
    assert put["labelUtilizations"] == {vip["id"]: {"maximumCapacity": 1, "interruptingLabelIds": [], "labelName": "VIP"}}
    _, read, _ = await api.get(USER_UTIL.format(uid))
    assert read == put
    # a second PUT replaces: the label is gone, email back to the org default's value
    _, again, _ = await api.put(USER_UTIL.format(uid), json={"utilization": {"chat": {"maximumCapacity": 2}}})
    assert again["labelUtilizations"] == {} and again["utilization"]["email"]["maximumCapacity"] == 1
    assert again["utilization"]["chat"]["maximumCapacity"] == 2


async def test_delete_returns_the_user_to_the_org_default(api, sim):
    uid = _first_user(sim)
    sim.sim.set_user_utilization(uid, {"utilization": {"call": {"maximumCapacity": 2}}})
    assert (await api.get(USER_UTIL.format(uid)))[1]["level"] == "Agent"
    assert (await api.delete(USER_UTIL.format(uid)))[0] == 204
    _, back, _ = await api.get(USER_UTIL.format(uid))
    assert back["level"] == "Organization" and back["utilization"]["call"]["maximumCapacity"] == 1
    assert (await api.delete(USER_UTIL.format(uid)))[0] == 204  # already inheriting: no error


async def test_invalid_settings_are_refused_whole_with_details(api, sim):
    uid = _first_user(sim)
    cases = [
        ({"utilization": {"fax": {"maximumCapacity": 1}}}, "utilization.fax"),
        ({"utilization": {"email": {"maximumCapacity": 26}}}, "utilization.email.maximumCapacity"),
        ({"utilization": {"email": {"maximumCapacity": -1}}}, "utilization.email.maximumCapacity"),
        ({"utilization": {"email": {"maximumCapacity": 1.5}}}, "utilization.email.maximumCapacity"),
        ({"utilization": {"email": {"maximumCapacity": True}}}, "utilization.email.maximumCapacity"),
        ({"utilization": {"email": {}}}, "utilization.email.maximumCapacity"),
        ({"utilization": {"email": {"maximumCapacity": 1, "interruptableMediaTypes": ["email"]}}}, "utilization.email.interruptableMediaTypes"),
        ({"utilization": {"email": {"maximumCapacity": 1, "interruptableMediaTypes": ["sms"]}}}, "utilization.email.interruptableMediaTypes"),
        ({"utilization": {"email": {"maximumCapacity": 1, "interruptableMediaTypes": ["call", "call"]}}}, "utilization.email.interruptableMediaTypes"),
        ({"utilization": {"email": {"maximumCapacity": 1, "includeNonAcd": "yes"}}}, "utilization.email.includeNonAcd"),
        ({"labelUtilizations": {"no-such-label": {"maximumCapacity": 1}}}, "labelUtilizations.no-such-label"),
        ({"maxInboundCalls": 99}, "maxInboundCalls"),
        ({"utilization": []}, "utilization"),
    ]
    for body, field in cases:
        status, err, _ = await api.put(USER_UTIL.format(uid), json=body)
        assert status == 400, body
        assert err["code"] == "bad.request" and field in {d["fieldName"] for d in err["details"]}, (body, err)
    assert (await api.put(USER_UTIL.format(uid), json=[1]))[0] == 400
    # nothing was applied by any refused request
    assert (await api.get(USER_UTIL.format(uid)))[1]["level"] == "Organization"


async def test_interrupting_labels_must_exist_and_not_be_the_label_itself(api, sim):
    uid = _first_user(sim)
    a, b = await _label(api, "Gold"), await _label(api, "Silver")
    ok = {"labelUtilizations": {a["id"]: {"maximumCapacity": 2, "interruptingLabelIds": [b["id"]]}}}
    assert (await api.put(USER_UTIL.format(uid), json=ok))[0] == 200
    for ids in ([a["id"]], ["nope"]):
        status, err, _ = await api.put(USER_UTIL.format(uid), json={"labelUtilizations": {a["id"]: {"maximumCapacity": 2, "interruptingLabelIds": ids}}})
        assert status == 400 and err["details"][0]["fieldName"] == f"labelUtilizations.{a['id']}.interruptingLabelIds"


async def test_org_default_put_and_delete(api, sim):
    uid = _first_user(sim)
    status, org, _ = await api.put(ORG_UTIL, json={"utilization": {"message": {"maximumCapacity": 6}}, "maxInboundCalls": 2})
    assert status == 200 and org["utilization"]["message"]["maximumCapacity"] == 6 and org["maxInboundCalls"] == 2
    assert org["utilization"]["email"]["interruptableMediaTypes"] == ["call", "callback", "chat", "message"]  # system default
    _, user, _ = await api.get(USER_UTIL.format(uid))
    assert user["level"] == "Organization" and user["utilization"]["message"]["maximumCapacity"] == 6
    assert (await api.put(ORG_UTIL, json={"utilization": {"message": {"maximumCapacity": 30}}}))[0] == 400
    assert (await api.delete(ORG_UTIL))[0] == 204
    _, reset, _ = await api.get(ORG_UTIL)
    assert reset["utilization"]["message"]["maximumCapacity"] == 1 and "maxInboundCalls" not in reset


async def test_labels_listing_is_paged_by_name_with_wildcards_and_sort_order(api, sim):
    for name in ("beta", "Alpha", "gamma ray", "Gamma"):
        await _label(api, name)
    status, page, _ = await api.get(LABELS, params={"pageSize": "2"})
    assert status == 200 and page["total"] == 4 and page["pageCount"] == 2 and "nextUri" in page
    assert [x["name"] for x in page["entities"]] == ["Alpha", "beta"]
    assert set(page["entities"][0]) == {"id", "name", "selfUri"}
    _, desc, _ = await api.get(LABELS, params={"sortOrder": "descending"})
    assert [x["name"] for x in desc["entities"]] == ["gamma ray", "Gamma", "beta", "Alpha"]
    _, exact, _ = await api.get(LABELS, params={"name": "GAMMA"})
    assert [x["name"] for x in exact["entities"]] == ["Gamma"]
    _, prefix, _ = await api.get(LABELS, params={"name": "gam*"})
    assert [x["name"] for x in prefix["entities"]] == ["Gamma", "gamma ray"]
    _, contains, _ = await api.get(LABELS, params={"name": "*a r*"})
    assert [x["name"] for x in contains["entities"]] == ["gamma ray"]
    assert (await api.get(LABELS, params={"pageSize": "101"}))[0] == 400


async def test_label_names_follow_the_api_rules_and_duplicates_ignore_case(api, sim):
    created = await _label(api, "Priority")
    assert created["selfUri"] == f"{LABELS}/{created['id']}"
    for bad in ("", "   ", " lead", "trail ", "a*b", "a:b", "[x]", "x" * 257, 7, None):
        status, err, _ = await api.post(LABELS, json={"name": bad})
        assert status == 400 and err["details"][0]["fieldName"] == "name", bad
    assert (await _label(api, "y" * 256))["name"] == "y" * 256
    status, dup, _ = await api.post(LABELS, json={"name": "PRIORITY"})
    assert status == 409 and dup["code"] == "general.conflict" and dup["entityId"] == created["id"]
    # rename: same rules, a case change of its own name is fine, another label's name is not
    other = await _label(api, "Other")
    path = f"{LABELS}/{created['id']}"
    assert (await api.put(path, json={"name": "priority"}))[1]["name"] == "priority"
    assert (await api.put(path, json={"name": "other"}))[0] == 409
    assert (await api.put(path, json={"name": "a*"}))[0] == 400
    status, got, _ = await api.get(path)
    assert status == 200 and got == {"id": created["id"], "name": "priority", "selfUri": path}
    assert (await api.get(f"{LABELS}/nope"))[0] == 404
    assert other["name"] == "Other"


async def test_create_with_org_level_utilization(api, sim):
    base = await _label(api, "Base")
    made = await _label(api, "Urgent", utilization={"maximumCapacity": 2, "interruptingLabelIds": [base["id"]]})
    _, org, _ = await api.get(ORG_UTIL)
    assert org["labelUtilizations"][made["id"]] == {"maximumCapacity": 2, "interruptingLabelIds": [base["id"]], "labelName": "Urgent"}
    status, err, _ = await api.post(LABELS, json={"name": "Broken", "utilization": {"maximumCapacity": 99}})
    assert status == 400 and err["details"][0]["fieldName"] == "utilization.maximumCapacity"
    assert (await api.get(LABELS, params={"name": "Broken"}))[1]["total"] == 0


async def test_the_org_label_limit_refuses_the_next_create(api, sim):
    sim.sim.configure(utilization_label_limit=2)
    await _label(api, "one")
    await _label(api, "two")
    status, err, _ = await api.post(LABELS, json={"name": "three"})
    assert status == 400 and err["limit"] == {"key": "utilization.labels.max", "namespace": "routing", "value": 2}
    assert "limit is 2" in err["message"]


async def test_a_label_in_use_is_refused_for_delete_and_deleted_with_force(api, sim):
    u1, u2, u3 = sim.sim.user_ids()[:3]
    vip, calm = await _label(api, "VIP"), await _label(api, "Calm")
    sim.sim.set_user_utilization(
        u1, {"labelUtilizations": {vip["id"]: {"maximumCapacity": 1}, calm["id"]: {"maximumCapacity": 2, "interruptingLabelIds": [vip["id"]]}}}
    )
    sim.sim.set_user_utilization(u2, {"labelUtilizations": {vip["id"]: {"maximumCapacity": 3}}})
    sim.sim.set_user_utilization(u3, {"utilization": {"chat": {"maximumCapacity": 2}}})
    status, agents, _ = await api.get(f"{LABELS}/{vip['id']}/agents")
    assert status == 200 and agents == [{"id": u, "selfUri": f"/api/v2/users/{u}"} for u in sorted([u1, u2])]
    status, err, _ = await api.delete(f"{LABELS}/{vip['id']}")
    assert status == 409 and err["code"] == "utilization.label.in.use" and "2 agent" in err["message"]
    assert (await api.get(f"{LABELS}/{vip['id']}"))[0] == 200
    assert (await api.delete(f"{LABELS}/{vip['id']}", params={"forceDelete": "true"}))[0] == 204
    assert (await api.get(f"{LABELS}/{vip['id']}"))[0] == 404
    assert (await api.get(f"{LABELS}/{vip['id']}/agents"))[0] == 404
    _, one, _ = await api.get(USER_UTIL.format(u1))
    assert one["labelUtilizations"] == {calm["id"]: {"maximumCapacity": 2, "interruptingLabelIds": [], "labelName": "Calm"}}
    assert (await api.get(USER_UTIL.format(u2)))[1]["labelUtilizations"] == {}
    # a label nobody uses goes without force
    assert (await api.delete(f"{LABELS}/{calm['id']}"))[0] == 409
    sim.sim.set_user_utilization(u1, {})
    assert (await api.delete(f"{LABELS}/{calm['id']}"))[0] == 204


async def test_another_admin_may_change_a_setting_just_before_it_is_read(api, sim):
    uid = _first_user(sim)
    sim.sim.configure(utilization_edit_rate=1.0)
    _, read, _ = await api.get(USER_UTIL.format(uid))
    [record] = sim.sim.conflicts()
    assert record["kind"] == "utilization" and record["userId"] == uid and record["trigger"] == "GET /api/v2/routing/users/{userId}/utilization"
    assert read["level"] == "Agent" and read["utilization"][record["name"]]["maximumCapacity"] == record["after"] != record["before"]


async def test_utilization_and_labels_survive_save_and_load(api, sim, tmp_path):
    uid = _first_user(sim)
    vip = await _label(api, "VIP", utilization={"maximumCapacity": 2})
    sim.sim.set_user_utilization(
        uid, {"utilization": {"email": {"maximumCapacity": 5}}, "labelUtilizations": {vip["id"]: {"maximumCapacity": 1}}, "maxInboundCalls": 1}
    )
    path = tmp_path / "state.json"
    sim.sim.save(path)
    loaded = Simulator.load(path)
    assert loaded.dump() == sim.sim.dump()
    store = loaded.org.utilization
    assert store.labels[vip["id"]].name == "VIP" and store.org.labels[vip["id"]].maximum_capacity == 2
    own, level = store.effective(uid)
    assert level == "Agent" and own.media["email"].maximum_capacity == 5 and own.max_inbound_calls == 1
    # a label created after the load does not reuse an id
    again = loaded.org.utilization.create_label("Next", None, limit=100)
    assert again.id != vip["id"]


def test_a_state_without_utilization_loads_the_fresh_defaults():
    sim = Simulator(SimConfig(users=3))
    record = sim.dump()
    del record["utilization"]
    from bulkops.simulator.model.org import Org

    org = Org.from_record(record)
    assert org.utilization.labels == {} and org.utilization.org.media["chat"].maximum_capacity == 4
