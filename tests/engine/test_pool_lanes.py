"""A pool's clients carry as many shards each: the workers are rounded up to a multiple of the
clients (#29 §4), so 4 workers over 3 clients run as 6 lanes (2 each), not 2/1/1."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from helpers.clients import no_backoff
from test_pool_run import OPTS, USERS, pooled_config, set_up, writers, written_once

from bulkops.client import GenesysClient
from bulkops.engine.run.execute import execute
from bulkops.engine.run.runner import lanes_for
from bulkops.simulator import SimConfig


@pytest.mark.parametrize(
    ("workers", "clients", "lanes"),
    [(16, 3, 18), (16, 1, 16), (15, 3, 15), (4, 3, 6), (1, 3, 3), (0, 1, 1), (16, 2, 16), (5, 4, 8), (3, 0, 3)],
)
def test_workers_are_rounded_up_to_a_multiple_of_the_clients(workers, clients, lanes):
    assert lanes_for(workers, clients) == lanes


async def test_four_workers_over_three_clients_spread_the_users_evenly(sim, tmp_path):
    """With 4 lanes the first client wrote half the users (lanes 0 and 3); with 6, each about a third."""
    sim.sim.reset(SimConfig(users=USERS + 10, extra_clients=2, audit_delay_seconds=0))
    config = pooled_config(sim, 2, rps=2000)
    async with GenesysClient(config, backoff=no_backoff) as client:
        setup, skill = await set_up(sim, client, tmp_path)
        summary = await execute(client, setup, options=dataclasses.replace(OPTS, workers=4))

    assert summary["users"] == {"applied": USERS, "total": USERS}
    written_once(sim, skill)
    users_per_client = Counter(next(iter(c)) for c in writers(sim).values())
    assert sorted(users_per_client) == ["bulkops-sim", "bulkops-sim-2", "bulkops-sim-3"]
    assert max(users_per_client.values()) <= USERS * 0.42, users_per_client  # 2 shards of 6, not 2 of 4
