"""The client's constructor seams: a transport and a clock given to it are the ones it uses.

No simulator here: a scripted transport answers, which is what the ``transport=`` seam is for.
"""

from dataclasses import replace

import orjson
import pytest
from helpers.clients import no_backoff

from bulkops.client import ClientConfig, GenesysClient
from bulkops.client.transport import RawResponse
from bulkops.errors import NotFoundError, ServerError

JSON = {"Content-Type": "application/json"}
CONFIG = ClientConfig(api_url="https://api.example.test", login_url="https://login.example.test", client_id="id", client_secret="secret", rps=1000)


class ScriptedTransport:
    """Answers the token endpoint with a 600 s token and API calls with ``answers`` in turn; records every call."""

    def __init__(self, *answers: tuple[int, object]):
        self.answers = list(answers)
        self.sent: list[tuple[str, str, str]] = []
        self.closed = False

    async def send(self, method, url, *, params=None, json=None, data=None, headers=None) -> RawResponse:
        self.sent.append((method, url, (headers or {}).get("Authorization", "")))
        if url.endswith("/oauth/token"):
            return RawResponse(200, JSON, orjson.dumps({"access_token": f"t{len(self.sent)}", "expires_in": 600}))
        status, body = self.answers.pop(0)
        return RawResponse(status, JSON, orjson.dumps(body))

    async def close(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_the_given_transport_carries_the_token_request_and_the_call_and_is_closed_with_the_client():
    transport = ScriptedTransport((200, {"id": "u1", "version": 3}))
    async with GenesysClient(CONFIG, transport=transport) as c:
        resp = await c.get_user("u1")
    assert resp.data == {"id": "u1", "version": 3} and resp.attempts == 1
    assert [(m, u.split("/", 3)[-1]) for m, u, _ in transport.sent] == [("POST", "oauth/token"), ("GET", "api/v2/users/u1")]
    assert transport.sent[1][2] == "Bearer t1" and transport.closed


async def test_the_given_clock_decides_when_the_token_is_renewed():
    clock = Clock()
    user = (200, {"id": "u1", "version": 1})
    transport = ScriptedTransport(user, user, user)
    c = GenesysClient(CONFIG, transport=transport, clock=clock)
    await c.get_user("u1")
    clock.now = 299.0  # refreshed at half the 600 s lifetime: still fresh
    await c.get_user("u1")
    clock.now = 301.0
    await c.get_user("u1")
    assert c.auth.fetches == 2 and transport.sent[-1][2] == "Bearer t4"  # the second token, fetched as the 4th request
    await c.close()


@pytest.mark.parametrize(
    "answers,error,attempts",
    [([(404, {"message": "no such user"})], NotFoundError, 1), ([(503, {"message": "down"})] * 3, ServerError, 3)],
    ids=["404, not retried", "503 past a budget of 3"],
)
async def test_an_api_error_says_how_many_requests_it_took(answers, error, attempts):
    c = GenesysClient(replace(CONFIG, max_attempts=3), transport=ScriptedTransport(*answers), backoff=no_backoff)
    with pytest.raises(error) as err:
        await c.get_user("u1")
    assert err.value.attempts == attempts
    await c.close()
