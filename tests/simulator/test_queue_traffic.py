"""Queue traffic over HTTP (#31 §1 groundwork): the queue observations and conversation aggregates
queries answer from each queue's seeded offered load and the agents on queue now, in the official
SDK's shapes; taking agents off queue makes waiting grow and the service level fall."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bulkops.domain.rollout import erlangc
from bulkops.simulator import SimConfig
from bulkops.simulator.config import profile_config
from bulkops.simulator.model.analytics import traffic

OBSERVATIONS = "/api/v2/analytics/queues/observations/query"
AGGREGATES = "/api/v2/analytics/conversations/aggregates/query"
ROUTING = SimConfig(routing_picture=True, queue_traffic=True)  # the routing profile's org, without its faults


def _past_half_hour() -> str:
    end = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    return f"{(end - timedelta(minutes=30)).isoformat().replace('+00:00', 'Z')}/{end.isoformat().replace('+00:00', 'Z')}"


def _observe(queue_ids: list[str], metrics=("oWaiting", "oInteracting", "oOnQueueUsers")) -> dict:
    predicates = [{"type": "dimension", "dimension": "queueId", "operator": "matches", "value": q} for q in queue_ids]
    return {"filter": {"type": "or", "predicates": predicates}, "metrics": list(metrics)}


def _aggregate(queue_ids: list[str] | None, interval: str | None = None) -> dict:
    body: dict = {"interval": interval or _past_half_hour(), "groupBy": ["queueId"], "metrics": ["nOffered", "tHandle", "oServiceLevel"]}
    if queue_ids is not None:
        body["filter"] = {"type": "or", "predicates": [{"type": "dimension", "dimension": "queueId", "value": q} for q in queue_ids]}
    return body


def _counts(result: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in result["data"]:
        out[d["metric"]] = out.get(d["metric"], 0) + d["stats"]["count"]
    return out


def test_the_routing_profile_models_traffic_and_the_default_org_does_not():
    assert profile_config("routing").queue_traffic and not profile_config("real").queue_traffic
    assert not SimConfig().queue_traffic


async def test_traffic_is_seeded_once_per_queue_repeatably_and_survives_a_save(sim, tmp_path):
    s = sim.sim
    s.reset(ROUTING)
    seeded = dict(s.org.queue_traffic)
    assert set(seeded) == set(s.org.queues)
    assert all(t["arrivals"] > 0 and 180 <= t["handle_seconds"] <= 420 for t in seeded.values())
    s.save(tmp_path / "sim.json")
    assert type(s).load(tmp_path / "sim.json").org.queue_traffic == seeded
    s.reset(ROUTING)
    assert s.org.queue_traffic == seeded
    s.reset(SimConfig())
    assert s.org.queue_traffic == {}


async def test_observations_count_who_is_on_queue_and_taking_agents_away_makes_waiting_grow(api, sim):
    s = sim.sim
    s.reset(ROUTING)
    qid = s.queue_ids_by_name()["Support ES"]
    status, body, _ = await api.post(OBSERVATIONS, json=_observe([qid]))
    assert status == 200
    [result] = body["results"]
    assert result["group"] == {"queueId": qid}
    on_queue = {d["qualifier"]: d["stats"]["count"] for d in result["data"] if d["metric"] == "oOnQueueUsers"}
    expected = traffic.on_queue_by_queue(s.org)[qid]
    assert on_queue == expected and set(on_queue) <= {"IDLE", "INTERACTING", "COMMUNICATING", "NOT_RESPONDING"}
    before = _counts(result)
    before_load = dict(s.org.queue_traffic[qid])
    _, sl_before, _ = await api.post(AGGREGATES, json=_aggregate([qid]))
    # every agent on Support ES but two goes off queue: the load stays, the agents do not
    members = sorted(u for u in s.queue_member_ids(qid) if s.org.routing_status.get(u))
    status, _, _ = await api.post("/__sim/routing-status", json={u: "OFF_QUEUE" for u in members[2:]})
    assert status == 200
    _, body, _ = await api.post(OBSERVATIONS, json=_observe([qid]))
    after = _counts(body["results"][0])
    assert after["oOnQueueUsers"] == 2 < before["oOnQueueUsers"]
    assert after["oWaiting"] > before["oWaiting"] and after["oInteracting"] <= 2
    _, sl_after, _ = await api.post(AGGREGATES, json=_aggregate([qid]))
    level = [m["stats"]["ratio"] for m in sl_after["results"][0]["data"][0]["metrics"] if m["metric"] == "oServiceLevel"]
    level_before = [m["stats"]["ratio"] for m in sl_before["results"][0]["data"][0]["metrics"] if m["metric"] == "oServiceLevel"]
    assert level == [0.0] and level_before[0] > 0.5
    assert s.org.queue_traffic[qid] == before_load  # the load did not move


async def test_aggregates_give_offered_handle_time_and_erlang_c_service_level_per_queue(api, sim):
    s = sim.sim
    s.reset(ROUTING)
    status, body, _ = await api.post(AGGREGATES, json=_aggregate(None))
    assert status == 200
    assert [r["group"]["queueId"] for r in body["results"]] == sorted(s.org.queues)
    agents = traffic.on_queue_by_queue(s.org)
    for r in body["results"]:
        t = traffic.traffic_of(s.org, r["group"]["queueId"])
        [bucket] = r["data"]
        assert bucket["interval"] == _past_half_hour()
        stats = {m["metric"]: m["stats"] for m in bucket["metrics"]}
        assert stats["nOffered"]["count"] == round(t.arrivals)
        assert stats["tHandle"]["sum"] / stats["tHandle"]["count"] == pytest.approx(t.handle_seconds * 1000)
        level = erlangc.service_level(t.load, sum(agents.get(r["group"]["queueId"], {}).values()), 20)
        sl = stats["oServiceLevel"]
        assert sl["denominator"] == stats["nOffered"]["count"] and sl["numerator"] == round(level * sl["denominator"])
        assert 0.0 <= sl["ratio"] <= 1.0 and sl["target"] == 0.8
    # an hour offers twice the half hour's conversations
    hour = f"{_past_half_hour().split('/')[0]}/2026-12-07T06:30:00Z"
    _, longer, _ = await api.post(AGGREGATES, json=_aggregate(sorted(s.org.queues)[:1], hour))
    [r] = longer["results"]
    t = traffic.traffic_of(s.org, r["group"]["queueId"])
    assert r["data"][0]["metrics"][0]["stats"]["count"] == round(t.arrivals * 2)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (OBSERVATIONS, {"metrics": ["oWaiting"]}, "filter"),
        (OBSERVATIONS, _observe(["q"], ["oNope"]), "metrics[0]"),
        (OBSERVATIONS, {"filter": {"type": "or", "predicates": [{"dimension": "userId", "value": "u"}]}, "metrics": ["oWaiting"]}, "filter.predicates[0]"),
        (AGGREGATES, _aggregate(None, "yesterday"), "interval"),
        (AGGREGATES, _aggregate(None, "2026-12-07T06:00:00Z/2026-12-07T05:00:00Z"), "interval"),
        (AGGREGATES, {**_aggregate(None), "groupBy": ["userId"]}, "groupBy"),
        (AGGREGATES, {**_aggregate(None), "metrics": ["tTalk"]}, "metrics[0]"),
    ],
)
async def test_a_malformed_query_is_a_400_naming_the_field(api, sim, path, body, field):
    sim.sim.reset(ROUTING)
    status, answer, _ = await api.post(path, json=body)
    assert status == 400
    assert field in [d["fieldName"] for d in answer["details"]]


async def test_without_the_analytics_permissions_both_queries_are_403(api, sim):
    sim.sim.reset(ROUTING)
    sim.sim.configure(analytics_forbidden=True)
    qid = sorted(sim.sim.org.queues)[0]
    assert (await api.post(OBSERVATIONS, json=_observe([qid])))[0] == 403
    assert (await api.post(AGGREGATES, json=_aggregate([qid])))[0] == 403


async def test_the_official_sdk_deserializes_both_answers(sim):
    sdk = pytest.importorskip("PureCloudPlatformClientV2")
    s = sim.sim
    s.reset(ROUTING)
    qid = s.queue_ids_by_name()["Billing"]

    def go():
        client = sdk.ApiClient(host=sim.base_url).get_client_credentials_token(sim.client_id, sim.client_secret)
        analytics = sdk.AnalyticsApi(client)
        predicate = sdk.QueueObservationQueryPredicate()
        predicate.type, predicate.dimension, predicate.operator, predicate.value = "dimension", "queueId", "matches", qid
        flt = sdk.QueueObservationQueryFilter()
        flt.type, flt.predicates = "or", [predicate]
        observe = sdk.QueueObservationQuery()
        observe.filter, observe.metrics = flt, ["oWaiting", "oInteracting", "oOnQueueUsers"]
        agg_predicate = sdk.ConversationAggregateQueryPredicate()
        agg_predicate.type, agg_predicate.dimension, agg_predicate.value = "dimension", "queueId", qid
        agg_filter = sdk.ConversationAggregateQueryFilter()
        agg_filter.type, agg_filter.predicates = "or", [agg_predicate]
        aggregate = sdk.ConversationAggregationQuery()
        aggregate.interval, aggregate.group_by, aggregate.filter = _past_half_hour(), ["queueId"], agg_filter
        aggregate.metrics = ["nOffered", "tHandle", "oServiceLevel"]
        return analytics.post_analytics_queues_observations_query(observe), analytics.post_analytics_conversations_aggregates_query(aggregate)

    observed, aggregated = await asyncio.to_thread(go)
    [result] = observed.results
    assert result.group == {"queueId": qid}
    on_queue = sum(d.stats.count for d in result.data if d.metric == "oOnQueueUsers")
    assert on_queue == sum(traffic.on_queue_by_queue(s.org)[qid].values())
    assert {d.metric for d in result.data} == {"oWaiting", "oInteracting", "oOnQueueUsers"}
    [agg] = aggregated.results
    assert agg.group == {"queueId": qid}
    [bucket] = agg.data
    stats = {m.metric: m.stats for m in bucket.metrics}
    assert stats["nOffered"].count == round(traffic.traffic_of(s.org, qid).arrivals)
    assert stats["tHandle"].sum == pytest.approx(stats["tHandle"].count * traffic.traffic_of(s.org, qid).handle_seconds * 1000)
    assert stats["oServiceLevel"].denominator == stats["nOffered"].count and 0 <= stats["oServiceLevel"].ratio <= 1
