"""Conditional group routing and the whole-queue PUT, over HTTP (#27 §1).

A queue with conditional group routing rules reads back ``rules[0].queue`` (the queue itself), and
the API refuses a PUT that carries it back. bulkops removes it, keeps every rule otherwise, and a
queue settings job on such queues applies; its undo too."""

from __future__ import annotations

import copy
import json

import pytest
from helpers.engine import client_for, run_job, undo_job

from bulkops.client.endpoints.routing_config import get_queue_config, put_queue_config
from bulkops.errors import ApiError
from bulkops.kinds.queues import kind as kind_queues
from bulkops.simulator import SimConfig
from bulkops.simulator.model import cgr


@pytest.fixture
def fast_pace(monkeypatch):
    monkeypatch.setattr(kind_queues, "QUEUE_WRITES_PER_SECOND", 1000.0)


def stored_rules(sim, qid):
    return copy.deepcopy(sim.sim.org.queueconfig.peek(qid)[cgr.FIELD]["rules"])


async def test_a_naive_put_of_what_was_read_is_refused_and_the_client_strips_only_rule_0s_queue(sim):
    sim.sim.reset(SimConfig(users=10, queues=6, seed=3, conditional_group_routing=True))
    qid = next(iter(sim.sim.org.queues))
    before = stored_rules(sim, qid)
    async with client_for(sim, rps=3000) as client:
        read = await get_queue_config(client, qid)
        shown = read.raw[cgr.FIELD]["rules"]
        assert shown[0]["queue"]["id"] == qid and len(shown) == len(before) >= 2
        naive = {k: v for k, v in read.raw.items() if k not in ("id", "dateCreated", "dateModified", "memberCount", "userMemberCount", "joinedMemberCount")}
        with pytest.raises(ApiError) as info:
            await client.request("PUT", f"/api/v2/routing/queues/{qid}", json=naive)
        assert info.value.status == 400 and "conditionalGroupRouting.rules[0].queue" in str(info.value)
        body = read.request_body()
        assert "queue" not in body[cgr.FIELD]["rules"][0]
        assert [r.get("queue", {}).get("id") for r in body[cgr.FIELD]["rules"][1:]] == [r["queue"]["id"] for r in before[1:]]
        back = await put_queue_config(client, qid, {**body, "skillEvaluationMethod": "ALL"})
    assert back.skill_evaluation_method == "ALL" and stored_rules(sim, qid) == before  # every rule kept, as it was


async def test_a_queue_settings_job_on_queues_with_rules_applies_keeps_every_rule_and_undoes(sim, tmp_path, fast_pace):
    sim.sim.reset(SimConfig(users=20, queues=8, seed=7, conditional_group_routing=True))
    s = sim.sim
    with_rules = list(s.org.queues)[: cgr.SEEDED_QUEUES]
    names = {q.id: q.name for q in s.org.queues.values()}
    before = {qid: stored_rules(sim, qid) for qid in with_rules}
    spec = tmp_path / "q.json"
    spec.write_text(json.dumps({"version": 2, "queues": [{"queue": names[qid], "skillEvaluationMethod": "NONE"} for qid in with_rules]}))
    setup, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete" and summary["items"]["queue"] == {"applied": len(with_rules)}, summary
    assert "400" not in json.dumps(s.stats()["byStatus"])
    for qid in with_rules:
        assert s.org.queueconfig.peek(qid)["skillEvaluationMethod"] == "NONE" and stored_rules(sim, qid) == before[qid]
    _, undone, undo_summary = await undo_job(sim, tmp_path, setup.job_id)
    assert undo_summary["items"]["queue"] == {"applied": len(with_rules)}, undo_summary
    for qid in with_rules:
        assert s.org.queueconfig.peek(qid)["skillEvaluationMethod"] == "BEST" and stored_rules(sim, qid) == before[qid]
