"""Org catalogue: skills, languages, queues and members, divisions and moves."""

from __future__ import annotations

from bulkops.simulator import SimConfig


async def test_skills_listing_prefix_and_id_filters(api, sim):
    status, body, _ = await api.get("/api/v2/routing/skills")
    assert status == 200 and body["total"] == 40 and body["pageSize"] == 25 and body["pageCount"] == 2
    names = [s["name"] for s in body["entities"]]
    assert names == sorted(names, key=str.lower)
    s0 = body["entities"][0]
    assert set(s0) == {"id", "name", "dateModified", "state", "version", "selfUri", "division"}
    assert isinstance(s0["version"], str)
    _, pre, _ = await api.get("/api/v2/routing/skills", params={"name": "tech"})
    assert [s["name"] for s in pre["entities"]] == ["Technical Support"]
    ids = sim.sim.skill_ids_by_name()
    _, by_id, _ = await api.get(f"/api/v2/routing/skills?id={ids['Sales']}&id={ids['Billing']}")
    assert [s["name"] for s in by_id["entities"]] == ["Billing", "Sales"]
    _, one, _ = await api.get(f"/api/v2/routing/skills/{ids['Sales']}")
    assert one["name"] == "Sales"
    assert (await api.get("/api/v2/routing/skills/nope"))[0] == 404


async def test_create_and_delete_skill(api, sim):
    status, s, _ = await api.post("/api/v2/routing/skills", json={"name": "Crypto Support"})
    assert status == 200 and s["name"] == "Crypto Support" and s["state"] == "active"
    assert sim.sim.skill_ids_by_name()["Crypto Support"] == s["id"]
    assert (await api.post("/api/v2/routing/skills", json={"name": "Crypto Support"}))[0] == 409
    assert (await api.post("/api/v2/routing/skills", json={}))[0] == 400
    assert (await api.delete(f"/api/v2/routing/skills/{s['id']}"))[0] == 204
    _, listing, _ = await api.get("/api/v2/routing/skills", params={"name": "Crypto"})
    assert listing["total"] == 0


async def test_catalogue_overflow_names(api, sim):
    sim.sim.reset(SimConfig(skills=70, users=5))
    names = list(sim.sim.skill_ids_by_name())
    assert len(set(names)) == 70 and names[:3] == ["Billing", "Technical Support", "Sales"]
    assert names[-1] == "Skill 070"


async def test_languages_listing(api, sim):
    status, body, _ = await api.get("/api/v2/routing/languages", params={"pageSize": "100"})
    assert status == 200 and body["total"] == 8
    assert {x["name"] for x in body["entities"]} >= {"English", "Spanish", "French", "German"}
    eng = sim.sim.language_ids_by_name()["English"]
    _, one, _ = await api.get(f"/api/v2/routing/languages/{eng}")
    assert one["name"] == "English" and isinstance(one["version"], str)


async def test_queue_name_filter_with_wildcards(api, sim):
    _, exact, _ = await api.get("/api/v2/routing/queues", params={"name": "Support EN"})
    assert [q["name"] for q in exact["entities"]] == ["Support EN"]
    _, prefix, _ = await api.get("/api/v2/routing/queues", params={"name": "Support*"})
    assert {q["name"] for q in prefix["entities"]} == {"Support EN", "Support ES", "Support FR", "Support DE"}
    _, contains, _ = await api.get("/api/v2/routing/queues", params={"name": "*port*"})
    assert "Technical Support Tier 2" in {q["name"] for q in contains["entities"]}
    _, suffix, _ = await api.get("/api/v2/routing/queues", params={"name": "*EN"})
    assert [q["name"] for q in suffix["entities"]] == ["Support EN"]
    _, everything, _ = await api.get("/api/v2/routing/queues")
    q = everything["entities"][0]
    assert q["memberCount"] == len(sim.sim.queue_member_ids(q["id"]))


async def test_queue_members_reduced_listing_and_paging(api, sim):
    sim.sim.reset(SimConfig(users=1000))
    qid = max(sim.sim.queue_ids_by_name().values(), key=lambda q: len(sim.sim.queue_member_ids(q)))
    members = sim.sim.queue_member_ids(qid)
    assert len(members) > 100
    seen: list[str] = []
    n = 1
    while True:
        status, body, _ = await api.get(f"/api/v2/routing/queues/{qid}/members", params={"pageSize": "100", "pageNumber": str(n)})
        assert status == 200
        assert not {"total", "pageCount", "lastUri"} & set(body)
        seen += [m["id"] for m in body["entities"]]
        if "nextUri" not in body:
            break
        n += 1
    assert len(seen) == len(set(seen)) and set(seen) == members
    m = body["entities"][0]
    assert set(m) >= {"id", "name", "user", "ringNumber", "joined", "memberBy", "selfUri"}
    assert m["user"]["id"] == m["id"]
    status, err, _ = await api.get(f"/api/v2/routing/queues/{qid}/members", params={"pageSize": "101"})
    assert status == 400 and err["details"][0]["fieldName"] == "pageSize"


async def test_queue_member_add_remove(api, sim):
    qid = sim.sim.queue_ids_by_name()["Billing"]
    members = sim.sim.queue_member_ids(qid)
    outsiders = [u for u in sim.sim.user_ids() if u not in members][:3]
    insider = next(iter(members))
    status, body, _ = await api.post(f"/api/v2/routing/queues/{qid}/members", json=[{"id": u} for u in outsiders])
    assert status == 204 and body is None
    assert sim.sim.queue_member_ids(qid) == members | set(outsiders)
    status, _, _ = await api.post(f"/api/v2/routing/queues/{qid}/members", params={"delete": "true"}, json=[{"id": insider}, {"id": outsiders[0]}])
    assert status == 204
    assert sim.sim.queue_member_ids(qid) == (members | set(outsiders)) - {insider, outsiders[0]}
    # membership is not a user field: versions unchanged
    status, err, _ = await api.post(f"/api/v2/routing/queues/{qid}/members", json=[{"id": "ghost"}])
    assert status == 400 and err["details"][0]["entityId"] == "ghost"


async def test_queue_member_cap_is_100(api, sim):
    qid = sim.sim.queue_ids_by_name()["Sales"]
    before = sim.sim.queue_member_ids(qid)
    ids = sim.sim.user_ids()[:101]
    status, err, _ = await api.post(f"/api/v2/routing/queues/{qid}/members", json=[{"id": u} for u in ids])
    assert status == 400 and "100" in err["message"]
    assert sim.sim.queue_member_ids(qid) == before
    assert (await api.post(f"/api/v2/routing/queues/{qid}/members", json=[{"id": u} for u in ids[:100]]))[0] == 204
    assert (await api.get("/api/v2/routing/queues/nope/members"))[0] == 404


async def test_divisions_listing(api, sim):
    status, body, _ = await api.get("/api/v2/authorization/divisions", params={"objectCount": "true"})
    assert status == 200 and body["total"] == 3
    homes = [d for d in body["entities"] if d["homeDivision"]]
    assert [d["name"] for d in homes] == ["Home"]
    assert sum(d["objectCounts"]["USER"] for d in body["entities"]) == 200
    ids = sim.sim.division_ids_by_name()
    _, one, _ = await api.get(f"/api/v2/authorization/divisions?id={ids['Home']}")
    assert [d["name"] for d in one["entities"]] == ["Home"]


async def test_move_users_to_division(api, sim):
    target = sim.sim.division_ids_by_name()["EMEA"]
    uids = sim.sim.user_ids()[:4]
    versions = {u: sim.sim.user(u)["version"] for u in uids}
    status, body, _ = await api.post(f"/api/v2/authorization/divisions/{target}/objects/USER", json=uids)
    assert status == 204 and body is None
    for u in uids:
        after = sim.sim.user(u)
        assert after["division"]["id"] == target and after["version"] == versions[u] + 1
    status, err, _ = await api.post(f"/api/v2/authorization/divisions/{target}/objects/USER", json=[uids[0], "ghost"])
    assert status == 400 and sim.sim.user(uids[0])["version"] == versions[uids[0]] + 1
    assert (await api.post(f"/api/v2/authorization/divisions/{target}/objects/QUEUE", json=uids))[0] == 400
    assert (await api.post("/api/v2/authorization/divisions/nope/objects/USER", json=uids))[0] == 404
    assert (await api.post(f"/api/v2/authorization/divisions/{target}/objects/USER", json=[{"id": uids[0]}]))[0] == 400
