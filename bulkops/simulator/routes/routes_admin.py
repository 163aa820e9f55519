"""/__sim/...: observability and control for tests, benchmarks and the demo.

No auth, no rate limit, not counted in the stats: looking must not change what is seen.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from bulkops.simulator.config import SimConfig
from bulkops.simulator.errors import bad_request
from bulkops.simulator.httputil import json_response, sim_of


async def _optional_json(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"Invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object.")
    return data


async def stats(request: web.Request) -> web.Response:
    return json_response(sim_of(request).stats())


async def conflicts(request: web.Request) -> web.Response:
    return json_response(sim_of(request).conflicts())


async def state(request: web.Request) -> web.Response:
    return json_response(sim_of(request).dump())


async def config_get(request: web.Request) -> web.Response:
    return json_response(sim_of(request).config.to_dict())


async def config_post(request: web.Request) -> web.Response:
    """Change runtime knobs, e.g. ``{"conflict_rate": 0.2, "rps": 10}``."""
    sim = sim_of(request)
    try:
        sim.configure(**await _optional_json(request))
    except (TypeError, ValueError) as exc:
        raise bad_request(str(exc)) from None
    return json_response(sim.config.to_dict())


async def reset(request: web.Request) -> web.Response:
    """Re-seed from a config; client credentials (and the extra clients) and state file are kept unless given."""
    sim = sim_of(request)
    body = await _optional_json(request)
    keep = {k: getattr(sim.config, k) for k in ("client_id", "client_secret", "extra_clients", "state_file")}
    try:
        cfg = SimConfig.from_dict({**keep, **body})
    except (TypeError, ValueError) as exc:
        raise bad_request(str(exc)) from None
    sim.reset(cfg)
    return json_response(sim.config.to_dict())


async def save(request: web.Request) -> web.Response:
    """Save to ``{"path": ...}`` or the configured state file."""
    sim = sim_of(request)
    body = await _optional_json(request)
    path = body.get("path") or sim.config.state_file
    if not path:
        raise bad_request('No state file is configured; pass {"path": ...}.')
    sim.save(path)
    return json_response({"saved": str(path)})


async def expire_tokens(request: web.Request) -> web.Response:
    sim_of(request).tokens.expire_all()
    return web.Response(status=204)


def register(app: web.Application) -> None:
    r = app.router
    r.add_get("/__sim/stats", stats)
    r.add_get("/__sim/conflicts", conflicts)
    r.add_get("/__sim/state", state)
    r.add_get("/__sim/config", config_get)
    r.add_post("/__sim/config", config_post)
    r.add_post("/__sim/reset", reset)
    r.add_post("/__sim/save", save)
    r.add_post("/__sim/expire-tokens", expire_tokens)
