"""``POST /api/v2/users/search``: the users search API, as far as bulkops uses it.

Shapes from the official SDK (``UserSearchRequest``, ``UserSearchCriteria``,
``UsersSearchResponse``). What the SDK does not say is a conservative guess, listed in
docs/simulator.md: ``EXACT`` compares case-insensitively; a criterion with several
``fields`` matches when any field matches; criteria combine with AND; only active users
are found unless a criterion names ``state``; at most 100 values in one criterion and
100 results a page; ``results`` is left out when nothing matched; no routing expansions.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bulkops.simulator import wire
from bulkops.simulator.errors import bad_request, detail
from bulkops.simulator.httputil import json_body, json_response, sim_of
from bulkops.simulator.model.org import User

MAX_PAGE = 100
MAX_VALUES = 100
TYPES = ("EXACT", "CONTAINS", "STARTS_WITH")
FIELDS = ("id", "email", "username", "name", "state", "department", "title")


async def users_search(request: web.Request) -> web.Response:
    sim = sim_of(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object (UserSearchRequest).")
    size = _int(body, "pageSize", 25, hi=MAX_PAGE)
    number = _int(body, "pageNumber", 1, hi=None)
    query = body.get("query")
    if not isinstance(query, list) or not query:
        raise bad_request("query is required: a list of UserSearchCriteria.", detail("query", "required"))
    criteria = [_criterion(c, i) for i, c in enumerate(query)]
    names_state = any("state" in fields for _, fields, _ in criteria)
    found = [u for u in sim.org.users_after(None) if (names_state or u.state == "active") and all(_matches(u, c) for c in criteria)]
    page = found[(number - 1) * size : number * size]
    out: dict[str, Any] = {
        "total": len(found),
        "pageCount": max(1, -(-len(found) // size)),
        "pageSize": size,
        "pageNumber": number,
        "types": ["users"],
    }
    if page:
        out["results"] = [wire.user(u, sim.org, []) for u in page]
    return json_response(out)


Criterion = tuple[str, tuple[str, ...], tuple[str, ...]]


def _criterion(c: Any, index: int) -> Criterion:
    where = f"query[{index}]"
    if not isinstance(c, dict):
        raise bad_request(f"{where} must be a UserSearchCriteria object.")
    kind = c.get("type")
    if kind not in TYPES:
        raise bad_request(f"{where}.type must be one of {', '.join(TYPES)} (others are not simulated).", detail(f"{where}.type", "invalid.value"))
    fields = c.get("fields")
    if not isinstance(fields, list) or not fields or not all(f in FIELDS for f in fields):
        raise bad_request(f"{where}.fields must name fields from {', '.join(FIELDS)}.", detail(f"{where}.fields", "invalid.value"))
    values = c.get("values")
    if values is None and isinstance(c.get("value"), str):
        values = [c["value"]]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise bad_request(f"{where} needs value or values (strings).", detail(f"{where}.values", "required"))
    if len(values) > MAX_VALUES:
        raise bad_request(f"{where}.values holds {len(values)} values; at most {MAX_VALUES}.", detail(f"{where}.values", "invalid.value"))
    return kind, tuple(fields), tuple(v.casefold() for v in values)


def _matches(user: User, criterion: Criterion) -> bool:
    kind, fields, values = criterion
    for f in fields:
        have = getattr(user, f, None)
        if not isinstance(have, str):
            continue
        have = have.casefold()
        if kind == "EXACT" and have in values:
            return True
        if kind == "CONTAINS" and any(v in have for v in values):
            return True
        if kind == "STARTS_WITH" and any(have.startswith(v) for v in values):
            return True
    return False


def _int(body: dict[str, Any], key: str, default: int, *, hi: int | None) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1 or (hi is not None and value > hi):
        bound = f"1..{hi}" if hi else "at least 1"
        raise bad_request(f"{key} must be an integer {bound}.", detail(key, "invalid.value"))
    return value


def register(app: web.Application) -> None:
    app.router.add_post("/api/v2/users/search", users_search)
