"""The queue observations the gate reads (#31 §3), over HTTP against the routing profile's org:
waiting, interacting and agents on queue per queue (with the service level when asked), a queue
the answer leaves out read as zero, a malformed answer refused, through the client's governor."""

from __future__ import annotations

import pytest
from helpers.clients import make_client
from helpers.faultproxy import status

from bulkops.client.endpoints.queue_observations import OBSERVATIONS_PATH, decode, queue_observations
from bulkops.client.wire import ShapeError
from bulkops.errors import MalformedResponseError
from bulkops.simulator import SimConfig

ROUTING = SimConfig(routing_picture=True, queue_traffic=True)


async def test_the_observations_match_the_simulators_queue_traffic(sim, client):
    sim.sim.reset(ROUTING)
    ids = sim.sim.queue_ids_by_name()
    wanted = [ids["Support ES"], ids["VIP"]]
    got = await queue_observations(client, wanted, service_level=True)
    for r in sim.sim.queue_time.readings(wanted):
        o = got[r.queue_id]
        assert (o.waiting, o.interacting, dict(o.on_queue)) == (r.waiting, r.interacting, r.on_queue)
        assert o.agents_on_queue == r.agents and o.service_level is not None and 0 <= o.service_level <= 1
    assert client.stats.requests >= 2  # observations and aggregates, each through the client


async def test_a_queue_left_out_is_unread_not_zero_and_no_level_unless_asked(sim, client):
    sim.sim.reset(ROUTING)
    vip = sim.sim.queue_ids_by_name()["VIP"]
    got = await queue_observations(client, ["no-such-queue", vip])
    assert list(got) == [vip] and got[vip].service_level is None


@pytest.mark.parametrize(
    "body",
    [
        {"results": [{"group": {}, "data": []}]},
        {"results": [{"group": {"queueId": "q"}, "data": [{"metric": "oWaiting", "stats": {"count": "x"}}]}]},
        {"results": 3},
    ],
)
def test_malformed_answers_are_shape_errors(body):
    with pytest.raises(ShapeError):
        decode(body)


async def test_a_malformed_answer_through_the_proxy_is_the_clients_malformed_error(sim, proxy):
    sim.sim.reset(ROUTING)
    proxy.inject("POST", OBSERVATIONS_PATH, status(200, {"results": [{"data": []}]}))
    c = make_client(sim, via=proxy, rps=500)
    try:
        with pytest.raises(MalformedResponseError):
            await queue_observations(c, [sim.sim.queue_ids_by_name()["VIP"]])
    finally:
        await c.close()
