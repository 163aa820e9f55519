"""The simulator's audit trail over HTTP: what a write records, the delay, and the query lifecycle.

Shapes are read back through the official SDK's models (``AuditQueryExecutionStatusResponse``,
``AuditQueryExecutionResultsResponse``), so a field the SDK does not know fails here.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from PureCloudPlatformClientV2 import ApiClient

from bulkops.simulator.routes.routes_audits import MAX_WINDOW_DAYS

assert MAX_WINDOW_DAYS < 59


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _window(before: float = 60, after: float = 60) -> str:
    now = time.time()
    return f"{_iso(now - before)}/{_iso(now + after)}"


def _sdk(data, model: str):
    """Deserialize ``data`` as the SDK's ``model`` does (raises on a type it cannot read)."""
    client = ApiClient()
    return client._ApiClient__deserialize(data, model)


async def _query(api, service: str, *, filters=None, sort=None, interval=None):
    body = {"interval": interval or _window(), "serviceName": service}
    if filters:
        body["filters"] = filters
    if sort:
        body["sort"] = sort
    status, ex, _ = await api.post("/api/v2/audits/query", json=body)
    assert status == 200, ex
    return ex


async def _done(api, sim, tid: str) -> dict:
    sim.advance(sim.sim.config.audit_query_seconds)
    status, ex, _ = await api.get(f"/api/v2/audits/query/{tid}")
    assert status == 200 and ex["state"] == "Succeeded", ex
    return ex


async def _all(api, tid: str, page_size: int = 500) -> list[dict]:
    out, cursor = [], None
    while True:
        params = {"pageSize": str(page_size), **({"cursor": cursor} if cursor else {})}
        status, page, _ = await api.get(f"/api/v2/audits/query/{tid}/results", params=params)
        assert status == 200, page
        _sdk(page, "AuditQueryExecutionResultsResponse")
        out += page["entities"]
        cursor = page.get("cursor")
        if not cursor:
            return out


async def test_a_skill_write_is_recorded_with_old_and_new_values_after_the_delay(api, sim):
    sim.sim.configure(audit_delay_seconds=30)
    uid = sim.sim.user_ids()[0]
    skills = sim.sim.skill_ids_by_name()
    held = {s["id"]: s["proficiency"] for s in sim.sim.user(uid)["skills"]}
    new = next(sid for sid in skills.values() if sid not in held)
    status, _, _ = await api.patch(f"/api/v2/users/{uid}/routingskills/bulk", json=[{"id": new, "proficiency": 3}])
    assert status == 200

    ex = await _query(api, "Routing", filters=[{"property": "ClientId", "value": sim.client_id}])
    _sdk(ex, "AuditQueryExecutionStatusResponse")
    assert ex["state"] in ("Queued", "Running")
    await _done(api, sim, ex["id"])
    assert await _all(api, ex["id"]) == []  # written, not yet queryable

    sim.advance(30)
    ex = await _query(api, "Routing", filters=[{"property": "EntityId", "value": uid}])
    await _done(api, sim, ex["id"])
    (entry,) = await _all(api, ex["id"])
    msg = _sdk(entry, "AuditLogMessage")
    assert (msg.service_name, msg.entity_type, msg.action, msg.entity.id, msg.client.id) == ("Routing", "AgentRoutingInfo", "Update", uid, sim.client_id)
    assert msg.status == "SUCCESS" and msg.level == "USER"
    (change,) = msg.property_changes
    assert (change.pcProperty, change.old_values, change.new_values) == (f"skill:{new}", [], ["3.0"])


async def test_refused_and_read_requests_record_nothing(api, sim):
    sim.sim.configure(audit_delay_seconds=0)
    uid = sim.sim.user_ids()[1]
    assert (await api.patch(f"/api/v2/users/{uid}", json={"department": "X", "version": 999}))[0] == 409
    assert (await api.get(f"/api/v2/users/{uid}"))[0] == 200
    assert (await api.post("/api/v2/users/search", json={"query": [{"type": "EXACT", "fields": ["email"], "value": "nobody@example.com"}]}))[0] == 200
    for service in ("Directory", "Routing", "PeoplePermissions"):
        ex = await _query(api, service)
        await _done(api, sim, ex["id"])
        assert await _all(api, ex["id"]) == []


async def test_each_kind_of_write_names_its_service_entity_and_action(api, sim):
    s = sim.sim
    s.configure(audit_delay_seconds=0)
    uid = s.user_ids()[2]
    user = s.user(uid)
    divisions = s.division_ids_by_name()
    target = next(d for d in divisions.values() if d != user["division"]["id"])
    queue = s.queue_ids_by_name()["Billing"]
    newcomer = next(u for u in s.user_ids() if u not in s.queue_member_ids(queue))
    assert (await api.patch(f"/api/v2/users/{uid}", json={"title": "Lead", "version": user["version"]}))[0] == 200
    assert (await api.post(f"/api/v2/authorization/divisions/{target}/objects/USER", json=[uid]))[0] == 204
    assert (await api.post(f"/api/v2/routing/queues/{queue}/members", json=[{"id": newcomer}]))[0] == 204
    assert (await api.post(f"/api/v2/routing/queues/{queue}/members", params={"delete": "true"}, json=[{"id": newcomer}]))[0] == 204
    status, skill, _ = await api.post("/api/v2/routing/skills", json={"name": "Audit Trail Skill"})
    assert status == 200

    seen = {}
    for service in ("Directory", "PeoplePermissions", "Routing"):
        ex = await _query(api, service, filters=[{"property": "ClientId", "value": sim.client_id}])
        await _done(api, sim, ex["id"])
        for e in await _all(api, ex["id"]):
            seen.setdefault(service, []).append(
                (e["entityType"], e["action"], e["entity"]["id"], {c["property"]: (c["oldValues"], c["newValues"]) for c in e["propertyChanges"]})
            )
    assert seen["Directory"] == [("User", "Update", uid, {"title": ([user.get("title", "")], ["Lead"])})]
    assert seen["PeoplePermissions"] == [("User", "Move", uid, {"division": ([user["division"]["id"]], [target])})]
    routing = seen["Routing"]
    assert ("Queue", "MemberAdd", queue, {"member": ([], [newcomer])}) in routing
    assert ("Queue", "MemberRemove", queue, {"member": ([newcomer], [])}) in routing
    created = [r for r in routing if r[0] == "RoutingSkill"]
    assert created == [
        ("RoutingSkill", "Create", skill["id"], {"division": ([], [skill["division"]["id"]]), "name": ([], ["Audit Trail Skill"]), "state": ([], ["active"])})
    ]


async def test_filters_sort_and_cursor_paging(api, sim):
    s = sim.sim
    s.configure(audit_delay_seconds=0)
    users = s.user_ids()[:7]
    skill = next(iter(s.skill_ids_by_name().values()))
    for uid in users:
        assert (await api.patch(f"/api/v2/users/{uid}/routingskills/bulk", json=[{"id": skill, "proficiency": 1}]))[0] == 200
    ex = await _query(api, "Routing", sort=[{"name": "Timestamp", "sortOrder": "descending"}])
    await _done(api, sim, ex["id"])
    got = await _all(api, ex["id"], page_size=2)
    assert [e["entity"]["id"] for e in got] == users[::-1]
    ex = await _query(api, "Routing", filters=[{"property": "EntityId", "value": users[3]}, {"property": "Action", "value": "Update"}])
    await _done(api, sim, ex["id"])
    assert [e["entity"]["id"] for e in await _all(api, ex["id"])] == [users[3]]
    ex = await _query(api, "Routing", filters=[{"property": "ClientId", "value": "someone-else"}])
    await _done(api, sim, ex["id"])
    assert await _all(api, ex["id"]) == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"interval": "yesterday", "serviceName": "Routing"}, "interval"),
        ({"interval": "2026-01-02T00:00:00Z/2026-01-01T00:00:00Z", "serviceName": "Routing"}, "interval"),
        ({"interval": "2026-01-01T00:00:00Z/2026-03-01T00:00:00Z", "serviceName": "Routing"}, "interval"),  # > MAX_WINDOW_DAYS
        ({"interval": "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z"}, "serviceName"),
        ({"interval": "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z", "serviceName": "Nope"}, "serviceName"),
        (
            {"interval": "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z", "serviceName": "Routing", "filters": [{"property": "Colour", "value": "x"}]},
            "filters[0].property",
        ),
        ({"interval": "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z", "serviceName": "Routing", "sort": [{"name": "Name"}]}, "sort[0].name"),
    ],
)
async def test_a_bad_query_is_refused_with_the_field_named(api, sim, body, field):
    status, err, _ = await api.post("/api/v2/audits/query", json=body)
    assert status == 400
    assert err["details"][0]["fieldName"] == field


async def test_results_before_success_unknown_ids_bad_cursors_and_the_service_mapping(api, sim):
    sim.sim.configure(audit_query_seconds=5)
    ex = await _query(api, "Routing")
    status, err, _ = await api.get(f"/api/v2/audits/query/{ex['id']}/results")
    assert status == 400 and ex["state"] == "Queued"
    sim.advance(2)
    assert (await api.get(f"/api/v2/audits/query/{ex['id']}"))[1]["state"] == "Running"
    assert (await api.get("/api/v2/audits/query/no-such-query"))[0] == 404
    await _done(api, sim, ex["id"])
    status, err, _ = await api.get(f"/api/v2/audits/query/{ex['id']}/results", params={"cursor": "garbage"})
    assert status == 400 and err["code"] == "invalid.cursor"
    status, mapping, _ = await api.get("/api/v2/audits/query/servicemapping")
    assert status == 200
    parsed = _sdk(mapping, "AuditQueryServiceMapping")
    assert {s.name for s in parsed.services} == {"Directory", "PeoplePermissions", "Routing"}


async def test_without_the_permission_every_audit_call_answers_403(api, sim):
    sim.sim.configure(audits_forbidden=True)
    status, err, _ = await api.post("/api/v2/audits/query", json={"interval": _window(), "serviceName": "Routing"})
    assert status == 403 and "audits:audit:view" in err["message"]
    assert (await api.get("/api/v2/audits/query/servicemapping"))[0] == 403


async def test_a_reset_starts_an_empty_trail(api, sim):
    s = sim.sim
    s.configure(audit_delay_seconds=0)
    uid = s.user_ids()[0]
    skill = next(iter(s.skill_ids_by_name().values()))
    assert (await api.patch(f"/api/v2/users/{uid}/routingskills/bulk", json=[{"id": skill, "proficiency": 2}]))[0] == 200
    status, dump, _ = await api.get("/__sim/audit")
    assert status == 200 and len(dump) == 1 and dump[0]["visible"]
    s.reset(s.config)
    assert (await api.get("/__sim/audit"))[1] == []
