"""More OAuth clients of one org (``extra_clients``), each token its own allowance, and one
client's credentials revoked mid-run (``POST /__sim/revoke-client``), for a pool of clients."""

from __future__ import annotations

from simhelpers import basic, get_token

from bulkops.simulator import SimConfig
from bulkops.simulator.model.audit.trail import trail_of

TOKEN_FORM = {"grant_type": "client_credentials"}


async def test_extra_clients_get_tokens_and_are_counted_apart(http, sim):
    sim.sim.reset(SimConfig(users=5, extra_clients=2))
    assert list(sim.sim.config.credentials) == ["bulkops-sim", "bulkops-sim-2", "bulkops-sim-3"]
    tokens = {}
    for client_id, secret in sim.sim.config.credentials.items():
        tokens[client_id] = await get_token(http, sim, client_id, secret)
    for client_id, n in (("bulkops-sim", 1), ("bulkops-sim-2", 2), ("bulkops-sim-3", 3)):
        for _ in range(n):
            async with http.get(f"{sim.base_url}/api/v2/users", headers={"Authorization": f"Bearer {tokens[client_id]}"}) as r:
                assert r.status == 200
    async with http.get(f"{sim.base_url}/__sim/stats") as r:
        stats = await r.json()
    # each client: its token request and its listings
    assert stats["byClient"] == {"bulkops-sim": 2, "bulkops-sim-2": 3, "bulkops-sim-3": 4}


async def test_an_extra_clients_wrong_secret_or_a_client_not_configured_is_refused(http, sim):
    sim.sim.reset(SimConfig(users=5, extra_clients=1))
    for client_id, secret in (("bulkops-sim-2", "bulkops-sim-secret"), ("bulkops-sim-3", "bulkops-sim-3-secret")):
        async with http.post(f"{sim.base_url}/oauth/token", data=TOKEN_FORM, headers=basic(client_id, secret)) as r:
            assert r.status == 401
            assert (await r.json())["error"] == "invalid_client"


async def test_each_clients_token_has_its_own_allowance(http, sim):
    sim.sim.reset(SimConfig(users=5, extra_clients=1, rate_per_minute=3, rate_mode="fixed"))
    one = await get_token(http, sim)
    two = await get_token(http, sim, "bulkops-sim-2", "bulkops-sim-2-secret")
    statuses = []
    for token in (one, one, one, one, two, two, two):
        async with http.get(f"{sim.base_url}/api/v2/users", headers={"Authorization": f"Bearer {token}"}) as r:
            statuses.append(r.status)
    assert statuses == [200, 200, 200, 429, 200, 200, 200]


async def test_revoking_one_client_refuses_its_token_and_credentials_only(http, sim):
    sim.sim.reset(SimConfig(users=5, extra_clients=1))
    one = await get_token(http, sim)
    two = await get_token(http, sim, "bulkops-sim-2", "bulkops-sim-2-secret")
    async with http.post(f"{sim.base_url}/__sim/revoke-client", json={"client_id": "bulkops-sim-2"}) as r:
        assert r.status == 200
        assert await r.json() == {"revoked_clients": ["bulkops-sim-2"]}
    async with http.get(f"{sim.base_url}/api/v2/users", headers={"Authorization": f"Bearer {two}"}) as r:
        assert r.status == 401
        assert (await r.json())["code"] == "bad.credentials"
    async with http.post(f"{sim.base_url}/oauth/token", data=TOKEN_FORM, headers=basic("bulkops-sim-2", "bulkops-sim-2-secret")) as r:
        assert r.status == 401
        assert (await r.json())["error"] == "invalid_client"
    async with http.get(f"{sim.base_url}/api/v2/users", headers={"Authorization": f"Bearer {one}"}) as r:
        assert r.status == 200
    # restored: its old token works again
    async with http.post(f"{sim.base_url}/__sim/revoke-client", json={"client_id": "bulkops-sim-2", "revoked": False}) as r:
        assert await r.json() == {"revoked_clients": []}
    async with http.get(f"{sim.base_url}/api/v2/users", headers={"Authorization": f"Bearer {two}"}) as r:
        assert r.status == 200


async def test_revoke_client_names_a_client_of_the_simulator(http, sim):
    sim.sim.reset(SimConfig(users=5, extra_clients=1))
    for body in ({"client_id": "someone-else"}, {}, {"client_id": "bulkops-sim-2", "revoked": "yes"}):
        async with http.post(f"{sim.base_url}/__sim/revoke-client", json=body) as r:
            assert r.status == 400
    assert sim.sim.config.revoked_clients == frozenset()


async def test_a_write_is_audited_under_the_client_that_made_it(api, http, sim):
    sim.sim.reset(SimConfig(users=3, extra_clients=1, audit_delay_seconds=0))
    user = sorted(sim.sim.org.users)[0]
    two = await get_token(http, sim, "bulkops-sim-2", "bulkops-sim-2-secret")
    skill = sorted(sim.sim.org.skills)[0]
    status, _, _ = await api.call("PATCH", f"/api/v2/users/{user}/routingskills/bulk", json=[{"id": skill, "proficiency": 3}], token=two)
    assert status == 200
    entries = trail_of(sim.sim, sim.sim.app).entries
    assert {e.client_id for e in entries if e.entity_id == user} == {"bulkops-sim-2"}


def test_extra_clients_survive_an_http_reset_and_are_bounded():
    cfg = SimConfig(extra_clients=3)
    assert cfg.to_dict()["extra_clients"] == 3
    assert SimConfig.from_dict(cfg.to_dict()).credentials == cfg.credentials
    for wrong in (-1, 100):
        try:
            SimConfig(extra_clients=wrong)
        except ValueError:
            continue
        raise AssertionError(f"extra_clients={wrong} accepted")
