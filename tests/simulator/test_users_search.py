"""``POST /api/v2/users/search`` as the simulator answers it (guesses listed in docs/simulator.md)."""

from __future__ import annotations

from helpers.clients import client_for

from bulkops.errors import ApiError
from bulkops.simulator import SimConfig


async def search(client, body):
    return (await client.request("POST", "/api/v2/users/search", json=body)).data


async def test_exact_matches_email_or_username_case_insensitively_and_only_active_users(sim):
    s = sim.sim
    a, b, c = s.user_ids()[:3]
    async with client_for(sim, rps=2000) as client:
        await client.patch_user(c, {"state": "inactive", "version": s.user(c)["version"]})
        values = [s.user(a)["email"].upper(), s.user(b)["username"], s.user(c)["email"], "nobody@example.com"]
        found = await search(client, {"pageSize": 100, "query": [{"type": "EXACT", "fields": ["email", "username"], "values": values}]})
        assert {u["id"] for u in found["results"]} == {a, b} and found["total"] == 2 and found["pageCount"] == 1
        gone = await search(
            client,
            {"query": [{"type": "EXACT", "fields": ["email"], "values": values}, {"type": "EXACT", "fields": ["state"], "values": ["inactive", "deleted"]}]},
        )
        assert [u["id"] for u in gone["results"]] == [c] and gone["results"][0]["state"] == "inactive"
        none = await search(client, {"query": [{"type": "EXACT", "fields": ["email"], "values": ["nobody@example.com"]}]})
        assert "results" not in none and none["total"] == 0


async def test_a_bad_search_is_a_400(sim):
    async with client_for(sim, rps=2000) as client:
        for body in (
            {"query": []},
            {"query": [{"type": "EXACT", "fields": ["email"], "values": [f"u{i}@x" for i in range(101)]}]},
            {"pageSize": 101, "query": [{"type": "EXACT", "fields": ["email"], "values": ["a@x"]}]},
            {"query": [{"type": "FUZZY", "fields": ["email"], "values": ["a@x"]}]},
        ):
            try:
                await search(client, body)
            except ApiError as exc:
                assert exc.status == 400
            else:
                raise AssertionError(f"accepted {body}")


async def test_a_write_past_50_skills_is_refused_whole(sim):
    s = sim.sim
    s.reset(SimConfig(users=10, skills=70, seed=3))
    uid = next(u for u in s.user_ids() if s.user(u)["skills"])
    held = {x["id"] for x in s.user(uid)["skills"]}
    new = [x for x in s.skill_ids_by_name().values() if x not in held][: 51 - len(held)]
    async with client_for(sim, rps=2000) as client:
        await client.request("PATCH", f"/api/v2/users/{uid}/routingskills/bulk", json=[{"id": x, "proficiency": 1} for x in new[:-1]])
        assert len(s.user(uid)["skills"]) == 50  # up to the cap is fine
        try:
            await client.request("PATCH", f"/api/v2/users/{uid}/routingskills/bulk", json=[{"id": new[-1], "proficiency": 1}])
        except ApiError as exc:
            assert exc.status == 400
        else:
            raise AssertionError("a 51st skill accepted")
        assert len(s.user(uid)["skills"]) == 50
