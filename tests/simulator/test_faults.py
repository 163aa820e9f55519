"""Fault knobs over HTTP: rate limit, 5xx, latency, concurrent admin conflicts; /__sim endpoints."""

from __future__ import annotations

import time

from simhelpers import get_token

from bulkops.simulator import SimConfig


async def test_rate_limit_429_and_headers(api, sim):
    sim.sim.configure(rps=3)
    results = [await api.get("/api/v2/routing/languages") for _ in range(4)]
    statuses = [r[0] for r in results]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    for _, _, h in results:
        assert h["inin-ratelimit-allowed"] == "3"
        assert int(h["inin-ratelimit-reset"]) >= 1
        assert h["ININ-Correlation-Id"]
    assert [r[2]["inin-ratelimit-count"] for r in results[:3]] == ["1", "2", "3"]
    _, err, h = results[3]
    assert err["code"] == "too.many.requests.retry.after" and err["status"] == 429
    assert int(h["Retry-After"]) >= 1 and err["contextId"] == h["ININ-Correlation-Id"]
    # another token has its own bucket
    other = await get_token(api.http, sim)
    assert (await api.get("/api/v2/routing/languages", token=other))[0] == 200
    sim.advance(1.0)
    assert (await api.get("/api/v2/routing/languages"))[0] == 200
    assert sim.sim.stats()["rateLimited"] == 1


async def test_no_rate_headers_when_unlimited_and_none_on_oauth(api, sim):
    _, _, h = await api.get("/api/v2/routing/languages")
    assert "inin-ratelimit-allowed" not in h
    sim.sim.configure(rate_per_minute=300)
    _, _, h = await api.get("/api/v2/routing/languages")
    assert h["inin-ratelimit-allowed"] == "300" and h["inin-ratelimit-count"] == "1"


async def test_error_rate_injects_5xx_with_error_body(api, sim):
    sim.sim.configure(error_rate=1.0)
    for _ in range(10):
        status, err, h = await api.get("/api/v2/routing/skills")
        assert status in (500, 502, 503)
        assert err["status"] == status and err["contextId"] == h["ININ-Correlation-Id"]
    # /oauth/token is never failed on purpose
    assert await get_token(api.http, sim)
    assert sim.sim.stats()["injectedErrors"] == 10
    sim.sim.configure(error_rate=0.3)
    statuses = [(await api.get("/api/v2/routing/skills"))[0] for _ in range(60)]
    assert 5 <= sum(s >= 500 for s in statuses) <= 35


async def test_error_rate_is_reproducible(sim):
    from bulkops.simulator.faults import Faults

    a, b = Faults(7), Faults(7)
    assert [a.server_error(0.5) for _ in range(50)] == [b.server_error(0.5) for _ in range(50)]


async def test_latency(api, sim):
    sim.sim.configure(latency_ms=50)
    t = time.perf_counter()
    await api.get("/api/v2/routing/languages")
    assert time.perf_counter() - t >= 0.045


async def test_concurrent_admin_edit_is_applied_recorded_and_409(api, sim):
    sim.sim.configure(conflict_rate=1.0)
    uid = sim.sim.user_ids()[7]
    before = sim.sim.user(uid)
    held = {s["id"] for s in before["skills"]}
    new = [s for s in sim.sim.skill_ids_by_name().values() if s not in held][:2]
    body = [{"id": s, "proficiency": 4} for s in new]
    status, err, h = await api.patch(f"/api/v2/users/{uid}/routingskills/bulk", json=body)
    assert status == 409 and err["code"] == "general.conflict"
    assert "version number" in err["message"] and err["contextId"] == h["ININ-Correlation-Id"]
    after = sim.sim.user(uid)
    assert after["version"] == before["version"] + 1
    (edit,) = sim.sim.conflicts()
    assert edit["userId"] == uid and edit["version"] == after["version"]
    assert edit["kind"] in ("skill", "language", "title")
    assert edit["trigger"] == "PATCH /api/v2/users/{userId}/routingskills/bulk"
    if edit["kind"] == "skill":
        assert edit["id"] not in new and {s["id"]: s["proficiency"] for s in after["skills"]}[edit["id"]] == edit["after"]
    elif edit["kind"] == "title":
        assert after["title"] == edit["after"] != before["title"]
    # the request itself was not applied
    assert not set(new) & {s["id"] for s in after["skills"]}
    async with api.http.get(f"{sim.base_url}/__sim/conflicts") as r:
        assert await r.json() == sim.sim.conflicts()
    # with the knob off, a retry succeeds and keeps the other admin's change
    sim.sim.configure(conflict_rate=0.0)
    assert (await api.patch(f"/api/v2/users/{uid}/routingskills/bulk", json=body))[0] == 200
    final = sim.sim.user(uid)
    if edit["kind"] == "skill":
        assert edit["id"] in {s["id"] for s in final["skills"]}


async def test_conflict_on_patch_user_and_division_move(api, sim):
    sim.sim.configure(conflict_rate=1.0)
    uid = sim.sim.user_ids()[0]
    v = sim.sim.user(uid)["version"]
    assert (await api.patch(f"/api/v2/users/{uid}", json={"department": "X", "version": v}))[0] == 409
    assert sim.sim.user(uid)["version"] == v + 1 and sim.sim.user(uid)["department"] != "X"
    div = sim.sim.division_ids_by_name()["Home"]
    status, err, _ = await api.post(f"/api/v2/authorization/divisions/{div}/objects/USER", json=sim.sim.user_ids()[:3])
    assert status == 409 and err["entityId"] in sim.sim.user_ids()[:3]
    assert len(sim.sim.conflicts()) == 2
    assert sim.sim.stats()["injectedConflicts"] == 2


async def test_always_conflict(api, sim):
    ids = sim.sim.user_ids()
    victim, bystander = ids[4], ids[5]
    sim.sim.reset(SimConfig(always_conflict=frozenset({victim})))
    for _attempt in range(3):
        v = sim.sim.user(victim)["version"]
        status, _, _ = await api.patch(f"/api/v2/users/{victim}", json={"title": "T", "version": v})
        assert status == 409
    sid = next(iter(sim.sim.skill_ids_by_name().values()))
    assert (await api.post(f"/api/v2/users/{victim}/routingskills", json={"id": sid, "proficiency": 1}))[0] == 409
    assert len(sim.sim.conflicts()) == 1  # a concurrent change only the first time
    v = sim.sim.user(bystander)["version"]
    assert (await api.patch(f"/api/v2/users/{bystander}", json={"title": "T", "version": v}))[0] == 200


async def test_stats_by_route_template(api, sim):
    uid = sim.sim.user_ids()[0]
    await api.get(f"/api/v2/users/{uid}")
    await api.get(f"/api/v2/users/{uid}")
    await api.get("/api/v2/users/nope")
    async with api.http.get(f"{sim.base_url}/__sim/stats") as r:
        stats = await r.json()
    route = stats["byRoute"]["GET /api/v2/users/{userId}"]
    assert route == {"total": 3, "byStatus": {"200": 2, "404": 1}}
    assert stats["byRoute"]["POST /oauth/token"]["total"] == 1
    assert stats["total"] == 4 and stats["byMethod"] == {"GET": 3, "POST": 1}
    assert not any(k.split(" ")[1].startswith("/__sim") for k in stats["byRoute"])


async def test_admin_config_and_reset_endpoints(api, sim):
    async with api.http.post(f"{sim.base_url}/__sim/config", json={"conflict_rate": 0.25, "rps": 50}) as r:
        assert r.status == 200
        cfg = await r.json()
    assert cfg["conflict_rate"] == 0.25 and sim.sim.config.rps == 50
    async with api.http.post(f"{sim.base_url}/__sim/config", json={"users": 5}) as r:
        assert r.status == 400  # sizes need a reset
    async with api.http.post(f"{sim.base_url}/__sim/reset", json={"users": 12, "seed": 3}) as r:
        assert r.status == 200
    assert len(sim.sim.user_ids()) == 12 and sim.sim.config.rps is None
    async with api.http.get(f"{sim.base_url}/__sim/state") as r:
        state = await r.json()
    assert len(state["users"]) == 12 and state == sim.sim.dump()
    assert (await api.get("/api/v2/users"))[0] == 200  # tokens survive a reset


async def test_concurrent_edit_never_overlaps_the_request(api, sim):
    sim.sim.configure(conflict_rate=1.0)
    uid = sim.sim.user_ids()[9]
    for _ in range(15):
        v = sim.sim.user(uid)["version"]
        assert (await api.patch(f"/api/v2/users/{uid}", json={"title": "Mine", "version": v}))[0] == 409
    assert all(c["kind"] != "title" for c in sim.sim.conflicts())
    assert sim.sim.user(uid)["title"] != "Mine"


async def test_fixed_window_over_http_headers_on_every_answer_and_the_429_code(api, sim):
    sim.sim.configure(rate_per_minute=3, rate_mode="fixed")
    results = [await api.get("/api/v2/routing/languages") for _ in range(4)]
    assert [r[0] for r in results] == [200, 200, 200, 429]
    assert [r[2]["inin-ratelimit-count"] for r in results] == ["1", "2", "3", "3"]
    assert all(r[2]["inin-ratelimit-allowed"] == "3" and r[2]["inin-ratelimit-reset"] == "60" for r in results)
    _, err, h = results[3]
    assert err["code"] == "too.many.requests.retry.after" and h["Retry-After"] == "60"
    assert err["message"] == "Rate limit exceeded the maximum. Retry the request in [60] seconds"
    assert err["limit"] == {"key": "client.credentials.token.rate.per.minute", "namespace": "platform.api", "value": 3}
    sim.advance(60)
    _, _, h = await api.get("/api/v2/routing/languages")
    assert h["inin-ratelimit-count"] == "1"  # the window ended: the count starts again


async def test_a_route_family_with_its_own_lower_allowance_over_http(api, sim):
    sim.sim.configure(rate_per_minute=300, rate_mode="fixed", route_limit_prefix="/api/v2/routing/queues", route_rate_per_minute=1)
    assert (await api.get("/api/v2/routing/queues"))[0] == 200
    status, err, h = await api.get("/api/v2/routing/queues")
    assert status == 429 and err["limit"]["key"] == "route.rate.per.minute" and h["inin-ratelimit-allowed"] == "1"
    status, _, h = await api.get("/api/v2/routing/languages")
    assert status == 200 and h["inin-ratelimit-allowed"] == "300"
