"""A 120-queue settings job killed with SIGKILL at random moments, resumed to the end (#18):
every queue ends with exactly the named settings, nothing it does not name changed, the
wrap-up code added, and one final audit line per queue (nothing lost, nothing written twice
that was already so: a queue whose PUT landed before a kill is confirmed, not written again).

Real processes: ``bulkops sim serve`` and ``bulkops run``/``resume``, at the guide's pace of
5 queue writes a second (240 writes: about 50 s of writing in all).
"""

from __future__ import annotations

import base64
import json
import random
import time
import urllib.request
from pathlib import Path

import orjson
import pytest
from helpers.cli import bulkops, spawn

from bulkops.kinds.queues.intent import get_path, unnamed_digests
from bulkops.simulator.process import simulator_process
from bulkops.state.ndjson import read_ndjson

pytestmark = pytest.mark.slow

QUEUES = 120
SEED = 18
NAMED = frozenset({"skillEvaluationMethod", "acwSettings.wrapupPrompt", "acwSettings.timeoutMs", "mediaSettings.email.serviceLevel.percentage"})


def get(url: str, path: str) -> dict:
    return orjson.loads(urllib.request.urlopen(f"{url}{path}", timeout=30).read())


def queues_of(url: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    page = 1
    while True:
        listing = get_authorized(url, f"/api/v2/routing/queues?pageSize=100&pageNumber={page}")
        out |= {q["id"]: q for q in listing["entities"]}
        if page >= listing.get("pageCount", 1):
            return out
        page += 1


def get_authorized(url: str, path: str) -> dict:
    basic = base64.b64encode(b"bulkops-sim:bulkops-sim-secret").decode()
    grant = urllib.request.Request(
        f"{url}/oauth/token",
        data=b"grant_type=client_credentials",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"},
    )
    token = orjson.loads(urllib.request.urlopen(grant, timeout=30).read())["access_token"]
    req = urllib.request.Request(f"{url}{path}", headers={"Authorization": f"Bearer {token}"})
    return orjson.loads(urllib.request.urlopen(req, timeout=30).read())


def test_a_queue_job_killed_at_random_moments_ends_as_if_uninterrupted(tmp_path):
    rng = random.Random(SEED)
    with simulator_process("--users", "200", "--queues", str(QUEUES), "--seed", str(SEED)) as url:
        before = queues_of(url)
        state_before = get(url, "/__sim/state")["queueConfig"]
        codes = {c["id"]: c["name"] for c in state_before["wrapupCodes"]}
        held = state_before["queueWrapupCodes"]
        entries, added = [], {}
        for qid, q in sorted(before.items()):
            add = sorted(set(codes) - set(held[qid]))[0]
            added[qid] = add
            entries.append(
                {
                    "queue": q["name"],
                    "skillEvaluationMethod": "ALL",
                    "acw": {"wrapupPrompt": "AGENT_REQUESTED", "timeoutMs": 30_000},
                    "media": {"email": {"serviceLevel": {"percentage": 0.9}}},
                    "addWrapupCodes": [codes[add]],
                }
            )
        spec = tmp_path / "queues.json"
        spec.write_text(json.dumps({"version": 2, "queues": entries}))
        state = tmp_path / "state"
        common = ["--base-url", url, "--state-dir", str(state), "--rps", "250", "--plain-progress"]
        kills = 0
        for _ in range(5):
            started = (state / "j" / "state.db").exists()
            proc = spawn(*(["resume", "j"] if started else ["run", str(spec), "--job", "j", "--yes"]), *common)
            time.sleep(rng.uniform(2.0, 6.0))
            if proc.poll() is None:
                proc.kill()
                kills += 1
            proc.communicate(timeout=30)
        for _ in range(3):  # to the end
            done = (state / "j" / "state.db").exists()
            end = bulkops(*(["resume", "j"] if done else ["run", str(spec), "--job", "j", "--yes"]), *common, timeout=600)
            if end.returncode == 0 and "complete" in end.stdout + end.stderr:
                break
        assert end.returncode == 0, end.stdout + end.stderr
        after = queues_of(url)
        state_after = get(url, "/__sim/state")["queueConfig"]
    assert kills >= 3
    for qid, q in after.items():
        assert q["skillEvaluationMethod"] == "ALL" and q["acwSettings"] == {"wrapupPrompt": "AGENT_REQUESTED", "timeoutMs": 30_000}, qid
        assert get_path(q, "mediaSettings.email.serviceLevel.percentage") == 0.9
        drop = {"dateModified"}
        assert unnamed_digests({k: v for k, v in q.items() if k not in drop}, NAMED) == unnamed_digests(
            {k: v for k, v in before[qid].items() if k not in drop}, NAMED
        ), qid
        assert sorted(state_after["queueWrapupCodes"][qid]) == sorted({*held[qid], added[qid]}), qid
    lines = [r for r in read_ndjson(Path(state) / "j" / "audit.ndjson") if r.get("kind") == "queue"]
    final = {r["key"]: r["outcome"] for r in lines}
    assert len(final) == QUEUES and set(final.values()) == {"applied"}, lines
    applied = [r["key"] for r in lines if r["outcome"] == "applied"]
    assert len(applied) == len(set(applied))  # one final line per queue
