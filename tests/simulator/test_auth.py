"""OAuth client credentials, bearer checks, correlation ids and the error body shape."""

from __future__ import annotations

from simhelpers import basic, get_token

from bulkops.simulator import SimConfig

ERROR_KEYS = {"message", "code", "status", "contextId", "details", "errors"}


async def test_token_has_oauth_fields(http, sim):
    auth = basic(sim.client_id, sim.client_secret)
    async with http.post(f"{sim.base_url}/oauth/token", data={"grant_type": "client_credentials"}, headers=auth) as r:
        assert r.status == 200
        body = await r.json()
        assert r.headers["ININ-Correlation-Id"]
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86400


async def test_wrong_credentials_is_401_error_body(http, sim):
    auth = basic(sim.client_id, "wrong")
    async with http.post(f"{sim.base_url}/oauth/token", data={"grant_type": "client_credentials"}, headers=auth) as r:
        assert r.status == 401
        body = await r.json()
        assert body["contextId"] == r.headers["ININ-Correlation-Id"]
    assert ERROR_KEYS <= set(body)
    assert body["status"] == 401 and body["code"] == "bad.credentials"
    assert body["error"] == "invalid_client"


async def test_no_basic_auth_and_wrong_grant(http, sim):
    async with http.post(f"{sim.base_url}/oauth/token", data={"grant_type": "client_credentials"}) as r:
        assert r.status == 401
    auth = basic(sim.client_id, sim.client_secret)
    async with http.post(f"{sim.base_url}/oauth/token", data={"grant_type": "password"}, headers=auth) as r:
        assert r.status == 400
        assert (await r.json())["error"] == "unsupported_grant_type"


async def test_api_needs_a_bearer_token(http, sim):
    async with http.get(f"{sim.base_url}/api/v2/users") as r:
        body = await r.json()
        assert r.status == 401
        assert body["code"] == "authentication.required"
        assert body["contextId"] == r.headers["ININ-Correlation-Id"]
    async with http.get(f"{sim.base_url}/api/v2/users", headers={"Authorization": "Bearer nope"}) as r:
        assert r.status == 401
        assert (await r.json())["code"] == "bad.credentials"
    token = await get_token(http, sim)
    async with http.get(f"{sim.base_url}/api/v2/users", headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200


async def test_expired_token_is_401(http, sim):
    sim.sim.reset(SimConfig(token_ttl=60))
    auth = basic(sim.client_id, sim.client_secret)
    async with http.post(f"{sim.base_url}/oauth/token", data={"grant_type": "client_credentials"}, headers=auth) as r:
        body = await r.json()
    assert body["expires_in"] == 60
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    async with http.get(f"{sim.base_url}/api/v2/users", headers=headers) as r:
        assert r.status == 200
    sim.advance(61)
    async with http.get(f"{sim.base_url}/api/v2/users", headers=headers) as r:
        err = await r.json()
        assert r.status == 401
    assert err["code"] == "authentication.required"
    assert "expired" in err["message"]


async def test_expire_tokens_admin_endpoint(http, sim):
    token = await get_token(http, sim)
    async with http.post(f"{sim.base_url}/__sim/expire-tokens") as r:
        assert r.status == 204
    async with http.get(f"{sim.base_url}/api/v2/users", headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 401


async def test_custom_client_credentials(http, sim):
    sim.sim.reset(SimConfig(client_id="abc", client_secret="xyz"))
    assert sim.client_id == "abc"
    assert await get_token(http, sim, "abc", "xyz")


async def test_unknown_route_and_wrong_method_use_error_body(api):
    status, body, headers = await api.get("/api/v2/nothing/here")
    assert status == 404 and body["code"] == "not.found" and body["contextId"] == headers["ININ-Correlation-Id"]
    status, body, _ = await api.call("PUT", "/api/v2/users/x/routinglanguages/bulk", json=[])
    assert status == 405 and body["status"] == 405
