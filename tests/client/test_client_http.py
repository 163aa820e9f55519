"""The real client against the simulator over loopback HTTP."""

import asyncio
import io

import pytest
from helpers.clients import config_for, make_client, no_backoff

from bulkops.errors import AuthError, ConflictError, CursorExpiredError, ServerError
from bulkops.simulator import SimConfig


async def test_cursor_listing_pages_every_user_once_and_resumes_from_a_position(sim, client):
    sim.sim.reset(SimConfig(users=130))
    seen, positions = [], []
    async for page in client.iter_users(page_size=25):
        seen += [u["id"] for u in page.entities]
        positions.append(page.next_position)
    assert seen == sim.sim.user_ids() and len(set(seen)) == 130
    assert positions[-1] is None
    # Start again from the third page's position: the rest, nothing more, nothing less.
    rest = [u["id"] async for page in client.iter_users(start=positions[1], page_size=25) for u in page.entities]
    assert rest == seen[50:]


async def test_users_come_back_with_skills_and_languages(sim, client):
    page = await client.iter_users(page_size=5).__anext__()
    uid = page.entities[0]["id"]
    assert page.entities[0]["skills"] == sim.sim.user(uid)["skills"]


async def test_page_number_listing_reaches_the_end(sim, client):
    skills = await client.all_entities("/api/v2/routing/skills", page_size=7)
    assert sorted(s["name"] for s in skills) == sorted(sim.sim.skill_ids_by_name())


async def test_a_stale_version_raises_a_conflict_with_code_and_correlation_id(sim, client):
    uid = sim.sim.user_ids()[0]
    version = sim.sim.user(uid)["version"]
    await client.patch_user(uid, {"title": "Lead", "version": version})
    with pytest.raises(ConflictError) as err:
        await client.patch_user(uid, {"title": "Agent", "version": version})
    assert err.value.status == 409 and err.value.correlation_id and err.value.code
    assert sim.sim.user(uid)["title"] == "Lead"


async def test_wrong_credentials_are_an_auth_error(sim):
    c = make_client(sim, rps=100, client_secret="wrong")
    with pytest.raises(AuthError):
        await c.get_user(sim.sim.user_ids()[0])
    await c.close()


async def test_an_expired_token_is_refreshed_once_for_all_waiting_tasks(sim):
    sim.sim.reset(SimConfig(token_ttl=600))
    c = make_client(sim, rps=1000)
    await c.get_user(sim.sim.user_ids()[0])
    assert c.auth.fetches == 1
    sim.advance(700)  # the server now considers the cached token expired; the client does not know
    ids = sim.sim.user_ids()[:20]
    await asyncio.gather(*(c.get_user(u) for u in ids))
    assert c.auth.fetches == 2  # single-flight: one refresh for twenty 401s
    assert c.stats.by_status[401] >= 1
    await c.close()


async def test_server_errors_are_retried_until_success(sim):
    sim.sim.configure(error_rate=0.5)
    c = make_client(sim, rps=1000, max_attempts=30, backoff=no_backoff)  # no real sleeping in tests
    users = [u async for page in c.iter_users(page_size=10) for u in page.entities]
    assert len(users) == len(sim.sim.user_ids())
    assert c.stats.retries > 0 and sum(n for s, n in c.stats.by_status.items() if s >= 500) > 0
    await c.close()


async def test_server_errors_past_the_attempt_budget_raise_a_typed_error(sim):
    sim.sim.configure(error_rate=1.0)
    c = make_client(sim, rps=1000, max_attempts=3, backoff=no_backoff)
    with pytest.raises(ServerError) as err:
        await c.get_user(sim.sim.user_ids()[0])
    assert err.value.attempts == 3
    await c.close()


async def test_an_expired_cursor_is_its_own_error(sim, client):
    sim.sim.reset(SimConfig(users=60, cursor_ttl=30))
    it = client.iter_users(page_size=10)
    first = await it.__anext__()
    sim.advance(60)
    with pytest.raises(CursorExpiredError):
        await it.__anext__()
    assert first.next_position


async def test_a_429_pauses_the_whole_client_for_retry_after_then_succeeds(sim):
    from bulkops.client.ratelimit import RateGovernor

    sim.sim.reset(SimConfig(rps=2))
    slept = []

    async def fake_sleep(seconds):
        slept.append(seconds)
        sim.advance(seconds)  # one clock for both sides: the server's bucket refills as "time" passes

    governor = RateGovernor(1000, clock=sim.clock, sleep=fake_sleep, max_pause=config_for(sim).max_retry_after)
    c = make_client(sim, rps=1000, governor=governor)
    ids = sim.sim.user_ids()[:6]
    for uid in ids:
        await c.get_user(uid)
    assert c.stats.by_status[200] == 6  # every call got through in the end
    assert c.governor.pauses >= 1  # the headers (or a 429) held the client back
    assert 1 <= len(slept) <= 10 and all(0 < s <= c.config.max_retry_after for s in slept)
    await c.close()


async def test_secrets_never_reach_logs_or_repr(sim):
    from bulkops.logsetup import configure_logging

    buf = io.BytesIO()
    configure_logging("debug", file=buf)
    c = make_client(sim, rps=1000)
    await c.get_user(sim.sim.user_ids()[0])
    token = await c.auth.token()  # the cached one: no second fetch
    await c.close()
    configure_logging("warning")
    text = buf.getvalue().decode()
    assert "http.request" in text and "/api/v2/users/" in text
    assert c.config.client_secret not in text and token not in text
    assert c.config.client_secret not in repr(c) and c.config.client_secret not in repr(c.config)


async def test_pacing_at_the_servers_allowance_never_meets_a_429(sim):
    """The server allows 40/s per token; the client is configured for exactly that."""
    sim.sim.reset(SimConfig(users=60, rps=40))
    c = make_client(sim, rps=40)
    ids = sim.sim.user_ids()
    await asyncio.gather(*(c.get_user(ids[i % len(ids)]) for i in range(80)))
    assert c.stats.by_status[200] == 80 and c.stats.rate_limited == 0
    await c.close()


async def test_the_token_is_refreshed_ahead_of_expiry_without_a_401(sim):
    sim.sim.reset(SimConfig(token_ttl=600))
    c = make_client(sim, rps=1000, clock=sim.clock)  # one clock for both sides
    await c.get_user(sim.sim.user_ids()[0])
    sim.advance(310)  # still valid on the server for 290 s, but inside the refresh margin
    await c.get_user(sim.sim.user_ids()[1])
    assert c.auth.fetches == 2 and c.stats.by_status[401] == 0
    await c.close()
