"""Per-user utilization through the one pipeline, over HTTP (#19): many users given a new email
capacity and a label the same job creates, every other media type unchanged, another
administrator's concurrent edits kept, and "inherit" returning a user to the org default."""

from __future__ import annotations

import json

from helpers.engine import client_for

from bulkops.client.endpoints.utilization import get_user_utilization
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.simulator import SimConfig

OPTS = RunOptions(workers=8, conflict_delay=0.0)


async def settings(sim, ids):
    async with client_for(sim, rps=3000) as client:
        return {uid: await get_user_utilization(client, uid) for uid in ids}


async def run(sim, spec, state_dir):
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=state_dir)
        return setup, await execute(client, setup, options=OPTS)


async def test_many_users_get_email_capacity_and_a_new_label_keeping_everything_else(sim, tmp_path):
    sim.sim.reset(SimConfig(users=150, seed=19))
    s = sim.sim
    ids = s.user_ids()[:120]
    for uid in ids[:40]:  # some users already have a setting of their own
        s.set_user_utilization(uid, {"utilization": {"chat": {"maximumCapacity": 4}}})
    before = await settings(sim, ids)
    entries = [
        {
            "user": s.org.user(uid).email,
            "media": {"email": {"maximumCapacity": 3, "interruptableMediaTypes": ["call"]}},
            "labels": {"VIP": {"maximumCapacity": 1}},
        }
        for uid in ids
    ]
    spec = tmp_path / "u.json"
    spec.write_text(json.dumps({"version": 2, "utilizationLabels": [{"create": "VIP"}], "utilization": entries}))
    s.configure(utilization_edit_rate=0.2)
    setup, summary = await run(sim, spec, tmp_path)
    s.configure(utilization_edit_rate=0.0)
    assert summary["status"] == "complete", summary
    assert summary["items"]["utilization"] == {"applied": 120}
    edits = [c for c in s._conflicts if c.get("kind") == "utilization"]
    assert edits  # another administrator changed some users between the reads
    kept: dict[tuple[str, str], int] = {(c["userId"], c["name"]): c["after"] for c in edits}  # the last edit of each wins
    vip = next(x.id for x in s.org.utilization.labels.values() if x.name == "VIP")
    after = await settings(sim, ids)
    for uid in ids:
        a, b = after[uid], before[uid]
        assert a.level == "Agent"
        assert a.media["email"].maximum_capacity == 3 and a.media["email"].interruptable_media_types == {"call"}
        assert a.labels[vip].maximum_capacity == 1
        for mt in ("call", "callback", "chat", "message"):
            assert a.media[mt].maximum_capacity == kept.get((uid, mt), b.media[mt].maximum_capacity), (uid, mt)
            assert a.media[mt].interruptable_media_types == b.media[mt].interruptable_media_types
    # run again: nothing left to write
    _, again = await run(sim, tmp_path / "u.json", tmp_path / "again")
    assert again["items"]["utilization"] == {"unchanged": 120}


async def test_inherit_returns_a_user_to_the_org_default(sim, tmp_path):
    sim.sim.reset(SimConfig(users=20, seed=4))
    s = sim.sim
    uid, other = s.user_ids()[:2]
    s.set_user_utilization(uid, {"utilization": {"email": {"maximumCapacity": 5}}})
    spec = tmp_path / "u.json"
    spec.write_text(json.dumps({"version": 2, "utilization": [{"user": uid, "inherit": True}, {"user": s.org.user(other).email, "inherit": True}]}))
    _, summary = await run(sim, spec, tmp_path)
    assert summary["items"]["utilization"] == {"applied": 1, "unchanged": 1}
    after = await settings(sim, [uid, other])
    assert after[uid].level == "Organization" and after[other].level == "Organization"


async def test_the_example_job_runs_on_the_default_org(sim, tmp_path):
    """jobs/utilization.json: a label created and given its org-level capacity with the default's chat, three users
    given email capacity (two with the label), one a whole setting, two returned to the default."""
    from pathlib import Path

    spec = Path(__file__).resolve().parents[3] / "jobs" / "utilization.json"
    setup, summary = await run(sim, spec, tmp_path)
    assert summary["status"] == "complete", summary
    assert summary["items"]["label"] == {"applied": 1}
    assert summary["items"]["utilization"].get("applied", 0) >= 4
    assert summary["items"]["utilization_default"] == {"applied": 1}
    default = sim.sim.org.utilization.org
    assert default.media["chat"].maximum_capacity == 3 and [x.maximum_capacity for x in default.labels.values()] == [1]
