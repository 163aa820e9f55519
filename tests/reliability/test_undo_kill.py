"""An undo killed with SIGKILL at moments tied to its progress, resumed to the end (#20): the 400
users of a reorganization end exactly as they were before it, each with one final audit line.

Real processes: ``bulkops sim serve``, ``bulkops run`` for the job, then ``bulkops undo`` and
``bulkops resume JOB-undo`` through the kills."""

from __future__ import annotations

import json
import random
import urllib.request

import orjson
import pytest
from helpers.cli import bulkops
from helpers.killloop import kill_and_resume

from bulkops.simulator.process import simulator_process
from bulkops.state.ndjson import read_ndjson

pytestmark = pytest.mark.slow

USERS = 400
SEED = 20


def org(url: str) -> dict:
    return orjson.loads(urllib.request.urlopen(f"{url}/__sim/state", timeout=30).read())


def users_of(state: dict, ids: set[str]) -> dict[str, dict]:
    return {u["id"]: {k: v for k, v in u.items() if k not in ("version", "dateModified")} for u in state["users"] if u["id"] in ids}


def members(state: dict) -> dict[str, set[str]]:
    return {q["id"]: {m["id"] for m in q["members"]} for q in state["queues"]}


def reorg(tmp_path, start: dict) -> tuple[object, set[str]]:
    """The reorganization of the first USERS active users: (spec path, their ids)."""
    skills = [s["name"] for s in start["skills"]][:3]
    division = [d["name"] for d in start["divisions"]][-1]
    queue = [q["name"] for q in start["queues"]][0]
    targets = [u for u in start["users"] if u["state"] == "active"][:USERS]
    entries = [
        {
            "user": u["email"],
            "skills": {skills[0]: 5, skills[1]: 2},
            "removeSkills": [skills[2]],
            "languages": {"Spanish": 3},
            "department": "Reorg",
            "title": "Agent III",
            "division": division,
            "joinQueues": [queue],
        }
        for u in targets
    ]
    spec = tmp_path / "reorg.json"
    spec.write_text(json.dumps({"version": 1, "mode": "merge", "users": entries}))
    return spec, {u["id"] for u in targets}


def test_an_undo_killed_at_random_moments_restores_the_org_exactly(tmp_path):
    rng = random.Random(SEED)
    with simulator_process("--users", str(USERS + 50), "--seed", str(SEED)) as url:
        start = org(url)
        spec, ids = reorg(tmp_path, start)
        state = tmp_path / "state"
        common = ["--base-url", url, "--state-dir", str(state), "--rps", "150", "--plain-progress"]
        ran = bulkops("run", str(spec), "--job", "j", "--yes", *common, timeout=600)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert users_of(org(url), ids) != users_of(start, ids)

        def command() -> list[str]:
            return ["resume", "j-undo"] if (state / "j-undo" / "state.db").exists() else ["undo", "j", "--yes"]

        landed, end = kill_and_resume(spec, state, common, rng, job="j-undo", kills=4, every=40, command=command)
        assert end.returncode == 0, end.stdout + end.stderr
        after = org(url)
    assert landed >= 3
    assert users_of(after, ids) == users_of(start, ids)
    assert members(after) == members(start)
    lines = [r for r in read_ndjson(state / "j-undo" / "audit.ndjson") if isinstance(r, dict) and "kind" not in r]
    final = {r["user_id"]: r["outcome"] for r in lines}
    assert set(final) == ids and set(final.values()) <= {"applied"}
    applied = [r["user_id"] for r in lines if r["outcome"] == "applied"]
    assert len(applied) == len(set(applied))  # one final line per user: nothing written twice


def test_a_job_killed_at_random_moments_then_resumed_is_undone_exactly(tmp_path):
    """#25 §1: a kill between a user's write and its audit line used to lose that user's undo (the
    resume's line had no operation and the state after the write as its before). With the write-ahead
    record, ``undo --yes`` after the kills and the resume restores every user, exit 0, none named."""
    rng = random.Random(SEED + 1)
    with simulator_process("--users", str(USERS + 50), "--seed", str(SEED + 1)) as url:
        start = org(url)
        spec, ids = reorg(tmp_path, start)
        state = tmp_path / "state"
        common = ["--base-url", url, "--state-dir", str(state), "--rps", "150", "--plain-progress"]
        landed, end = kill_and_resume(spec, state, common, rng, job="j", kills=3, every=40)
        assert end.returncode == 0, end.stdout + end.stderr
        assert users_of(org(url), ids) != users_of(start, ids)
        undone = bulkops("undo", "j", "--yes", *common, timeout=600)
        after = org(url)
    assert landed >= 2
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert "not restorable" not in undone.stdout + undone.stderr
    assert users_of(after, ids) == users_of(start, ids)
    moved = {q: sorted(members(after)[q] ^ members(start)[q]) for q in members(start) if members(after)[q] != members(start)[q]}
    assert not moved, moved
    lines = [r for r in read_ndjson(state / "j" / "audit.ndjson") if isinstance(r, dict)]
    confirmed = [r for r in lines if r.get("confirmed_after_restart")]
    assert all(r["before"] and any(op.get("confirmed") for op in r["ops"]) for r in confirmed if r.get("changes"))
