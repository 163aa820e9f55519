"""The fault proxy itself: it forwards faithfully, selects exactly the requests a rule names, and counts."""

import base64

import aiohttp
import orjson
import pytest
import pytest_asyncio
from helpers.faultproxy import EMPTY_OBJECT, REPEAT_CURSOR, RESET, TRUNCATE, Delay, status

SKILLS = r"/api/v2/routing/skills"


@pytest_asyncio.fixture(loop_scope="session")
async def http(sim):
    """A bare HTTP session with a bearer token from the simulator (no bulkops client involved)."""
    async with aiohttp.ClientSession() as s:
        basic = base64.b64encode(f"{sim.client_id}:{sim.client_secret}".encode()).decode()
        async with s.post(sim.base_url + "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}) as r:
            token = (await r.json())["access_token"]
        s.headers["Authorization"] = f"Bearer {token}"
        yield s


async def get(http, url, **params):
    async with http.get(url, params=params) as r:
        return r.status, await r.read(), r.headers


async def test_without_rules_answers_are_forwarded_unchanged(sim, proxy, http):
    direct = await get(http, sim.base_url + SKILLS, pageSize="7", pageNumber="2")
    proxied = await get(http, proxy.base_url + SKILLS, pageSize="7", pageNumber="2")
    assert proxied[0] == direct[0] == 200 and orjson.loads(proxied[1]) == orjson.loads(direct[1])
    assert proxied[2]["Content-Type"].startswith("application/json")
    assert proxy.forwarded == 1 and proxy.injected == 0 and proxy.count("GET", SKILLS) == 1


async def test_nth_from_nth_and_times_select_exactly_the_requests_named(proxy, http):
    second = proxy.inject("GET", SKILLS, status(503), nth=2)
    codes = [(await get(http, proxy.base_url + SKILLS))[0] for _ in range(4)]
    assert codes == [200, 503, 200, 200] and second.matched == 4 and second.injected == 1
    proxy.remove(second)
    proxy.inject("GET", SKILLS, status(502), from_nth=2, times=2)
    codes = [(await get(http, proxy.base_url + SKILLS))[0] for _ in range(5)]
    assert codes == [200, 502, 502, 200, 200]
    assert proxy.injected == 3 and proxy.forwarded == 3 + 3


async def test_a_seeded_probability_is_reproducible(proxy, http):
    picks = []
    for _ in range(2):
        with proxy.inject("GET", SKILLS, status(503), probability=0.5, seed=11):
            picks.append([(await get(http, proxy.base_url + SKILLS))[0] for _ in range(12)])
    assert picks[0] == picks[1] and 503 in picks[0] and 200 in picks[0]
    assert proxy.rules == []  # the with-block removed each rule


async def test_method_and_query_narrow_a_rule(proxy, http):
    proxy.inject("POST", SKILLS, status(500))
    proxy.inject("GET", SKILLS, EMPTY_OBJECT, query={"pageNumber": "3"})
    proxy.inject("GET", SKILLS, status(404), query={"name": False, "pageSize": True})
    assert (await get(http, proxy.base_url + SKILLS, pageNumber="2"))[0] == 200
    assert (await get(http, proxy.base_url + SKILLS, pageNumber="3"))[1] == b"{}"
    assert (await get(http, proxy.base_url + SKILLS, pageSize="5"))[0] == 404
    assert (await get(http, proxy.base_url + SKILLS, pageSize="5", name="x"))[0] == 200


async def test_rewrites_see_the_real_answer(proxy, http):
    proxy.inject("GET", SKILLS, TRUNCATE, nth=1)
    status_, body, _ = await get(http, proxy.base_url + SKILLS)
    full = (await get(http, proxy.base_url + SKILLS))[1]
    assert status_ == 200 and body == full[: len(full) // 2]
    proxy.inject("GET", r"/api/v2/users/query", REPEAT_CURSOR)
    first = orjson.loads((await get(http, proxy.base_url + "/api/v2/users/query", pageSize="10"))[1])
    again = orjson.loads((await get(http, proxy.base_url + "/api/v2/users/query", pageSize="10", cursor=first["cursor"]))[1])
    assert again["cursor"] == first["cursor"] and again["entities"] != first["entities"]


async def test_a_reset_drops_the_connection_and_a_delay_outlasts_a_timeout(proxy, http):
    # aiohttp re-sends an idempotent request once after a reset by itself: reset both.
    proxy.inject("GET", SKILLS, RESET, times=2)
    with pytest.raises(aiohttp.ClientError):
        await get(http, proxy.base_url + SKILLS)
    proxy.clear()
    proxy.inject("GET", SKILLS, Delay(1.0))
    with pytest.raises(TimeoutError):
        async with http.get(proxy.base_url + SKILLS, timeout=aiohttp.ClientTimeout(total=0.2)) as r:
            await r.read()
    assert proxy.forwarded == 0  # neither reached the simulator (yet: the delayed one forwards later)


async def test_answer_writes_makes_up_a_share_of_write_answers_and_forwards_none_of_them(sim, proxy, http):
    """HTML block pages, ``{}`` and empty 200s for about 30% of writes, picked by seed; reads and
    the POSTs that only read pass through. A made-up answer's write never reaches the simulator."""
    from helpers.faultproxy import BLOCK_PAGE

    rule = proxy.answer_writes(share=0.3, seed=5)
    uid = sim.sim.user_ids()[0]
    answers = []
    for _ in range(60):
        async with http.patch(proxy.base_url + f"/api/v2/users/{uid}/routinglanguages/bulk", json=[]) as r:
            answers.append((r.status, r.headers.get("Content-Type", ""), await r.read()))
    made_up = [a for a in answers if a[2] in (b"", b"{}") or a[1].startswith("text/html")]
    assert rule.injected == len(made_up) and 10 <= len(made_up) <= 30
    assert {a[0] for a in made_up} == {200} and sum(rule.action.picked.values()) == len(made_up)
    assert len(rule.action.picked) == 3  # all three kinds met
    assert BLOCK_PAGE.body in {a[2] for a in made_up}
    assert proxy.forwarded == 60 - len(made_up)
    async with http.post(proxy.base_url + "/api/v2/users/search", json={"query": [], "pageSize": 1}) as r:
        await r.read()  # a search is a read: not matched, whatever the simulator makes of it
    status_get, _, _ = await get(http, proxy.base_url + SKILLS)
    assert status_get == 200 and rule.matched == 60
