"""Every way an answer can be wrong, injected by a FaultProxy between the real client and the simulator.

A transient fault is retried within the budget and the result is exactly what a clean run gives;
a persistent one ends, promptly, as a typed error that the engine turns into a resumable stop.
"""

import math
import time

import pytest
import pytest_asyncio
from helpers.clients import make_client, no_backoff
from helpers.faultproxy import (
    EMPTY_BODY,
    EMPTY_OBJECT,
    HTML_PAGE,
    REPEAT_CURSOR,
    RESET,
    TRUNCATE,
    TRUNCATED_JSON,
    Answer,
    Delay,
    html_error,
    status,
)

from bulkops.client.api import MIN_RATE_LIMIT_PAUSE
from bulkops.client.ratelimit import RateGovernor
from bulkops.errors import AuthError, ConflictError, MalformedResponseError, ServerError, TransportError
from bulkops.simulator import SimConfig
from tests.helpers.clock import FakeTime

USERS = r"/api/v2/users/query"
USER = r"/api/v2/users/[^/]+"
TOKEN = r"/oauth/token"
MALFORMED_200S = {
    "empty body": EMPTY_BODY,
    "{}": EMPTY_OBJECT,
    "truncated JSON": TRUNCATED_JSON,
    "the real page cut in half": TRUNCATE,
    "HTML": HTML_PAGE,
    "a JSON array": Answer(200, b"[]"),
    "entities is not a list": Answer(200, b'{"entities": {"id": "x"}, "pageNumber": 2, "pageSize": 7}'),
}
faults = pytest.mark.parametrize("fault", list(MALFORMED_200S.values()), ids=list(MALFORMED_200S))


@pytest_asyncio.fixture(loop_scope="session")
async def faulty(sim, proxy):
    """Makes clients through the proxy that retry at once, with a small budget; closes them after."""
    made = []

    def make(**options):
        made.append(make_client(sim, via=proxy, backoff=no_backoff, **{"rps": 1000, "max_attempts": 3, **options}))
        return made[-1]

    yield make
    for c in made:
        await c.close()


async def users_of(client, **kwargs):
    return [u["id"] async for page in client.iter_users(**kwargs) for u in page.entities]


async def members_of(client, queue_id):
    path = f"/api/v2/routing/queues/{queue_id}/members"
    return [m["id"] async for page in client.iter_pages(path, page_size=5) for m in page.entities]


def a_queue(sim):
    """The queue with the most members (45 in the default org: 9 pages of 5)."""
    return max(sim.sim.queue_ids_by_name().values(), key=lambda q: len(sim.sim.queue_member_ids(q)))


# -- malformed 200s on listings: retried, and the listing is complete ------------------------------


@faults
async def test_a_malformed_users_page_is_asked_for_again_and_the_listing_is_complete(sim, proxy, faulty, fault):
    c = faulty()
    rule = proxy.inject("GET", USERS, fault, nth=2)  # the second page
    assert await users_of(c, page_size=50) == sim.sim.user_ids()
    assert rule.injected == 1 and c.stats.malformed == 1 and c.stats.retries == 1


@faults
async def test_a_malformed_queue_members_page_is_asked_for_again_and_the_listing_is_complete(sim, proxy, faulty, fault):
    qid = a_queue(sim)
    c = faulty()
    rule = proxy.inject("GET", r"/api/v2/routing/queues/[^/]+/members", fault, query={"pageNumber": "3"}, nth=1)
    assert sorted(await members_of(c, qid)) == sorted(sim.sim.queue_member_ids(qid))
    assert rule.injected == 1 and c.stats.malformed == 1


@faults
async def test_a_malformed_skills_page_is_asked_for_again_and_the_catalogue_is_complete(sim, proxy, faulty, fault):
    c = faulty()
    rule = proxy.inject("GET", r"/api/v2/routing/skills", fault, nth=2)
    skills = await c.all_entities("/api/v2/routing/skills", page_size=7)
    assert sorted(s["name"] for s in skills) == sorted(sim.sim.skill_ids_by_name())
    assert rule.injected == 1


# -- ... and when the fault persists: MalformedResponseError after the budget, promptly ------------


@faults
async def test_a_users_listing_that_stays_malformed_ends_as_a_malformed_response_after_the_budget(sim, proxy, faulty, fault):
    c = faulty()
    rule = proxy.inject("GET", USERS, fault, from_nth=2)
    started = time.monotonic()
    with pytest.raises(MalformedResponseError) as err:
        await users_of(c, page_size=50)
    assert err.value.attempts == 3 and rule.injected == 3 and proxy.count("GET", USERS) == 4
    assert isinstance(err.value, ServerError)  # the engine's transient family: a resumable stop
    assert "malformed response" in str(err.value) and len(str(err.value)) < 300
    assert time.monotonic() - started < 10  # promptly: attempts at once, no wait (loose: a busy machine is slow too)


@faults
async def test_a_queue_members_listing_that_stays_malformed_ends_as_a_malformed_response(sim, proxy, faulty, fault):
    c = faulty()
    proxy.inject("GET", r"/api/v2/routing/queues/[^/]+/members", fault)
    with pytest.raises(MalformedResponseError) as err:
        await members_of(c, a_queue(sim))
    assert err.value.attempts == 3 and proxy.injected == 3


async def test_an_empty_queue_members_body_is_never_read_as_no_members(sim, proxy, faulty):
    """The issue's case: an empty 200 on the members listing used to mean 'no members'."""
    c = faulty()
    proxy.inject("GET", r"/api/v2/routing/queues/[^/]+/members", EMPTY_BODY)
    with pytest.raises(MalformedResponseError):
        [m async for page in c.iter_queue_members(a_queue(sim)) for m in page.entities]


@pytest.mark.parametrize(
    "page",
    [
        {"entities": [], "pageSize": 5},  # no pageNumber
        {"entities": [], "pageNumber": 1, "pageSize": 5},  # the wrong page
        {"entities": [], "pageNumber": 3, "pageSize": "5"},
        {"entities": [{"id": "a"}] * 6, "pageNumber": 3, "pageSize": 5},  # more than a page
        {"entities": [{"name": "no id"}], "pageNumber": 3, "pageSize": 5},
        {"entities": [], "pageNumber": 3, "pageSize": 5, "pageCount": "9"},
    ],
    ids=["no pageNumber", "wrong pageNumber", "pageSize a string", "page too long", "entity without id", "pageCount a string"],
)
async def test_paging_fields_that_contradict_the_contract_are_malformed(sim, proxy, faulty, page):
    c = faulty()
    proxy.inject("GET", r"/api/v2/routing/queues/[^/]+/members", status(200, page), query={"pageNumber": "3"})
    with pytest.raises(MalformedResponseError):
        await members_of(c, a_queue(sim))


@pytest.mark.parametrize(
    "page",
    [
        {"entities": [{"id": "a"}], "nextUri": "/api/v2/users/query?cursor=x"},
        {"entities": [{"id": "a"}], "results": 2},
        {"entities": [{"id": "a"}], "cursor": 7},
    ],
    ids=["nextUri without a cursor", "results disagrees", "cursor not a string"],
)
async def test_cursor_pages_that_contradict_the_contract_are_malformed(sim, proxy, faulty, page):
    c = faulty()
    proxy.inject("GET", USERS, status(200, page))
    with pytest.raises(MalformedResponseError):
        await users_of(c, page_size=50)


# -- cursors that do not advance ----------------------------------------------------------------


async def test_a_cursor_that_repeats_is_a_malformed_response_within_a_few_requests(sim, proxy, faulty):
    c = faulty()
    proxy.inject("GET", USERS, REPEAT_CURSOR)
    with pytest.raises(MalformedResponseError, match="does not advance"):
        await users_of(c, page_size=50)
    assert proxy.count("GET", USERS) == 1 + 3  # the first page, then the budget for the second


async def test_a_cursor_that_repeats_once_is_asked_for_again_and_the_listing_is_complete(sim, proxy, faulty):
    c = faulty()
    proxy.inject("GET", USERS, REPEAT_CURSOR, nth=3)
    assert await users_of(c, page_size=50) == sim.sim.user_ids()


async def test_a_resumed_listing_refuses_a_page_that_hands_back_its_start(sim, proxy, faulty):
    c = faulty()
    first = await c.iter_users(page_size=50).__anext__()
    proxy.inject("GET", USERS, REPEAT_CURSOR)
    with pytest.raises(MalformedResponseError):
        await users_of(c, start=first.next_position, page_size=50)


# -- single objects -------------------------------------------------------------------------------


@faults
async def test_a_malformed_user_is_asked_for_again(sim, proxy, faulty, fault):
    uid = sim.sim.user_ids()[0]
    c = faulty()
    proxy.inject("GET", USER, fault, nth=1)
    resp = await c.get_user(uid)
    assert resp.data["id"] == uid and resp.attempts == 2


async def test_a_user_without_a_version_stays_malformed_after_the_budget(sim, proxy, faulty):
    c = faulty()
    proxy.inject("GET", USER, status(200, {"id": "u1", "name": "no version"}))
    with pytest.raises(MalformedResponseError, match="version"):
        await c.get_user(sim.sim.user_ids()[0])
    assert proxy.injected == 3


async def test_a_created_skill_with_an_unreadable_answer_is_malformed_and_not_posted_twice(sim, proxy, faulty):
    c = faulty()
    proxy.inject("POST", r"/api/v2/routing/skills", TRUNCATE)
    with pytest.raises(MalformedResponseError):
        await c.create_skill("Brand New Skill")
    assert proxy.count("POST", r"/api/v2/routing/skills") == 1
    assert "Brand New Skill" in sim.sim.skill_ids_by_name()  # the write landed; a resume finds it


async def test_a_write_whose_answer_is_unreadable_is_not_believed_and_its_resend_meets_the_new_version(sim, proxy, faulty):
    """A cut answer to a PATCH is not the user the API answers (#25 §2): the write is sent again.
    Here the first one did land (the proxy cut the real answer), so the re-send carries a stale
    version and answers 409: the engine then reads the user again and diffs to nothing, rather
    than recording a write on the strength of a status code."""
    uid = sim.sim.user_ids()[0]
    c = faulty()
    proxy.inject("PATCH", USER, TRUNCATE, times=1)
    with pytest.raises(ConflictError) as err:
        await c.patch_user(uid, {"title": "Lead", "version": sim.sim.user(uid)["version"]})
    assert err.value.attempts == 2 and c.stats.malformed == 1
    assert sim.sim.user(uid)["title"] == "Lead"


# -- 408, HTML error pages ------------------------------------------------------------------------


async def test_a_408_is_retried_like_a_5xx(sim, proxy, faulty):
    c = faulty()
    proxy.inject("GET", USER, status(408), times=2)
    assert (await c.get_user(sim.sim.user_ids()[0])).attempts == 3
    proxy.inject("GET", USER, status(408))
    with pytest.raises(ServerError) as err:
        await c.get_user(sim.sim.user_ids()[0])
    assert err.value.status == 408 and err.value.attempts == 3


@pytest.mark.parametrize("code", [502, 503, 504])
async def test_a_gateway_html_page_is_retried_and_its_error_stays_short(sim, proxy, faulty, code):
    c = faulty()
    proxy.inject("GET", USER, html_error(code), nth=1)
    assert (await c.get_user(sim.sim.user_ids()[0])).attempts == 2
    proxy.inject("GET", USER, html_error(code))
    with pytest.raises(ServerError) as err:
        await c.get_user(sim.sim.user_ids()[0])
    assert err.value.status == code and "<" not in str(err.value) and len(str(err.value)) < 200
    assert len(err.value.body) <= 200


# -- Retry-After that cannot be read --------------------------------------------------------------


@pytest.mark.parametrize("header", ["nan", "NaN", "-1", "soon", "inf"])
async def test_an_unusable_retry_after_still_pauses_a_bounded_time(sim, proxy, faulty, header):
    t = FakeTime()
    c = faulty()
    c.governor = RateGovernor(1000, clock=t.clock, sleep=t.sleep, max_pause=c.config.max_retry_after)
    proxy.inject("GET", USER, status(429, retry_after=header), times=2)
    await c.get_user(sim.sim.user_ids()[0])
    assert proxy.count("GET", USER) == 3  # two 429s, then the answer: no spinning
    assert len(t.slept) == 2 and all(math.isfinite(s) for s in t.slept)
    assert all(MIN_RATE_LIMIT_PAUSE <= s <= c.config.max_retry_after for s in t.slept)
    if header == "inf":
        assert t.slept == [c.config.max_retry_after] * 2


# -- the token endpoint: transient failures are retried, refusals are AuthErrors ------------------

TRANSIENT_TOKEN_FAULTS = {
    "503": status(503),
    "HTML 502": html_error(502),
    "408": status(408),
    "429": status(429, retry_after="1"),
    "connection reset": RESET,
    "timeout": Delay(1.0),
    "empty 200": EMPTY_BODY,
    "HTML 200": HTML_PAGE,
    "no access_token": status(200, {"token_type": "bearer"}),
    "expires_in not a number": status(200, {"access_token": "t", "expires_in": "soon"}),
}


@pytest.mark.parametrize("fault", list(TRANSIENT_TOKEN_FAULTS.values()), ids=list(TRANSIENT_TOKEN_FAULTS))
async def test_one_token_endpoint_failure_is_retried_and_the_call_succeeds(sim, proxy, faulty, fault):
    c = faulty(timeout=0.3)
    proxy.inject("POST", TOKEN, fault, nth=1)
    resp = await c.get_user(sim.sim.user_ids()[0])
    assert resp.status == 200 and c.auth.fetches == 2


@pytest.mark.parametrize(
    "fault,error",
    [(status(503), ServerError), (html_error(504), ServerError), (EMPTY_OBJECT, MalformedResponseError), (RESET, TransportError)],
    ids=["503", "HTML 504", "{}", "connection reset"],
)
async def test_a_token_endpoint_that_stays_down_ends_as_a_transient_error_never_an_auth_error(sim, proxy, faulty, fault, error):
    c = faulty()
    proxy.inject("POST", TOKEN, fault)
    with pytest.raises(error) as err:
        await c.get_user(sim.sim.user_ids()[0])
    assert not isinstance(err.value, AuthError)
    assert err.value.attempts == 3 and proxy.count("POST", TOKEN) == 3
    assert proxy.count("GET", USER) == 0


@pytest.mark.parametrize("code", [400, 401, 403])
async def test_a_token_endpoint_refusing_the_credentials_is_an_auth_error_at_once(sim, proxy, faulty, code):
    c = faulty()
    proxy.inject("POST", TOKEN, status(code, {"error": "invalid_client", "error_description": "client authentication failed"}))
    with pytest.raises(AuthError) as err:
        await c.get_user(sim.sim.user_ids()[0])
    assert err.value.status == code and "client authentication failed" in str(err.value)
    assert proxy.count("POST", TOKEN) == 1


async def test_a_refresh_after_a_401_that_meets_a_503_is_retried(sim, proxy, faulty):
    sim.sim.reset(SimConfig(token_ttl=600))
    c = faulty()
    await c.get_user(sim.sim.user_ids()[0])
    sim.advance(700)  # the server expires the token; the client does not know yet
    proxy.inject("POST", TOKEN, status(503), nth=1)  # the refresh (rules count from when added)
    resp = await c.get_user(sim.sim.user_ids()[1])
    assert resp.status == 200 and c.auth.fetches == 3


async def test_a_401_right_after_a_fresh_token_is_an_auth_error_after_one_refresh(sim, proxy, faulty):
    """Credentials revoked: refreshing once more cannot help, so it ends promptly."""
    c = faulty(max_attempts=8)
    proxy.inject("GET", USER, status(401))
    with pytest.raises(AuthError):
        await c.get_user(sim.sim.user_ids()[0])
    assert c.auth.fetches == 2 and proxy.count("GET", USER) == 2


async def test_tasks_queued_behind_a_failed_token_fetch_share_its_failure(sim, proxy, faulty):
    """Twenty tasks and a token endpoint that is down: not twenty token requests per round."""
    import asyncio

    c = faulty(rps=10_000)
    proxy.inject("POST", TOKEN, Delay(0.05, then=status(503)))
    results = await asyncio.gather(*(c.get_user(u) for u in sim.sim.user_ids()[:20]), return_exceptions=True)
    assert all(isinstance(r, ServerError) and not isinstance(r, AuthError) for r in results)
    assert proxy.count("POST", TOKEN) <= 3 * 2  # ~one fetch per round, for all twenty tasks
