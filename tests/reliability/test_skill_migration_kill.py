"""A skill migration killed with SIGKILL at random moments, resumed to the end: nothing lost, nothing twice.

Real processes: ``bulkops sim serve`` and ``bulkops run``/``resume``, each killed at a moment drawn
from a seeded RNG. At the end every holder of the old skill holds the new one at the old level and
not the old one, the new skill exists once (a create killed after its POST is not repeated), the
old skill is deleted, and each skill item has exactly one final audit line.
"""

from __future__ import annotations

import json
import random
import urllib.request
from pathlib import Path

import orjson
import pytest
from helpers.killloop import kill_and_resume

from bulkops.simulator.process import simulator_process
from bulkops.state.ndjson import read_ndjson

pytestmark = pytest.mark.slow

USERS = 2000
SEED = 77


def dump(url: str) -> dict:
    return orjson.loads(urllib.request.urlopen(f"{url}/__sim/state", timeout=30).read())


def skills_of(state: dict) -> dict[str, dict]:
    skills = state["skills"]
    return {s["id"]: s for s in (skills.values() if isinstance(skills, dict) else skills)}


def users_of(state: dict) -> dict[str, dict]:
    users = state["users"]
    return {u["id"]: u for u in (users.values() if isinstance(users, dict) else users)}


def test_a_migration_killed_at_random_moments_ends_as_if_uninterrupted(tmp_path):
    rng = random.Random(SEED)
    with simulator_process("--users", str(USERS), "--seed", str(SEED)) as url:
        before = dump(url)
        skills = skills_of(before)
        users = users_of(before)
        counts: dict[str, int] = {}
        for u in users.values():
            for sid in u["skills"]:
                counts[sid] = counts.get(sid, 0) + 1
        old_id = max(counts, key=counts.__getitem__)
        old = skills[old_id]["name"]
        holders = {uid: u["skills"][old_id] for uid, u in users.items() if old_id in u["skills"]}
        spec = tmp_path / "migrate.json"
        spec.write_text(json.dumps({"version": 2, "skills": [{"create": "Digital Care"}, {"migrate": old, "into": "Digital Care", "delete": True}]}))
        state = tmp_path / "state"
        common = ["--base-url", url, "--state-dir", str(state), "--rps", "150", "--plain-progress"]
        kills, end = kill_and_resume(spec, state, common, rng)
        assert end.returncode == 0, end.stdout + end.stderr
        after = dump(url)
    assert kills >= 3
    new = [s for s in skills_of(after).values() if s["name"] == "Digital Care"]
    assert len(new) == 1, new  # created once, whatever the kills
    new_id = new[0]["id"]
    assert skills_of(after)[old_id]["state"] == "deleted"
    now = users_of(after)
    for uid, level in holders.items():
        assert now[uid]["skills"].get(new_id) == level and old_id not in {k for k, v in now[uid]["skills"].items()}, uid
    for uid, u in now.items():  # nobody else touched
        if uid not in holders:
            assert u["skills"] == users[uid]["skills"], uid
    lines = [r for r in read_ndjson(Path(state) / "j" / "audit.ndjson") if r.get("kind") == "skill"]
    final = {r["key"]: r["outcome"] for r in lines}
    assert sorted(final.values()) == ["applied", "applied"], lines
    assert len({(r["key"], r["outcome"]) for r in lines if r["outcome"] == "applied"}) == len([r for r in lines if r["outcome"] == "applied"])
