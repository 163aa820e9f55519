"""The routing activity query's clause cap and its ``truncated`` flag, over HTTP (#27 §8): more than 100
conditions are split over several queries (the simulator refuses a bigger clause), and a truncated
answer makes the live picture partial, which the impact says."""

from __future__ import annotations

import random

import pytest
from helpers.clients import client_for
from helpers.engine import write_wide_csv
from test_impact import at_least, holders, plan_impact

from bulkops.client.endpoints.activity import ACTIVITY_PATH, live_picture
from bulkops.engine.plan.impact import NOTICE
from bulkops.engine.plan.impact_text import describe, to_dict
from bulkops.errors import BadRequestError
from bulkops.simulator import SimConfig
from bulkops.simulator.model import skillgroups
from bulkops.simulator.model.analytics import activity


def _either(dimension, values):
    return {"type": "or", "predicates": [{"type": "dimension", "dimension": dimension, "operator": "matches", "value": v} for v in values]}


async def test_a_clause_over_the_cap_is_refused_and_the_client_splits_150_queues_and_120_users(sim):
    sim.sim.reset(SimConfig(users=250, queues=150, seed=8))
    s = sim.sim
    rng = random.Random(8)
    for uid in rng.sample(s.user_ids(), 150):
        s.org.routing_status[uid] = rng.choice(("IDLE", "INTERACTING"))
    queues = sorted(s.org.queues)
    users = sorted(rng.sample(s.user_ids(), 120))
    async with client_for(sim, rps=3000) as client:
        with pytest.raises(BadRequestError) as too_many:
            body = {"metrics": [{"metric": "oOnQueueUsers"}], "groupBy": ["queueId"], "filter": _either("queueId", queues[:101])}
            await client.request("POST", ACTIVITY_PATH, json=body)
        assert "max.predicates.exceeded" in (too_many.value.body or "")
        picture = await live_picture(client, queues, users)
    obs = [o for o in activity.observations(s.org) if o.on_queue]
    truth_now = {q: sum(1 for o in obs if o.queueId == q) for q in queues}
    truth_among = {q: frozenset(o.userId for o in obs if o.queueId == q and o.userId in users) for q in queues}
    assert dict(picture.on_queue) == truth_now and dict(picture.among) == truth_among and not picture.partial
    assert sum(truth_now.values()) > 0 and any(truth_among.values())
    routes = s.stats()["byRoute"][f"POST {ACTIVITY_PATH}"]
    assert routes["byStatus"].get("400") == 1 and routes["total"] >= 1 + 2 + 4  # 2 queue queries, 2 x 2 queue-by-user ones


async def test_a_truncated_answer_makes_the_live_picture_partial_and_the_impact_says_so(sim, tmp_path):
    s = sim.sim
    group = s.add_skill_group("Billing experts", at_least("Billing", 3))
    qid = s.queue_ids_by_name()["Billing"]
    skillgroups.attach(s.org, qid, group.id)
    experts = holders(s, "Billing", 3)
    direct = set(s.org.queue(qid).members)
    leaving = [u for u in experts if u not in direct][:3]
    for uid in s.queue_member_ids(qid):
        s.org.routing_status[uid] = "IDLE"
    spec = write_wide_csv(tmp_path / "drop.csv", ["email", "Billing"], [[s.org.users[u].email, "1"] for u in leaving])
    full = await plan_impact(sim, spec)
    [q_full] = full.queues
    assert full.analytics == "read" and not q_full.on_queue_partial and q_full.on_queue_now > 3

    s.configure(activity_observation_limit=3)  # the platform answers a group of more than 3 from 3 only
    impact = await plan_impact(sim, spec)
    [q] = impact.queues
    assert q.on_queue_partial and q.on_queue_now <= 3 < q_full.on_queue_now  # counted from the first 3 observations only
    assert impact.analytics.startswith("partial:") and "'Billing'" in impact.analytics
    assert any(w.rank == NOTICE and "partial" in w.text for w in impact.warnings) and not impact.top_rank()
    text = "\n".join(describe(impact))
    assert f"Billing: at least {q.on_queue_now} agents on queue now" in text and "agents on queue now: partial" in text
    assert to_dict(impact)["queues"][0]["on_queue_partial"] is True


def _term_by_term(f, o):
    """The filter's meaning, one term at a time (what ``activity.compiled`` folds into sets)."""
    terms = []
    for p in f.get("predicates") or []:
        op = p.get("operator", "matches")
        terms.append(True if op == "exists" else False if op == "notExists" else o.get(p["dimension"]) == p["value"])
    terms += [_term_by_term(c, o) for c in f.get("clauses") or []]
    return True if not terms else any(terms) if f["type"] == "or" else all(terms)


def test_the_compiled_filter_means_what_its_terms_mean():
    rng = random.Random(27)
    values = {"queueId": ["q1", "q2", "q3"], "userId": ["u1", "u2"], "routingStatus": ["IDLE", "OFF_QUEUE"], "queueMembershipStatus": ["active"]}
    obs = [activity.Observation(q, u, r, "active") for q in values["queueId"] for u in values["userId"] for r in values["routingStatus"]]

    def predicate():
        dim = rng.choice(sorted(values))
        op = rng.choice(("matches", "matches", "matches", "exists", "notExists"))
        return {"type": "dimension", "dimension": dim, "operator": op, "value": rng.choice(values[dim])}

    def clause(depth):
        f = {"type": rng.choice(("and", "or")), "predicates": [predicate() for _ in range(rng.randint(0, 4))]}
        if depth == 0 and rng.random() < 0.5:
            f["clauses"] = [clause(1) for _ in range(rng.randint(1, 3))]
        return f

    for _ in range(500):
        f = clause(0)
        test = activity.compiled(f)
        assert [test(o) for o in obs] == [_term_by_term(f, o) for o in obs], f
