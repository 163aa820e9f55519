"""1,000 users given email capacity and a label, killed with SIGKILL at random moments and resumed:
every user ends with exactly what the job names, every other media type as the org default has it,
the label created once, one final audit line per user."""

from __future__ import annotations

import json
import random
import urllib.request

import orjson
import pytest
from helpers.killloop import kill_and_resume

from bulkops.simulator.process import simulator_process
from bulkops.state.ndjson import read_ndjson

pytestmark = pytest.mark.slow

USERS = 1000
SEED = 31


def dump(url: str) -> dict:
    return orjson.loads(urllib.request.urlopen(f"{url}/__sim/state", timeout=30).read())


def test_utilization_for_a_thousand_users_killed_at_random_moments_ends_as_named(tmp_path):
    rng = random.Random(SEED)
    with simulator_process("--users", str(USERS + 200), "--seed", str(SEED)) as url:
        users = sorted(dump(url)["users"], key=lambda u: u["id"])[:USERS]
        entries = [
            {"user": u["email"], "media": {"email": {"maximumCapacity": 3, "interruptableMediaTypes": ["call"]}}, "labels": {"VIP": {"maximumCapacity": 1}}}
            for u in users
        ]
        spec = tmp_path / "u.json"
        spec.write_text(json.dumps({"version": 2, "utilizationLabels": [{"create": "VIP"}], "utilization": entries}))
        state = tmp_path / "state"
        common = ["--base-url", url, "--state-dir", str(state), "--rps", "300", "--plain-progress"]
        kills, end = kill_and_resume(spec, state, common, rng, every=40)
        assert end.returncode == 0, end.stdout + end.stderr
        after = dump(url)["utilization"]
    assert kills >= 3
    vip = [x["id"] for x in after["labels"] if x["name"] == "VIP"]
    assert len(vip) == 1, after["labels"]  # created once, whatever the kills
    org_default = after["org"]["media"]
    for u in users:
        own = after["users"][u["id"]]
        assert own["media"]["email"]["cap"] == 3 and own["media"]["email"]["interruptable"] == ["call"], u["email"]
        assert own["labels"][vip[0]]["cap"] == 1
        for media, setting in own["media"].items():
            if media != "email" and media in org_default:
                assert setting["cap"] == org_default[media]["cap"], (u["email"], media)
    final = {r["key"]: r["outcome"] for r in read_ndjson(state / "j" / "audit.ndjson") if r.get("kind") == "utilization"}
    assert len(final) == USERS and set(final.values()) <= {"applied"}


WHOLE = {
    "call": {"maximumCapacity": 1},
    "callback": {"maximumCapacity": 1},
    "chat": {"maximumCapacity": 2, "interruptableMediaTypes": ["call"]},
    "email": {"maximumCapacity": 3, "interruptableMediaTypes": ["call", "chat"]},
    "message": {"maximumCapacity": 0},
}


def test_whole_settings_for_a_thousand_users_killed_at_random_moments_end_exact(tmp_path):
    """Written without a read: a PUT that landed before a kill is sent again on resume, and every user
    ends with exactly the whole setting named (every media type, the label, nothing they had before)."""
    rng = random.Random(SEED + 1)
    with simulator_process("--users", str(USERS + 200), "--seed", str(SEED + 1)) as url:
        users = sorted(dump(url)["users"], key=lambda u: u["id"])[:USERS]
        entries = [{"user": u["email"], "whole": True, "media": WHOLE, "labels": {"VIP": {"maximumCapacity": 1}}} for u in users]
        spec = tmp_path / "w.json"
        spec.write_text(json.dumps({"version": 2, "utilizationLabels": [{"create": "VIP"}], "utilization": entries}))
        state = tmp_path / "state"
        common = ["--base-url", url, "--state-dir", str(state), "--rps", "300", "--plain-progress"]
        kills, end = kill_and_resume(spec, state, common, rng, every=40)
        assert end.returncode == 0, end.stdout + end.stderr
        after = dump(url)["utilization"]
    assert kills >= 3
    vip = [x["id"] for x in after["labels"] if x["name"] == "VIP"]
    assert len(vip) == 1, after["labels"]
    org_default = {m: (s["cap"], s["interruptable"]) for m, s in after["org"]["media"].items()}
    for u in users:
        own = after["users"][u["id"]]
        media = {m: (s["cap"], s["interruptable"]) for m, s in own["media"].items()}
        assert {m: media[m] for m in WHOLE} == {m: (w["maximumCapacity"], w.get("interruptableMediaTypes", [])) for m, w in WHOLE.items()}, u["email"]
        # a media type bulkops does not know (workitem, #27 §6) is not in a whole setting: the PUT leaves it
        # at the org default, as the platform does with every type a PUT omits
        assert {m: v for m, v in media.items() if m not in WHOLE} == {m: v for m, v in org_default.items() if m not in WHOLE}, u["email"]
        assert list(own["labels"]) == vip and own["labels"][vip[0]]["cap"] == 1
    final = {r["key"]: r["outcome"] for r in read_ndjson(state / "j" / "audit.ndjson") if r.get("kind") == "utilization"}
    assert len(final) == USERS and set(final.values()) <= {"applied"}
