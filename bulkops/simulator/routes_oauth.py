"""POST /oauth/token: the client-credentials grant (HTTP Basic client id/secret)."""

from __future__ import annotations

from aiohttp import web

from .auth import parse_basic
from .errors import SimApiError
from .httputil import json_response, sim_of


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
    if creds is None or creds != (cfg.client_id, cfg.client_secret) or cfg.credentials_revoked:
        raise SimApiError(
            401,
            "bad.credentials",
            "Invalid client credentials.",
            extra={"error": "invalid_client", "error_description": "client authentication failed"},
        )
    access = sim.tokens.issue(cfg.token_ttl)
    return json_response({"access_token": access, "token_type": "bearer", "expires_in": int(cfg.token_ttl)})


def register(app: web.Application) -> None:
    app.router.add_post("/oauth/token", token)
