"""Users: cursor and page-number listings, one user, PATCH with versions."""

from __future__ import annotations

from bulkops.simulator import SimConfig


async def test_get_user_with_and_without_expand(api, sim):
    uid = sim.sim.user_ids()[3]
    status, body, _ = await api.get(f"/api/v2/users/{uid}")
    assert status == 200
    assert body["id"] == uid and "skills" not in body and "languages" not in body
    assert body["email"] == body["username"] and body["email"].startswith("agent")
    assert body["selfUri"] == f"/api/v2/users/{uid}"
    assert set(body["division"]) == {"id", "name", "selfUri"}
    status, body, _ = await api.get(f"/api/v2/users/{uid}", params={"expand": "skills,languages"})
    assert status == 200
    assert body == sim.sim.user(uid)
    for s in body["skills"]:
        assert set(s) == {"id", "name", "proficiency", "state", "skillUri", "selfUri"}
        assert 0.0 <= s["proficiency"] <= 5.0
    for lang in body["languages"]:
        assert set(lang) == {"id", "name", "proficiency", "state", "languageUri", "selfUri"}


async def test_expand_repeated_form(api, sim):
    uid = sim.sim.user_ids()[0]
    status, body, _ = await api.get(f"/api/v2/users/{uid}?expand=skills&expand=languages")
    assert status == 200 and "skills" in body and "languages" in body


async def test_unknown_user_is_404(api):
    status, body, _ = await api.get("/api/v2/users/00000000-0000-4000-8000-000000000000")
    assert status == 404 and body["code"] == "not.found"


async def test_cursor_walk_covers_every_user_once(api, sim):
    sim.sim.reset(SimConfig(users=523))
    seen: list[str] = []
    params = {"pageSize": "50", "expand": "skills"}
    pages = 0
    while True:
        status, body, _ = await api.get("/api/v2/users/query", params=params)
        assert status == 200
        pages += 1
        assert set(body) <= {"entities", "cursor", "nextUri", "selfUri", "results"}
        assert body["results"] == len(body["entities"])
        seen += [u["id"] for u in body["entities"]]
        if "cursor" not in body:
            assert "nextUri" not in body
            break
        assert body["nextUri"].startswith("/api/v2/users/query?") and "cursor=" in body["nextUri"]
        params = {"pageSize": "50", "expand": "skills", "cursor": body["cursor"]}
    assert pages == 11
    assert seen == sorted(seen) == sim.sim.user_ids()


async def test_cursor_is_stable_under_concurrent_edits(api, sim):
    ids = sim.sim.user_ids()
    status, first, _ = await api.get("/api/v2/users/query", params={"pageSize": "10"})
    # Edits between pages (including to users already returned) must not shift the next page.
    for uid in ids[:15]:
        u = sim.sim.user(uid)
        s, _, _ = await api.patch(f"/api/v2/users/{uid}", json={"title": "Moved", "version": u["version"]})
        assert s == 200
    status, second, _ = await api.get("/api/v2/users/query", params={"pageSize": "10", "cursor": first["cursor"]})
    assert [u["id"] for u in second["entities"]] == ids[10:20]


async def test_cursor_descending(api, sim):
    status, body, _ = await api.get("/api/v2/users/query", params={"pageSize": "5", "sortOrder": "DESC"})
    _, nxt, _ = await api.get("/api/v2/users/query", params={"pageSize": "5", "cursor": body["cursor"]})
    ids = sim.sim.user_ids()
    assert [u["id"] for u in body["entities"] + nxt["entities"]] == ids[::-1][:10]


async def test_cursor_expiry_and_garbage(api, sim):
    sim.sim.configure(cursor_ttl=30)
    _, body, _ = await api.get("/api/v2/users/query", params={"pageSize": "5"})
    sim.advance(31)
    status, err, headers = await api.get("/api/v2/users/query", params={"cursor": body["cursor"]})
    assert status == 400
    assert err["code"] == "invalid.cursor" and "expired" in err["message"]
    assert err["contextId"] == headers["ININ-Correlation-Id"]
    status, err, _ = await api.get("/api/v2/users/query", params={"cursor": "%%%not-a-cursor"})
    assert status == 400 and err["code"] == "invalid.cursor" and "expired" not in err["message"]


async def test_page_number_listing_fields(api, sim):
    status, body, _ = await api.get("/api/v2/users", params={"pageSize": "30", "pageNumber": "2"})
    assert status == 200
    assert body["pageSize"] == 30 and body["pageNumber"] == 2
    assert body["total"] == 200 and body["pageCount"] == 7
    assert body["firstUri"] == "/api/v2/users?pageSize=30&pageNumber=1"
    assert body["selfUri"] == "/api/v2/users?pageSize=30&pageNumber=2"
    assert body["nextUri"] == "/api/v2/users?pageSize=30&pageNumber=3"
    assert body["previousUri"] == "/api/v2/users?pageSize=30&pageNumber=1"
    assert body["lastUri"] == "/api/v2/users?pageSize=30&pageNumber=7"
    assert [u["id"] for u in body["entities"]] == sim.sim.user_ids()[30:60]
    _, last, _ = await api.get("/api/v2/users", params={"pageSize": "30", "pageNumber": "7"})
    assert len(last["entities"]) == 20 and "nextUri" not in last
    _, dflt, _ = await api.get("/api/v2/users")
    assert dflt["pageSize"] == 25 and dflt["pageNumber"] == 1 and "previousUri" not in dflt


async def test_page_size_caps(api):
    assert (await api.get("/api/v2/users", params={"pageSize": "500"}))[0] == 200
    status, err, _ = await api.get("/api/v2/users", params={"pageSize": "501"})
    assert status == 400 and err["details"][0]["fieldName"] == "pageSize"
    assert (await api.get("/api/v2/users/query", params={"pageSize": "501"}))[0] == 400
    assert (await api.get("/api/v2/users", params={"pageSize": "0"}))[0] == 400
    assert (await api.get("/api/v2/users", params={"pageNumber": "x"}))[0] == 400


async def test_id_filter_comma_joined_and_repeated(api, sim):
    a, b, c = sim.sim.user_ids()[5:8]
    _, joined, _ = await api.get(f"/api/v2/users?id={a}%2C{c}")
    _, repeated, _ = await api.get(f"/api/v2/users?id={c}&id={a}")
    assert [u["id"] for u in joined["entities"]] == [a, c] == [u["id"] for u in repeated["entities"]]
    assert joined["total"] == 2
    assert f"id={a}" in joined["selfUri"]
    _, mixed, _ = await api.get(f"/api/v2/users?id={a},{b}&id={c}")
    assert mixed["total"] == 3


async def test_patch_user_fields_version_and_manager(api, sim):
    ids = sim.sim.user_ids()
    uid, boss = ids[10], ids[20]
    before = sim.sim.user(uid)
    body = {
        "department": "Sales",
        "title": "Closer",
        "manager": boss,
        "username": "ignored@example.com",
        "version": before["version"],
    }
    status, after, _ = await api.patch(f"/api/v2/users/{uid}", json=body)
    assert status == 200
    assert after["version"] == before["version"] + 1
    assert after["department"] == "Sales" and after["title"] == "Closer"
    assert after["manager"] == {"id": boss, "selfUri": f"/api/v2/users/{boss}"}
    assert after["username"] == before["username"]
    # stale version -> 409 with the real error body, nothing changed
    status, err, headers = await api.patch(f"/api/v2/users/{uid}", json={"title": "X", "version": before["version"]})
    assert status == 409
    assert err["code"] == "general.conflict" and "version" in err["message"]
    assert err["contextId"] == headers["ININ-Correlation-Id"]
    assert sim.sim.user(uid)["title"] == "Closer"


async def test_patch_user_validation(api, sim):
    uid = sim.sim.user_ids()[1]
    v = sim.sim.user(uid)["version"]
    status, err, _ = await api.patch(f"/api/v2/users/{uid}", json={"title": "x"})
    assert status == 400 and err["details"][0]["fieldName"] == "version"
    status, err, _ = await api.patch(f"/api/v2/users/{uid}", json={"manager": "nobody", "version": v})
    assert status == 400 and err["details"][0] == {"fieldName": "manager", "errorCode": "not.found", "entityId": "nobody"}
    status, err, _ = await api.patch(f"/api/v2/users/{uid}", json={"manager": uid, "version": v})
    assert status == 400
    assert sim.sim.user(uid)["version"] == v  # rejected requests change nothing


async def test_state_change_is_exclusive_and_filters_listings(api, sim):
    uid = sim.sim.user_ids()[0]
    u = sim.sim.user(uid)
    status, after, _ = await api.patch(f"/api/v2/users/{uid}", json={"state": "inactive", "title": "ignored", "version": u["version"]})
    assert status == 200 and after["state"] == "inactive" and after["title"] == u["title"]
    _, active, _ = await api.get("/api/v2/users", params={"pageSize": "500"})
    assert active["total"] == 199 and uid not in {x["id"] for x in active["entities"]}
    _, inactive, _ = await api.get("/api/v2/users/query", params={"state": "inactive"})
    assert [x["id"] for x in inactive["entities"]] == [uid] and "cursor" not in inactive
    _, anyone, _ = await api.get("/api/v2/users", params={"state": "any", "pageSize": "1"})
    assert anyone["total"] == 200
    # deleted users need state=deleted on GET one
    await api.patch(f"/api/v2/users/{uid}", json={"state": "deleted", "version": after["version"]})
    assert (await api.get(f"/api/v2/users/{uid}"))[0] == 404
    assert (await api.get(f"/api/v2/users/{uid}", params={"state": "deleted"}))[0] == 200
    assert (await api.get("/api/v2/users", params={"state": "bogus"}))[0] == 400
