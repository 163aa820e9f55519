"""The seeded org (determinism, fixed naming patterns) and save/load."""

from __future__ import annotations

import os

import orjson

from bulkops.simulator import SimConfig, Simulator


def _bytes(sim: Simulator) -> bytes:
    return orjson.dumps(sim.dump(), option=orjson.OPT_SORT_KEYS)


def test_same_seed_same_org_byte_for_byte():
    a, b = Simulator(SimConfig(seed=42, users=300)), Simulator(SimConfig(seed=42, users=300))
    assert _bytes(a) == _bytes(b)
    assert _bytes(a) != _bytes(Simulator(SimConfig(seed=43, users=300)))


def test_org_shape():
    sim = Simulator(SimConfig(users=200, skills=40, languages=8, queues=10, divisions=3))
    org = sim.dump()
    assert len(org["users"]) == 200 and len(org["skills"]) == 40 and len(org["languages"]) == 8
    assert len(org["queues"]) == 10 and len(org["divisions"]) == 3
    assert [d["name"] for d in org["divisions"] if d["homeDivision"]] == ["Home"]
    emails = sorted(u["email"] for u in org["users"])
    assert emails == [f"agent{i:05d}@example.com" for i in range(200)]
    assert all(u["username"] == u["email"] for u in org["users"])
    assert all(len(u["name"].split()) == 2 for u in org["users"])
    by_id = {u["id"]: u for u in org["users"]}
    managers = {u["managerId"] for u in org["users"] if u["managerId"]}
    assert managers and len(managers) <= 10 and all(by_id[m]["managerId"] is None for m in managers)
    assert all(0 <= len(u["skills"]) <= 8 and 0 <= len(u["languages"]) <= 2 for u in org["users"])
    profs = {p for u in org["users"] for p in u["skills"].values()}
    assert profs <= {x / 2 for x in range(11)} and 5.0 in profs and 0.0 in profs
    assert sum(bool(u["skills"]) for u in org["users"]) > 150
    assert all(q["members"] for q in org["queues"])
    assert sim.user_ids() == sorted(by_id)
    assert list(sim.skill_ids_by_name())[:5] == ["Billing", "Technical Support", "Sales", "Retention", "Spanish Support"]
    assert list(sim.language_ids_by_name())[:4] == ["English", "Spanish", "French", "German"]


def test_save_load_round_trip(tmp_path):
    sim = Simulator(SimConfig(users=50, seed=9, conflict_rate=0.5))
    uid = sim.user_ids()[0]
    u = sim.org.users[uid]
    sim.org.set_proficiencies(u, "skill", {next(iter(sim.org.skills)): 1.5}, replace=True)
    sim.org.users[uid].state = "inactive"
    sim.org._reindex()
    sim._edit(sim.org.users[sim.user_ids()[1]], "test", (), ())
    path = tmp_path / "sub" / "state.json"
    sim.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temp file left behind
    loaded = Simulator.load(path)
    assert _bytes(loaded) == _bytes(sim)
    assert loaded.config == sim.config
    assert loaded.conflicts() == sim.conflicts()
    assert loaded.user(uid) == sim.user(uid)
    assert loaded.org.state_counts == {"active": 49, "inactive": 1}
    again = Simulator.load(path, overrides={"conflict_rate": 0.0, "client_secret": "s2"})
    assert again.config.conflict_rate == 0.0 and again.config.client_secret == "s2"
    assert _bytes(again) == _bytes(sim)


async def test_save_endpoint(http, sim, tmp_path):
    path = tmp_path / "saved.json"
    async with http.post(f"{sim.base_url}/__sim/save") as r:
        assert r.status == 400  # no state file configured
    async with http.post(f"{sim.base_url}/__sim/save", json={"path": str(path)}) as r:
        assert r.status == 200
    assert os.path.exists(path)
    assert Simulator.load(path).dump() == sim.sim.dump()
