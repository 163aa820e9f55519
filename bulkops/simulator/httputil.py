"""Request parsing shared by the route modules: JSON bodies, list and paging params."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from bulkops.simulator.errors import bad_request, detail

if TYPE_CHECKING:
    from bulkops.simulator.core import Simulator

SIM_KEY: web.AppKey[Simulator] = web.AppKey("bulkops_simulator")

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 500
MAX_QUEUE_MEMBER_PAGE_SIZE = 100


def sim_of(request: web.Request) -> Simulator:
    return request.app[SIM_KEY]


def route_of(request: web.Request) -> str:
    """``METHOD /canonical/path`` of the matched route: how an injected concurrent edit names
    the write it interrupted.

    Every handler runs on a matched route, so its resource is always there; aiohttp types
    it optional (system routes have none), hence the same fallback as the stats middleware."""
    resource = request.match_info.route.resource
    return f"{request.method} {resource.canonical if resource is not None else '(unmatched)'}"


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json")


def no_content() -> web.Response:
    return web.Response(status=204)


async def json_body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw:
        raise bad_request("A JSON request body is required.")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"The request body is not valid JSON: {exc}") from None


def list_param(request: web.Request, name: str) -> list[str]:
    """A list query parameter, comma-joined (``id=a%2Cb``, as the SDK sends) or repeated."""
    out: list[str] = []
    for raw in request.query.getall(name, ()):
        out.extend(part.strip() for part in raw.split(",") if part.strip())
    return out


def int_param(request: web.Request, name: str, default: int, *, lo: int = 1, hi: int | None = None) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer, got {raw!r}.", detail(name, "invalid.value")) from None
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise bad_request(f"{name} must be {bound}, got {value}.", detail(name, "invalid.value"))
    return value


def bool_param(request: web.Request, name: str, default: bool = False) -> bool:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise bad_request(f"{name} must be true or false, got {raw!r}.", detail(name, "invalid.value"))


def descending(request: web.Request) -> bool:
    """``sortOrder`` in any spelling the docs use: ASC/DESC, asc/desc, ascending/descending."""
    raw = (request.query.get("sortOrder") or "asc").lower()
    if raw in ("asc", "ascending"):
        return False
    if raw in ("desc", "descending"):
        return True
    raise bad_request(f"sortOrder must be ascending or descending, got {raw!r}.", detail("sortOrder", "invalid.value"))


def page_params(request: web.Request, *, max_size: int = MAX_PAGE_SIZE) -> tuple[int, int]:
    """``(pageSize, pageNumber)`` with the platform defaults; out of range is a 400."""
    size = int_param(request, "pageSize", DEFAULT_PAGE_SIZE, lo=1, hi=max_size)
    number = int_param(request, "pageNumber", 1, lo=1)
    return size, number


def kept_params(request: web.Request, drop: frozenset[str] = frozenset({"pageSize", "pageNumber"})) -> list[tuple[str, str]]:
    """The caller's other query parameters, in order, to repeat in ``*Uri`` fields."""
    return [(k, v) for k, v in request.query.items() if k not in drop]
