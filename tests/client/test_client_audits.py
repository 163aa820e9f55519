"""The audit query calls of the real client against the simulator over loopback HTTP, and their
decoders on their own."""

from __future__ import annotations

import time

import pytest
from helpers.clients import make_client, no_backoff
from helpers.faultproxy import status

from bulkops.client.endpoints.audits import (
    MAX_WINDOW_S,
    AuditQuery,
    AuditQueryError,
    Execution,
    decode_execution,
    decode_message,
    decode_results,
    results,
    run_queries,
    run_query,
    submit,
    wait,
)
from bulkops.client.wire import ShapeError
from bulkops.errors import AuthError, MalformedResponseError


def _window(seconds: float = 120) -> tuple[float, float]:
    now = time.time()
    return now - seconds, now + seconds


async def _write_skills(client, sim, users: list[str], proficiency: float = 2.0) -> str:
    skill = next(iter(sim.sim.skill_ids_by_name().values()))
    for uid in users:
        await client.upsert_skills(uid, {skill: proficiency})
    return skill


async def test_submit_poll_and_page_every_message_of_the_client(client, sim):
    sim.sim.configure(audit_delay_seconds=0, audit_query_seconds=0.3)
    users = sim.sim.user_ids()[:12]
    skill = await _write_skills(client, sim, users)
    start, end = _window()
    execution = await submit(client, AuditQuery("Routing", start, end, client_id=sim.client_id))
    assert execution.state in ("Queued", "Running")
    done = await wait(client, execution, timeout=10)
    assert done.state == "Succeeded"
    got = await results(client, done.id, page_size=5)  # three pages: 5, 5, 2
    assert [m.entity_id for m in got] == users
    assert {(m.service, m.entity_type, m.action, m.client_id) for m in got} == {("Routing", "AgentRoutingInfo", "Update", sim.client_id)}
    assert all(f"skill:{skill}" in {c.property for c in m.changes} for m in got)
    assert all(start <= m.event_time < end for m in got)


async def test_a_query_for_another_client_or_another_window_finds_nothing(client, sim):
    sim.sim.configure(audit_delay_seconds=0, audit_query_seconds=0)
    await _write_skills(client, sim, sim.sim.user_ids()[:2])
    start, end = _window()
    assert await run_query(client, AuditQuery("Routing", start, end, client_id="another-client")) == []
    assert await run_query(client, AuditQuery("Routing", start - 7200, start - 3600, client_id=sim.client_id)) == []
    assert await run_query(client, AuditQuery("Directory", start, end, client_id=sim.client_id)) == []


async def test_entries_appear_only_after_the_platforms_delay(client, sim):
    sim.sim.configure(audit_delay_seconds=60, audit_query_seconds=0)
    await _write_skills(client, sim, sim.sim.user_ids()[:1])
    query = AuditQuery("Routing", *_window(), client_id=sim.client_id)
    assert await run_query(client, query) == []
    sim.advance(60)
    assert len(await run_query(client, query)) == 1


async def test_several_services_come_back_oldest_first(client, sim):
    sim.sim.configure(audit_delay_seconds=0, audit_query_seconds=0)
    uid = sim.sim.user_ids()[3]
    user = sim.sim.user(uid)
    await client.patch_user(uid, {"title": "Verifier", "version": user["version"]})
    await _write_skills(client, sim, [uid])
    start, end = _window()
    got = await run_queries(client, [AuditQuery(s, start, end, sim.client_id) for s in ("Routing", "Directory")])
    # merged oldest first: the Directory write came first, unless both fell in the same millisecond,
    # when the order is the queries' (the test once ordered a same-millisecond pair by random id)
    assert sorted((m.service, m.entity_id) for m in got) == [("Directory", uid), ("Routing", uid)]
    assert [m.event_time for m in got] == sorted(m.event_time for m in got)
    if got[0].event_time != got[1].event_time:
        assert got[0].service == "Directory"
    else:
        assert [m.service for m in got] == ["Routing", "Directory"]


async def test_without_the_permission_the_query_is_an_auth_error(client, sim):
    sim.sim.configure(audits_forbidden=True)
    with pytest.raises(AuthError) as refused:
        await submit(client, AuditQuery("Routing", *_window()))
    assert refused.value.status == 403 and "audits:audit:view" in refused.value.message


async def test_a_query_that_never_finishes_or_fails_is_an_audit_query_error(client, sim, proxy):
    sim.sim.configure(audit_query_seconds=3600)
    slow = await submit(client, AuditQuery("Routing", *_window()))
    with pytest.raises(AuditQueryError, match="still"):
        await wait(client, slow, timeout=0.3)
    proxy.inject("GET", r"/api/v2/audits/query/[^/]+$", status(200, {"id": "x", "state": "Failed"}))
    async with make_client(sim, via=proxy, backoff=no_backoff) as c:
        with pytest.raises(AuditQueryError, match="Failed"):
            await wait(c, Execution("x", "Running"), timeout=5)


async def test_a_malformed_results_page_is_retried_then_refused(sim, proxy):
    sim.sim.configure(audit_query_seconds=0)
    rule = proxy.inject("GET", r"/api/v2/audits/query/[^/]+/results", status(200, {"entities": [{"id": "m1"}]}))
    async with make_client(sim, via=proxy, backoff=no_backoff, max_attempts=2) as c:
        with pytest.raises(MalformedResponseError):
            await results(c, "anything")
    assert rule.injected == 2


def test_a_long_window_is_split_into_queries_the_platform_accepts():
    q = AuditQuery("Routing", 0.0, MAX_WINDOW_S * 2.5, "c")
    parts = q.split()
    assert [(p.start, p.end) for p in parts] == [(0.0, MAX_WINDOW_S), (MAX_WINDOW_S, 2 * MAX_WINDOW_S), (2 * MAX_WINDOW_S, 2.5 * MAX_WINDOW_S)]
    assert q.body()["filters"] == [{"property": "ClientId", "value": "c"}]
    assert q.body()["interval"] == "1970-01-01T00:00:00.000Z/1970-03-19T12:00:00.000Z"


def test_the_decoders_refuse_what_the_contract_does_not_document():
    assert decode_execution({"id": "t", "state": "Queued"}) == Execution("t", "Queued")
    good = {
        "id": "m",
        "eventDate": "2026-01-02T03:04:05.678Z",
        "entity": {"id": "u1", "name": "Ann"},
        "serviceName": "Routing",
        "entityType": "AgentRoutingInfo",
        "action": "Update",
        "client": {"id": "c"},
        "propertyChanges": [{"property": "skill:s1", "oldValues": [], "newValues": ["2.0"]}],
    }
    msg = decode_message(good)
    assert (msg.entity_id, msg.entity_name, msg.client_id, msg.event_time) == ("u1", "Ann", "c", 1767323045.678)
    assert {"skill", "s1", "skill:s1", "2.0"} <= msg.tokens()
    assert decode_results({"entities": [good], "cursor": "abc"})[1] == "abc"
    assert decode_results({"entities": []}) == ([], None)
    for bad in (
        lambda: decode_execution({"id": "t", "state": "Done"}),
        lambda: decode_message({**good, "entity": None}),
        lambda: decode_message({**good, "eventDate": "yesterday"}),
        lambda: decode_message({**good, "propertyChanges": [{"oldValues": []}]}),
        lambda: decode_results({"entities": "none"}),
        lambda: decode_results({"entities": [], "cursor": 7}),
    ):
        with pytest.raises(ShapeError):
            bad()
