"""POST /oauth/token: the client-credentials grant (HTTP Basic client id/secret), for any of the
simulator's OAuth clients (``SimConfig.credentials``); ``POST /__sim/revoke-client`` revokes one."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from bulkops.simulator.auth import CLIENT_KEY, parse_basic
from bulkops.simulator.errors import SimApiError, bad_request
from bulkops.simulator.httputil import json_response, sim_of


async def token(request: web.Request) -> web.Response:
    """Issue a bearer token. Failures use the ErrorBody shape plus OAuth's ``error`` keys."""
    sim = sim_of(request)
    form = await request.post()
    grant = form.get("grant_type")
    if grant != "client_credentials":
        raise SimApiError(
            400,
            "bad.request",
            f"Unsupported grant_type {grant!r}; only client_credentials is supported.",
            extra={"error": "unsupported_grant_type", "error_description": "only client_credentials is supported"},
        )
    creds = parse_basic(request.headers.get("Authorization"))
    cfg = sim.config
    if creds is not None and creds[0] in cfg.credentials:
        request[CLIENT_KEY] = creds[0]  # counted as that client's request, answered or refused
    if creds is None or cfg.credentials.get(creds[0]) != creds[1] or cfg.revoked(creds[0]):
        raise SimApiError(
            401,
            "bad.credentials",
            "Invalid client credentials.",
            extra={"error": "invalid_client", "error_description": "client authentication failed"},
        )
    access = sim.tokens.issue(cfg.token_ttl, creds[0])
    return json_response({"access_token": access, "token_type": "bearer", "expires_in": int(cfg.token_ttl)})


async def revoke_client(request: web.Request) -> web.Response:
    """``{"client_id": ..., "revoked": true}`` (revoked defaults to true): that client's tokens and
    credentials are refused from now on, as when an administrator deletes it or rotates its secret;
    ``false`` restores it. Its tokens stay issued, so a restored client's old token works again."""
    sim = sim_of(request)
    body = await _json_object(request)
    client_id, revoked = body.get("client_id"), body.get("revoked", True)
    if not isinstance(client_id, str) or client_id not in sim.config.credentials:
        raise bad_request(f"client_id must be one of the simulator's clients: {', '.join(sim.config.credentials)}")
    if not isinstance(revoked, bool):
        raise bad_request("revoked must be true or false")
    now = sim.config.revoked_clients
    sim.configure(revoked_clients=now | {client_id} if revoked else now - {client_id})
    return json_response({"revoked_clients": sorted(sim.config.revoked_clients)})


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        data = orjson.loads(await request.read() or b"{}")
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"Invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object.")
    return data


def register(app: web.Application) -> None:
    app.router.add_post("/oauth/token", token)
    app.router.add_post("/__sim/revoke-client", revoke_client)
