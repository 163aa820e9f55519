"""Agent utilization (per user and the org default) and utilization labels."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from bulkops.simulator.errors import bad_request
from bulkops.simulator.httputil import bool_param, descending, json_body, json_response, kept_params, no_content, page_params, route_of, sim_of
from bulkops.simulator.model import utilization_wire as wire
from bulkops.simulator.model.org import iso
from bulkops.simulator.model.utilization import UtilizationStore
from bulkops.simulator.wire import page_listing

#: Guess: the SDK names no maximum for this listing; 100 is the smaller of the platform's usual caps.
MAX_LABEL_PAGE_SIZE = 100


def _store(request: web.Request) -> UtilizationStore:
    return sim_of(request).org.utilization


# ---------------------------------------------------------------------- per user
async def user_get(request: web.Request) -> web.Response:
    """The user's own setting (``level: Agent``) or, without one, the org default (``Organization``).

    With ``utilization_edit_rate``, another administrator may change the user's setting just
    before this read is answered (recorded in ``/__sim/conflicts``)."""
    sim = sim_of(request)
    user = sim.org.user(request.match_info["userId"])
    store = sim.org.utilization
    if sim.faults.roll(sim.config.utilization_edit_rate):
        record = store.concurrent_edit(user.id, sim.faults.rng)
        record.update(trigger=route_of(request), version=user.version, time=sim.clock(), at=iso(datetime.now(UTC)))
        sim.note_conflict(record)
    current, level = store.effective(user.id)
    return json_response(wire.setting(current, store, level))


async def user_put(request: web.Request) -> web.Response:
    """Replaces the user's whole setting (omitted media types take the org default's values)."""
    sim = sim_of(request)
    user = sim.org.user(request.match_info["userId"])
    store = sim.org.utilization
    parsed = store.parse_request(await json_body(request))
    store.put_user(user.id, parsed)
    current, level = store.effective(user.id)
    return json_response(wire.setting(current, store, level))


async def user_delete(request: web.Request) -> web.Response:
    sim = sim_of(request)
    user = sim.org.user(request.match_info["userId"])
    sim.org.utilization.clear_user(user.id)
    return no_content()


# ---------------------------------------------------------------------- org default
async def org_get(request: web.Request) -> web.Response:
    store = _store(request)
    return json_response(wire.setting(store.org, store))


async def org_put(request: web.Request) -> web.Response:
    store = _store(request)
    store.put_org(store.parse_request(await json_body(request)))
    return json_response(wire.setting(store.org, store))


async def org_delete(request: web.Request) -> web.Response:
    """Back to the system default."""
    _store(request).clear_org()
    return no_content()


# ---------------------------------------------------------------------- labels
async def labels_list(request: web.Request) -> web.Response:
    """By name; ``name`` exact (ignoring case) with ``*`` wildcards; ``sortOrder`` on the name."""
    store = _store(request)
    size, number = page_params(request, max_size=MAX_LABEL_PAGE_SIZE)
    found = store.labels_named(request.query.get("name") or None, descending=descending(request))
    page = found[(number - 1) * size : number * size]
    return json_response(
        page_listing(
            [wire.label(x.id, x.name) for x in page],
            path="/api/v2/routing/utilization/labels",
            keep=kept_params(request),
            page_number=number,
            page_size=size,
            total=len(found),
        )
    )


async def label_create(request: web.Request) -> web.Response:
    """``CreateUtilizationLabelRequest``: a name, optionally the label's org-level utilization."""
    sim = sim_of(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object (CreateUtilizationLabelRequest).")
    created = sim.org.utilization.create_label(body.get("name"), body.get("utilization"), limit=sim.config.utilization_label_limit)
    return json_response(wire.label(created.id, created.name))


async def label_get(request: web.Request) -> web.Response:
    found = _store(request).label(request.match_info["labelId"])
    return json_response(wire.label(found.id, found.name))


async def label_put(request: web.Request) -> web.Response:
    """``UpdateUtilizationLabelRequest``: a new name, under the same rules as a new label's."""
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object (UpdateUtilizationLabelRequest).")
    renamed = _store(request).rename_label(request.match_info["labelId"], body.get("name"))
    return json_response(wire.label(renamed.id, renamed.name))


async def label_delete(request: web.Request) -> web.Response:
    """Refused while agents use the label, unless ``forceDelete=true``."""
    _store(request).delete_label(request.match_info["labelId"], force=bool_param(request, "forceDelete"))
    return no_content()


async def label_agents(request: web.Request) -> web.Response:
    """The users whose own setting names the label: a bare JSON array."""
    store = _store(request)
    found = store.label(request.match_info["labelId"])
    return json_response([wire.label_agent(uid) for uid in store.label_users(found.id)])


def register(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v2/routing/users/{userId}/utilization", user_get)
    r.add_put("/api/v2/routing/users/{userId}/utilization", user_put)
    r.add_delete("/api/v2/routing/users/{userId}/utilization", user_delete)
    r.add_get("/api/v2/routing/utilization", org_get)
    r.add_put("/api/v2/routing/utilization", org_put)
    r.add_delete("/api/v2/routing/utilization", org_delete)
    r.add_get("/api/v2/routing/utilization/labels", labels_list)
    r.add_post("/api/v2/routing/utilization/labels", label_create)
    r.add_get("/api/v2/routing/utilization/labels/{labelId}", label_get)
    r.add_put("/api/v2/routing/utilization/labels/{labelId}", label_put)
    r.add_delete("/api/v2/routing/utilization/labels/{labelId}", label_delete)
    r.add_get("/api/v2/routing/utilization/labels/{labelId}/agents", label_agents)
