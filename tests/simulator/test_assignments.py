"""User routing skills and languages: validation, caps, all-or-nothing, versions."""

from __future__ import annotations


def _uid_with_skills(sim, at_least=1):
    return next(u for u in sim.sim.user_ids() if len(sim.sim.user(u)["skills"]) >= at_least)


def _missing(sim, uid, n):
    held = {s["id"] for s in sim.sim.user(uid)["skills"]}
    return [sid for sid in sim.sim.skill_ids_by_name().values() if sid not in held][:n]


async def test_list_user_skills(api, sim):
    uid = _uid_with_skills(sim, 3)
    status, body, _ = await api.get(f"/api/v2/users/{uid}/routingskills", params={"pageSize": "2"})
    assert status == 200
    expanded = sim.sim.user(uid)["skills"]
    assert body["total"] == len(expanded) and body["entities"] == expanded[:2]
    assert body["selfUri"] == f"/api/v2/users/{uid}/routingskills?pageSize=2&pageNumber=1"


async def test_patch_bulk_adds_and_updates_and_bumps_version_once(api, sim):
    uid = _uid_with_skills(sim)
    before = sim.sim.user(uid)
    held = before["skills"][0]["id"]
    new = _missing(sim, uid, 2)
    body = [{"id": held, "proficiency": 5}, {"id": new[0], "proficiency": 2.5}, {"id": new[1], "proficiency": 0}]
    status, listing, _ = await api.patch(f"/api/v2/users/{uid}/routingskills/bulk", json=body)
    assert status == 200
    after = sim.sim.user(uid)
    assert after["version"] == before["version"] + 1
    got = {s["id"]: s["proficiency"] for s in after["skills"]}
    assert got[held] == 5.0 and got[new[0]] == 2.5 and got[new[1]] == 0.0
    assert len(got) == len(before["skills"]) + 2
    assert listing["total"] == len(got) and {s["id"] for s in listing["entities"]} == set(got)


async def test_put_bulk_replaces_the_whole_set(api, sim):
    uid = _uid_with_skills(sim, 2)
    sid = _missing(sim, uid, 1)[0]
    status, listing, _ = await api.put(f"/api/v2/users/{uid}/routingskills/bulk", json=[{"id": sid, "proficiency": 3}])
    assert status == 200
    assert [s["id"] for s in sim.sim.user(uid)["skills"]] == [sid]
    assert listing["total"] == 1
    status, _, _ = await api.put(f"/api/v2/users/{uid}/routingskills/bulk", json=[])
    assert status == 200 and sim.sim.user(uid)["skills"] == []


async def test_bulk_cap_is_50(api, sim):
    sim.sim.reset(sim.sim.config.__class__(skills=60))
    uid = sim.sim.user_ids()[0]
    ids = list(sim.sim.skill_ids_by_name().values())
    v = sim.sim.user(uid)["version"]
    status, err, _ = await api.patch(f"/api/v2/users/{uid}/routingskills/bulk", json=[{"id": i, "proficiency": 1} for i in ids[:51]])
    assert status == 400 and "50" in err["message"]
    assert (await api.put(f"/api/v2/users/{uid}/routingskills/bulk", json=[{"id": i, "proficiency": 1} for i in ids[:51]]))[0] == 400
    assert sim.sim.user(uid)["version"] == v
    status, _, _ = await api.patch(f"/api/v2/users/{uid}/routingskills/bulk", json=[{"id": i, "proficiency": 1} for i in ids[:50]])
    assert status == 200 and len(sim.sim.user(uid)["skills"]) >= 50


async def test_bulk_is_all_or_nothing_with_field_details(api, sim):
    uid = _uid_with_skills(sim)
    before = sim.sim.user(uid)
    good = _missing(sim, uid, 1)[0]
    body = [
        {"id": good, "proficiency": 3},
        {"id": "no-such-skill", "proficiency": 3},
        {"id": before["skills"][0]["id"], "proficiency": 5.5},
    ]
    status, err, _ = await api.patch(f"/api/v2/users/{uid}/routingskills/bulk", json=body)
    assert status == 400 and err["code"] == "bad.request"
    assert {"fieldName": "id", "errorCode": "not.found", "entityId": "no-such-skill"} in err["details"]
    assert {"fieldName": "proficiency", "errorCode": "invalid.value", "entityId": before["skills"][0]["id"]} in err["details"]
    assert sim.sim.user(uid) == before


async def test_proficiency_must_be_a_number_in_range(api, sim):
    uid = sim.sim.user_ids()[0]
    sid = _missing(sim, uid, 1)[0]
    for bad in (-0.1, 5.01, "3", True, None):
        status, err, _ = await api.post(f"/api/v2/users/{uid}/routingskills", json={"id": sid, "proficiency": bad})
        assert status == 400, bad
        assert err["details"][0]["fieldName"] == "proficiency"


async def test_inactive_skill_is_rejected(api, sim):
    uid = sim.sim.user_ids()[0]
    sid = _missing(sim, uid, 1)[0]
    sim.sim.set_skill_state(sid, "inactive")
    status, err, _ = await api.post(f"/api/v2/users/{uid}/routingskills", json={"id": sid, "proficiency": 1})
    assert status == 400 and err["details"][0] == {"fieldName": "id", "errorCode": "inactive", "entityId": sid}


async def test_duplicate_ids_are_rejected(api, sim):
    uid = sim.sim.user_ids()[0]
    sid = _missing(sim, uid, 1)[0]
    body = [{"id": sid, "proficiency": 1}, {"id": sid, "proficiency": 2}]
    assert (await api.patch(f"/api/v2/users/{uid}/routingskills/bulk", json=body))[0] == 400


async def test_post_put_delete_single_skill(api, sim):
    uid = sim.sim.user_ids()[0]
    sid = _missing(sim, uid, 1)[0]
    v0 = sim.sim.user(uid)["version"]
    status, one, _ = await api.post(f"/api/v2/users/{uid}/routingskills", json={"id": sid, "proficiency": 3.5})
    assert status == 200 and one["id"] == sid and one["proficiency"] == 3.5
    assert one["skillUri"] == f"/api/v2/routing/skills/{sid}"
    status, one, _ = await api.put(f"/api/v2/users/{uid}/routingskills/{sid}", json={"proficiency": 4.0, "state": "active"})
    assert status == 200 and one["proficiency"] == 4.0
    status, _, _ = await api.put(f"/api/v2/users/{uid}/routingskills/{sid}", json={"proficiency": 9})
    assert status == 400
    status, body, _ = await api.delete(f"/api/v2/users/{uid}/routingskills/{sid}")
    assert status == 204 and body is None
    assert sim.sim.user(uid)["version"] == v0 + 3
    assert (await api.delete(f"/api/v2/users/{uid}/routingskills/{sid}"))[0] == 404
    assert (await api.put(f"/api/v2/users/{uid}/routingskills/{sid}", json={"proficiency": 1}))[0] == 404


async def test_languages(api, sim):
    uid = sim.sim.user_ids()[2]
    langs = sim.sim.language_ids_by_name()
    held = {x["id"] for x in sim.sim.user(uid)["languages"]}
    free = [i for i in langs.values() if i not in held]
    v0 = sim.sim.user(uid)["version"]
    status, one, _ = await api.post(f"/api/v2/users/{uid}/routinglanguages", json={"id": free[0], "proficiency": 4})
    assert status == 200 and one["languageUri"] == f"/api/v2/routing/languages/{free[0]}"
    status, listing, _ = await api.patch(f"/api/v2/users/{uid}/routinglanguages/bulk", json=[{"id": free[1], "proficiency": 2}])
    assert status == 200 and {x["id"] for x in listing["entities"]} == held | {free[0], free[1]}
    status, one, _ = await api.patch(f"/api/v2/users/{uid}/routinglanguages/{free[1]}", json={"proficiency": 5})
    assert status == 200 and one["proficiency"] == 5.0
    status, _, _ = await api.delete(f"/api/v2/users/{uid}/routinglanguages/{free[0]}")
    assert status == 204
    _, page, _ = await api.get(f"/api/v2/users/{uid}/routinglanguages")
    assert {x["id"] for x in page["entities"]} == held | {free[1]}
    assert sim.sim.user(uid)["version"] == v0 + 4
    too_many = [{"id": free[0], "proficiency": 1}] * 51
    status, err, _ = await api.patch(f"/api/v2/users/{uid}/routinglanguages/bulk", json=too_many)
    assert status == 400 and "50" in err["message"]
    status, err, _ = await api.post(f"/api/v2/users/{uid}/routinglanguages", json={"id": free[0], "proficiency": 6})
    assert status == 400 and err["details"][0]["fieldName"] == "proficiency"
