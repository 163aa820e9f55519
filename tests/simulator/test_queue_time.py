"""Queue traffic in simulated time (#31 §1) with an injected clock: the routing profile's queues stay
at their steady state when left alone, and Support ES without its Spanish speakers (the job
jobs/spanish-to-portuguese.json, run by the real engine over HTTP) waits more than 3 conversations
within 20 s of the clock, at the profile's own time scale, while every other queue stays at 3 or
fewer; the aggregates of a past interval say what the queue did then. No sleeping: the clock moves."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from helpers.engine import run_job
from simhelpers import Api, get_token

from bulkops.client.endpoints.conversation_aggregates import recent_interval
from bulkops.simulator import ManualClock, Simulator
from bulkops.simulator.config import ROUTING_TIME_SCALE, SimConfig, profile_config
from bulkops.simulator.model.analytics import traffic
from bulkops.simulator.model.analytics.activity import observations
from bulkops.simulator.model.queuetime.history import KEPT_BUCKETS, Covered, History
from bulkops.simulator.model.queuetime.live import LiveQueues

SPANISH_TO_PORTUGUESE = Path(__file__).resolve().parents[2] / "jobs" / "spanish-to-portuguese.json"
OBSERVATIONS = "/api/v2/analytics/queues/observations/query"
AGGREGATES = "/api/v2/analytics/conversations/aggregates/query"
#: The routing profile (its time scale, org and traffic) without its faults, so the run is exact.
QUIET = {"error_rate": 0.0, "conflict_rate": 0.0, "latency_ms": 0.0, "expand_drop_rate": 0.0, "read_lag_ms": 0.0, "post_write_conflict_rate": 0.0}
ROUTING = SimConfig(routing_picture=True, queue_traffic=True)


class _Handle:
    def __init__(self, sim: Simulator, base_url: str, clock: ManualClock) -> None:
        self.sim, self.base_url, self.clock = sim, base_url, clock

    @property
    def client_id(self) -> str:
        return self.sim.config.client_id

    @property
    def client_secret(self) -> str:
        return self.sim.config.client_secret


@pytest_asyncio.fixture(loop_scope="session")
async def routing():
    """The routing profile served over loopback on a clock that moves only when the test moves it."""
    clock = ManualClock()
    sim = Simulator(profile_config("routing", rate_per_minute=6000, **QUIET), clock=clock)
    server = TestServer(sim.app, host="127.0.0.1")
    await server.start_server()
    try:
        yield _Handle(sim, str(server.make_url("")).rstrip("/"), clock)
    finally:
        await server.close()


def _observe(queue_ids) -> dict:
    predicates = [{"type": "dimension", "dimension": "queueId", "operator": "matches", "value": q} for q in queue_ids]
    return {"filter": {"type": "or", "predicates": predicates}, "metrics": ["oWaiting", "oOnQueueUsers"]}


async def _waiting(api: Api, names: dict[str, str]) -> dict[str, int]:
    status, body, _ = await api.post(OBSERVATIONS, json=_observe(names))
    assert status == 200
    return {names[r["group"]["queueId"]]: sum(d["stats"]["count"] for d in r["data"] if d["metric"] == "oWaiting") for r in body["results"]}


async def _watch(api: Api, handle: _Handle, names: dict[str, str], seconds: float = 20.0, every: float = 2.0) -> list[dict[str, int]]:
    """What a 20 s watch polling every 2 s sees (the clock moved between polls, no sleeping)."""
    seen = []
    for _ in range(round(seconds / every)):
        handle.clock.advance(every)
        seen.append(await _waiting(api, names))
    return seen


def _interval(live: LiveQueues, start: float, end: float) -> str:
    """An ISO-8601 interval of simulated seconds since the simulator's anchor, on its calendar (ending now)."""
    a, b = (live.now_utc() - timedelta(seconds=live.now() - s) for s in (start, end))
    return f"{a.isoformat().replace('+00:00', 'Z')}/{b.isoformat().replace('+00:00', 'Z')}"


async def _service_level(api: Api, qid: str, interval: str) -> tuple[int, float]:
    body = {"interval": interval, "groupBy": ["queueId"], "metrics": ["nOffered", "oServiceLevel"]}
    body["filter"] = {"type": "or", "predicates": [{"type": "dimension", "dimension": "queueId", "value": qid}]}
    status, answer, _ = await api.post(AGGREGATES, json=body)
    assert status == 200
    stats = {m["metric"]: m["stats"] for m in answer["results"][0]["data"][0]["metrics"]}
    return stats["nOffered"]["count"], stats["oServiceLevel"]["ratio"]


def test_the_routing_profile_speeds_simulated_time_and_the_default_does_not():
    assert profile_config("routing").time_scale == ROUTING_TIME_SCALE == 600.0
    assert SimConfig().time_scale == 1.0 and profile_config("real").time_scale == 1.0
    with pytest.raises(ValueError, match="time_scale"):
        SimConfig(time_scale=0)


async def test_support_es_without_its_spanish_speakers_waits_more_than_3_within_a_20s_watch(routing, tmp_path):
    sim = routing.sim
    names = {qid: name for name, qid in sim.queue_ids_by_name().items() if qid in sim.org.queue_traffic}
    async with aiohttp.ClientSession() as http:
        api = Api(http, routing, await get_token(http, routing))
        before = await _watch(api, routing, names)  # a harmless 20 s: nothing changes
        assert all(w <= 3 for reading in before for w in reading.values()), before
        changed_at = sim.queue_time.now()
        _, summary = await run_job(routing, SPANISH_TO_PORTUGUESE, tmp_path / "state")
        after = await _watch(api, routing, names)
        assert sim.queue_time.runs[sim.queue_ids_by_name()["Support ES"]].agents == 9  # 14 on queue before
        es = [reading["Support ES"] for reading in after]
        assert es[-1] > 3 and es == sorted(es), es  # it grows over the watch
        assert max((i for i, w in enumerate(es) if w <= 3), default=-1) < 5, es  # past 3 within 10 s of the clock
        others = [w for reading in after for name, w in reading.items() if name != "Support ES"]
        assert max(others) <= 3
        # the aggregates of the interval before the change and the one after say what the queue did
        qid = sim.queue_ids_by_name()["Support ES"]
        half_hour = traffic.INTERVAL_SECONDS
        offered_before, level_before = await _service_level(api, qid, _interval(sim.queue_time, changed_at - half_hour, changed_at))
        offered_after, level_after = await _service_level(api, qid, _interval(sim.queue_time, changed_at + half_hour, changed_at + 2 * half_hour))
        offered_now, level_now = await _service_level(api, qid, recent_interval(30, now=sim.queue_time.now_utc())[0])  # what plan reads
    t = traffic.traffic_of(sim.org, qid)
    assert offered_before == offered_after == offered_now == round(t.arrivals)  # the load stays as it was
    assert level_before > 0.9 > 0.5 > level_after > level_now


def _live(config: SimConfig = ROUTING) -> tuple[Simulator, ManualClock]:
    clock = ManualClock()
    return Simulator(config, clock=clock), clock


def test_the_queues_left_alone_stay_at_erlang_c_for_hours_of_the_clock():
    sim, clock = _live(profile_config("routing"))
    ids = sorted(sim.org.queue_traffic)
    first = {r.queue_id: r.waiting for r in sim.queue_time.readings(ids)}
    clock.advance(7200.0)  # two hours of the clock: 50 days of traffic at 600 x
    later = sim.queue_time.readings(ids)
    assert {r.queue_id: r.waiting for r in later} == first
    assert all(r.waiting == round(r.prediction.probability_of_waiting * r.prediction.erlangs / (r.agents - r.prediction.erlangs)) for r in later)


@pytest.mark.parametrize(("scale", "clock_seconds"), [(1.0, 6000.0), (600.0, 10.0), (6000.0, 1.0)])
def test_the_same_simulated_time_is_the_same_queue_at_any_time_scale(scale, clock_seconds):
    sim, clock = _live(SimConfig(routing_picture=True, queue_traffic=True, time_scale=scale))
    qid = sim.queue_ids_by_name()["Support ES"]
    _off_queue_all_but(sim, qid, 10)
    sim.queue_time.recount()
    clock.advance(clock_seconds)
    [r] = sim.queue_time.readings([qid])
    assert r.agents == 10 and r.waiting == 5  # 6,000 simulated seconds on from 14 agents' steady state (0.18)


def test_half_the_spanish_speakers_gone_is_past_3_within_20s_at_the_profiles_scale():
    """The first wave of --waves 50%,100% leaves Support ES 10 agents (9.09 Erlangs): it still keeps up,
    but its steady state waits 7, and the profile's time scale gets it past 3 within the watch."""
    sim, clock = _live(profile_config("routing"))
    qid = sim.queue_ids_by_name()["Support ES"]
    _off_queue_all_but(sim, qid, 10)
    seen = []
    for _ in range(10):
        clock.advance(2.0)
        seen.extend(r.waiting for r in sim.queue_time.readings([qid]))
    assert seen[-1] > 3 and seen == sorted(seen), seen


def test_a_change_counted_late_is_placed_at_the_last_write():
    sim, clock = _live(SimConfig(routing_picture=True, queue_traffic=True, time_scale=100.0))
    exact, exact_clock = _live(SimConfig(routing_picture=True, queue_traffic=True, time_scale=100.0))
    qid = sim.queue_ids_by_name()["Support ES"]
    for s, c in ((sim, clock), (exact, exact_clock)):
        c.advance(1.0)
        _off_queue_all_but(s, qid, 5)
    sim.queue_time.wrote()  # the first write in a while: counted at once
    exact.queue_time.recount()
    for s, c in ((sim, clock), (exact, exact_clock)):
        c.advance(0.1)
        _off_queue_all_but(s, qid, 4)
    sim.queue_time.wrote()  # within RECOUNT_EVERY of the last count: counted at the next read, placed here
    exact.queue_time.recount()
    assert sim.queue_time.runs[qid].agents == 5 and exact.queue_time.runs[qid].agents == 4
    clock.advance(60.0)
    exact_clock.advance(60.0)
    [late], [placed] = sim.queue_time.readings([qid]), exact.queue_time.readings([qid])
    assert late.agents == 4 and late.waiting == placed.waiting > 3
    assert sim.queue_time.runs[qid].state == pytest.approx(exact.queue_time.runs[qid].state, abs=1e-12)


def test_a_new_time_scale_applies_from_the_moment_it_is_set():
    fast, fast_clock = _live(SimConfig(routing_picture=True, queue_traffic=True, time_scale=100.0))
    slowed, slowed_clock = _live(SimConfig(routing_picture=True, queue_traffic=True, time_scale=100.0))
    qid = fast.queue_ids_by_name()["Support ES"]
    for s, c in ((fast, fast_clock), (slowed, slowed_clock)):
        _off_queue_all_but(s, qid, 9)
        s.queue_time.recount()
        c.advance(30.0)
    slowed.configure(time_scale=50.0)  # half as fast from here (a runtime knob)
    fast_clock.advance(15.0)  # 1,500 simulated seconds at 100 x
    slowed_clock.advance(30.0)  # the same 1,500 at 50 x
    [a], [b] = fast.queue_time.readings([qid]), slowed.queue_time.readings([qid])
    assert fast.queue_time.runs[qid].state == pytest.approx(slowed.queue_time.runs[qid].state, abs=1e-12)
    assert a.waiting == b.waiting > 3


def _off_queue_all_but(sim: Simulator, queue_id: str, keep: int) -> None:
    """Every agent on ``queue_id`` beyond the first ``keep`` (by id) goes off queue (of every queue)."""
    on = sorted(o.userId for o in observations(sim.org) if o.queueId == queue_id and o.on_queue)
    for uid in on[keep:]:
        sim.org.routing_status[uid] = "OFF_QUEUE"


def test_the_history_counts_a_bucket_partly_inside_an_interval_pro_rata_and_keeps_a_day():
    h = History()
    h.record(0.0, 30.0, 3.0, 3.0)
    h.record(30.0, 60.0, 3.0, 1.0)  # the same simulated minute: one bucket
    h.record(60.0, 120.0, 6.0, 0.0)
    assert len(h.buckets) == 2
    assert h.covered(30.0, 90.0) == Covered(60.0, 6.0, 2.0)  # half of each minute
    assert h.covered(200.0, 300.0) == Covered(0.0, 0.0, 0.0)
    for minute in range(2, KEPT_BUCKETS + 5):
        h.record(minute * 60.0, minute * 60.0 + 60.0, 1.0, 1.0)
    assert len(h.buckets) == KEPT_BUCKETS and h.covered(0.0, 120.0).seconds == 0.0


def test_an_interval_older_than_the_history_is_the_steady_state_with_todays_agents():
    sim, clock = _live(profile_config("routing"))
    live = sim.queue_time
    qid = sim.queue_ids_by_name()["Support ES"]
    _off_queue_all_but(sim, qid, 9)
    live.recount()  # as a write through the API would have it counted
    clock.advance(200.0)  # 33 simulated hours: more than the day the history keeps
    [reading] = live.readings([qid])
    old = live.covered(qid, live.now_utc() - timedelta(days=2), live.now_utc() - timedelta(days=1, hours=1))
    assert old.seconds == 0.0  # nothing kept: the aggregates answer Erlang C with 9 agents (0 %)
    recent = live.covered(qid, live.now_utc() - timedelta(minutes=30), live.now_utc())
    assert recent.seconds == pytest.approx(1800.0) and recent.within / recent.offered < 0.1
    assert reading.prediction.service_level == 0.0


def test_an_org_without_traffic_never_counts_who_is_on_queue(monkeypatch):
    sim, _ = _live(SimConfig())
    counted = []
    monkeypatch.setattr(traffic, "on_queue_by_queue", lambda org: counted.append(org) or {})
    sim.queue_time.wrote()
    assert sim.queue_time.readings(sorted(sim.org.queues)) == [] and counted == []
