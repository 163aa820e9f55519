"""``GenesysClient``: auth, one shared rate governor, retries, typed errors, endpoints.

Layering, bottom up: ``Transport`` (HTTP) -> ``TokenProvider`` (OAuth) -> ``RateGovernor``
(pace/pause) -> ``request`` (retries, error mapping, shape checks, logging) -> endpoint methods.

A 2xx is only an answer once its body has the documented shape: the decode and the check run
inside the retried attempt (``request(..., shape=...)``), so a malformed page is asked for again
within the same budget as a 5xx and, once that is spent, ends as ``MalformedResponseError``.
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception
from tenacity.wait import wait_random_exponential

from bulkops.client.auth import TokenProvider
from bulkops.client.connect.config import ClientConfig
from bulkops.client.contact import FIRST_CONTACT_PAUSE, FirstContact, no_connection
from bulkops.client.echo import assignments_echo, named_echo, no_content, user_echo
from bulkops.client.endpoints.organization import ORGANIZATION_PATH, Organization, organization
from bulkops.client.errors_map import CORRELATION_HEADER, error_from_response
from bulkops.client.pagination import Page, cursor_page, numbered_page
from bulkops.client.ratelimit import RateGovernor
from bulkops.client.requestkind import TOKEN, current_kind
from bulkops.client.serverclock import ServerClock
from bulkops.client.transport import HttpTransport, RawResponse, Transport, on_the_wire, redirect_refused
from bulkops.client.wire import ShapeError, chunks, decode, held, json_object, skill_posts, user_object
from bulkops.domain.cost import LANGUAGES_PER_BULK, MEMBERS_PER_REQUEST, SKILLS_PER_BULK
from bulkops.errors import (
    ApiError,
    BulkopsError,
    MalformedResponseError,
    RateLimitedError,
    ServerError,
    TransportError,
)

log = structlog.get_logger("bulkops.client")

QUEUE_MEMBERS_PAGE = 100
ASSIGNMENTS_PAGE = 100  # a user holds at most 50 skills (or languages): one page  # the real API's cap on this listing
USER_EXPAND = ("skills", "languages")
#: A 429 whose Retry-After is missing or unusable (nan, negative, text) still waits this long:
#: 429s do not count toward max_attempts, so a zero pause would spin until max_retry_seconds.
MIN_RATE_LIMIT_PAUSE = 1.0

#: Checks and converts a decoded 2xx body; raises ShapeError when it is not the documented shape.
Shape = Callable[[Any], Any]
Backoff = Callable[[RetryCallState], float]
Clock = Callable[[], float]


@dataclass(slots=True)
class ApiResponse:
    """A 2xx. ``data`` is the decoded JSON, or what the request's ``shape`` check made of it."""

    status: int
    data: Any
    correlation_id: str | None
    attempts: int
    latency: float


@dataclass(slots=True)
class ClientStats:
    """What the process spent: the figures behind 'requests per changed user' and 'requests/s'.

    ``requests`` counts every request sent, answered or not, the token endpoint's included, as
    the server counts them; ``by_kind`` splits the same count by what each was for
    (``requestkind``), so it always sums to ``requests``. ``by_status`` holds the API's answers
    only: the token endpoint's are in ``by_kind["token"]``.
    """

    requests: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    transport_errors: int = 0
    malformed: int = 0
    started: float = field(default_factory=time.monotonic)
    #: Tells one client's figures from another's (a job's running total adds each client's once).
    session: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: Requests by the whole epoch second they were sent in: when they really went out (the report's requests/s).
    sent_at: Counter[int] = field(default_factory=Counter)

    @property
    def rate_limited(self) -> int:
        return self.by_status.get(429, 0)

    def sent(self, kind: str, *, at: float | None = None) -> None:
        """One request sent, answered or not, counted under ``kind``; ``at``: when it was sent (epoch s, default now)."""
        self.requests += 1
        self.by_kind[kind] += 1
        self.sent_at[int(time.time() if at is None else at)] += 1


class _TokenCounting:
    """The transport the token provider sends through: each POST to the token endpoint counted
    in the client's figures under ``token``. It bypasses ``request`` (no pacing, no retry layer),
    yet the server counts it like any other request."""

    def __init__(self, inner: HttpTransport, stats: ClientStats, server_clock: ServerClock | None = None):
        self._inner = inner
        self._stats = stats
        self._server_clock = server_clock

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RawResponse:
        try:
            raw = await self._inner.send(method, url, params=params, json=json, data=data, headers=headers)
        except asyncio.CancelledError as exc:  # in flight when the pass stopped: counted if the server has it
            if on_the_wire(exc):
                self._stats.sent(TOKEN)
            raise
        except (TimeoutError, aiohttp.ClientError):
            self._stats.sent(TOKEN)  # as for the API: sent and unanswered still counts
            self._stats.transport_errors += 1
            raise
        self._stats.sent(TOKEN)
        if self._server_clock is not None:
            self._server_clock.observe(raw.headers.get("Date"))
        return raw

    async def close(self) -> None:
        await self._inner.close()


class _Retry(Exception):
    """Internal: a transient failure tenacity may retry; carries the error to raise at the end."""

    def __init__(self, error: BulkopsError, *, immediate: bool = False, counts: bool = True, ambiguous: bool = False):
        super().__init__(str(error))
        self.error = error
        self.immediate = immediate  # no backoff: the governor (Retry-After) or a fresh token handles it
        self.counts = counts  # counts toward max_attempts (429s are bounded by time instead)
        #: The request reached the API and its answer is lost or unreadable (a timeout, a reset, a
        #: 5xx, a malformed 2xx): the platform may have acted. A 429 or a 401 says it did not.
        self.ambiguous = ambiguous


@dataclass(slots=True)
class _Call:
    """One API call: what every attempt sends, and what its attempts have spent so far."""

    method: str
    path: str
    url: str
    query: dict[str, str]
    json: Any
    shape: Shape | None
    #: The API answers this write with 204 and nothing else (``echo.no_content``).
    no_content: bool = False
    #: Sent at most once past an ambiguous failure (a create: ``createonce``); a clean refusal
    #: (429, 401) is still sent again.
    once: bool = False
    attempts: int = 0
    refreshed: bool = False  # a 401 has had its one token refresh

    @classmethod
    def of(
        cls,
        api_url: str,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        shape: Shape | None,
        *,
        no_content: bool = False,
        once: bool = False,
    ) -> _Call:
        """Query values in the API's spelling (see ``_param``); a None value is left out."""
        query = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        return cls(method, path, api_url + path, query, json, shape, no_content, once)

    def may_retry(self, exc: BaseException) -> bool:
        """Another attempt for a transient failure, unless this call goes once and the platform may have acted."""
        return isinstance(exc, _Retry) and not (self.once and exc.ambiguous)

    @property
    def had_cursor(self) -> bool:
        """A 400 on a cursor listing is the cursor expiring (``CursorExpiredError``)."""
        return "cursor" in self.query


def _spent(error: BulkopsError, attempts: int) -> BulkopsError:
    """``error`` carrying the requests it took, which the engine counts against the run."""
    if isinstance(error, (ApiError, TransportError)):
        error.attempts = attempts
    return error


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``Retry-After``; None when absent or unusable (nan, negative, not a number).

    ``inf`` is kept: the governor clamps every pause to ``max_retry_after``.
    """
    try:
        seconds = float(headers["Retry-After"])
    except (KeyError, ValueError):
        return None
    return None if math.isnan(seconds) or seconds < 0 else seconds


class GenesysClient:
    def __init__(
        self,
        config: ClientConfig,
        *,
        transport: HttpTransport | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        governor: RateGovernor | None = None,
        backoff: Backoff | None = None,
        server_clock: ServerClock | None = None,
    ):
        """Every collaborator is an argument (as httpx's client takes a transport), so a test
        swaps one without reaching into the client.

        ``transport`` sends the HTTP (an aiohttp pool by default; closed with the client);
        ``clock`` times token expiry and latencies (``time.monotonic``); ``sleep`` waits between
        retries; ``backoff`` is the seconds before one. The default ``governor`` paces on the
        event loop's clock: a test that moves time for it passes a governor with its own clock
        and sleep, since a clock that only moves when told would hold a pause forever.
        """
        self.config = config
        self.transport: HttpTransport = transport or Transport(timeout=config.timeout, max_connections=config.max_connections)
        self._clock: Clock = clock or time.monotonic
        self.stats = ClientStats()
        #: The API's time from its answers' Date header; ``server_clock`` brings this machine's clock (tests skew it).
        self.server_clock = server_clock or ServerClock()
        #: Whether anything answered yet: until then a refused connection gets seconds, not the retry budget.
        self.contact = FirstContact()
        self.auth = TokenProvider(config, _TokenCounting(self.transport, self.stats, self.server_clock), clock=self._clock, contact=self.contact)
        self.governor = governor or RateGovernor(config.rps, max_pause=config.max_retry_after)
        self._sleep = sleep
        self._backoff: Backoff = backoff or wait_random_exponential(multiplier=0.5, max=30)

    def __repr__(self) -> str:
        return f"GenesysClient(api_url={self.config.api_url!r}, client_id={self.config.client_id!r}, rps={self.config.rps})"

    async def __aenter__(self) -> GenesysClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.transport.close()

    # -- the one request path -------------------------------------------------------------

    def _stop_policy(self) -> Callable[[RetryCallState], bool]:
        """Bounded in attempts (429s and token refreshes excepted: they pause instead) and in time."""
        counted = 0

        def stop(state: RetryCallState) -> bool:
            nonlocal counted
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _Retry) and exc.counts:
                counted += 1
            # tenacity gives no elapsed time before an attempt has an outcome: nothing spent yet.
            elapsed = state.seconds_since_start
            return counted >= self.config.max_attempts or (elapsed is not None and elapsed > self.config.max_retry_seconds)

        return stop

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retry) and exc.immediate:
            return 0.0
        if isinstance(exc, _Retry) and self.contact.starting(exc.error):
            return FIRST_CONTACT_PAUSE  # a server still starting: look again soon, every time alike
        return self._backoff(state)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        shape: Shape | None = None,
        no_content: bool = False,
        once: bool = False,
    ) -> ApiResponse:
        """Send one API call with pacing, auth, retries; return parsed JSON or raise a typed ApiError.

        With ``shape``, a 2xx body that does not decode or does not pass ``shape`` is retried
        like a 5xx; a write's ``shape`` also checks that the answer shows what was written
        (``client.echo``). With ``no_content`` (a write the API answers 204), anything but an
        empty 204 is retried the same way. With neither, an unreadable body is ``None``.
        With ``once`` (a create), a failure after which the platform may have acted (a timeout, a
        reset, a 5xx, a malformed answer) is raised at once, never sent again blind: the caller
        looks the object up first (``createonce``).
        """
        call = _Call.of(self.config.api_url, method, path, params, json, shape, no_content=no_content, once=once)
        retrying = AsyncRetrying(stop=self._stop_policy(), wait=self._wait, retry=retry_if_exception(call.may_retry), sleep=self._sleep, reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(call, attempt.retry_state)
        except _Retry as exc:
            raise _spent(self.contact.final(exc.error, call.url), call.attempts) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, call: _Call, state: RetryCallState) -> ApiResponse:
        """One try: wait for the governor, get a token, send, and make the answer of what came back.

        Raises ``_Retry`` for what another try may fix; tenacity decides whether there is one.
        """
        self._begin(call)
        await self.governor.acquire()
        token = await self._token()
        raw, latency = await self._send(call, token)
        self._account(call, raw, latency)
        if (redirected := redirect_refused(raw, call.method, call.url)) is not None:
            raise redirected  # a 3xx is never followed nor retried (#25 §8a)
        if 200 <= raw.status < 300:
            data = self._read(call, raw)
            return ApiResponse(raw.status, data, raw.headers.get(CORRELATION_HEADER), call.attempts, latency)
        raise await self._refusal(call, raw, token, state)

    def _begin(self, call: _Call) -> None:
        """Count the attempt; every one after the first is a retry in the run's figures."""
        call.attempts += 1
        if call.attempts > 1:
            self.stats.retries += 1

    async def _send(self, call: _Call, token: str) -> tuple[RawResponse, float]:
        """The HTTP exchange and its latency; a timeout or connection fault is a retried TransportError."""
        started = self._clock()
        try:
            raw = await self.transport.send(call.method, call.url, params=call.query, json=call.json, headers={"Authorization": f"Bearer {token}"})
        except asyncio.CancelledError as exc:
            # The pass is stopping (a fatal error elsewhere, a second Ctrl-C) with this request in
            # flight: counted if it reached the server (the server counts it), else not.
            if on_the_wire(exc):
                self.stats.sent(current_kind())
            raise
        except (TimeoutError, aiohttp.ClientError) as exc:
            self._account_fault(call, exc)
            wrong = self.contact.fault(exc, call.url)
            if wrong is not None:
                raise wrong from None
            fault = TransportError(f"{call.method} {call.path}: {type(exc).__name__}: {exc}")
            fault.no_connection = no_connection(exc)
            raise _Retry(fault, ambiguous=True) from None
        return raw, self._clock() - started

    async def _refusal(self, call: _Call, raw: RawResponse, token: str, state: RetryCallState) -> _Retry | ApiError:
        """What a non-2xx calls for: a ``_Retry`` (a first 401 after a new token, a 429 after the
        client-wide pause, a 5xx after backoff) or, for anything retrying cannot fix, the typed error."""
        error = error_from_response(raw, call.method, call.path, had_cursor=call.had_cursor)
        error.attempts = call.attempts
        if raw.status == 401 and not call.refreshed:
            await self._token(stale=token)
            call.refreshed = True
            return _Retry(error, immediate=True, counts=False)
        if isinstance(error, RateLimitedError):
            self.governor.pause(self._rate_limit_pause(raw.headers, state))
            return _Retry(error, immediate=True, counts=False)
        if isinstance(error, ServerError):
            return _Retry(error, ambiguous=True)
        return error

    async def _token(self, *, stale: str | None = None) -> str:
        """A token (a new one after a 401 on ``stale``); a transient token-endpoint failure is retried.

        Only a refusal of the credentials (AuthError) ends the request here.
        """
        try:
            return await (self.auth.refresh(stale) if stale else self.auth.token())
        except (ServerError, TransportError) as exc:
            log.debug("auth.token_retry", error=str(exc))
            raise _Retry(exc) from None

    def _read(self, call: _Call, raw: RawResponse) -> Any:
        """The 2xx body, checked by the call's ``shape``; a malformed one becomes a retried MalformedResponseError."""
        content_type = raw.headers.get("Content-Type")
        if call.shape is None and not call.no_content:
            try:
                return decode(raw.body, content_type)
            except ShapeError:
                return None  # nobody reads this answer (a read outside the engine's writes)
        try:
            if call.no_content:
                return no_content(raw.status, raw.body, content_type)
            assert call.shape is not None
            return call.shape(decode(raw.body, content_type))
        except ShapeError as exc:
            self.stats.malformed += 1
            log.warning("http.malformed", method=call.method, path=call.path, status=raw.status, problem=str(exc))
            raise _Retry(_malformed(raw.status, str(exc), raw.headers.get(CORRELATION_HEADER), call.method, call.path, raw.body), ambiguous=True) from None

    def _rate_limit_pause(self, headers: Mapping[str, str], state: RetryCallState) -> float:
        """Retry-After when usable; otherwise the backoff, but never less than MIN_RATE_LIMIT_PAUSE."""
        after = _retry_after(headers)
        return after if after is not None else max(self._backoff(state), MIN_RATE_LIMIT_PAUSE)

    def _account(self, call: _Call, raw: RawResponse, latency: float) -> None:
        """An answered request in the run's figures (under the kind its caller labelled) and the log;
        its rate-limit headers to the governor."""
        self.stats.sent(current_kind(), at=time.time() - latency)
        self.stats.by_status[raw.status] += 1
        self.contact.answer()
        self.governor.observe(raw.headers)
        self.server_clock.observe(raw.headers.get("Date"))
        log.debug(
            "http.request",
            method=call.method,
            path=call.path,
            status=raw.status,
            latency_ms=round(latency * 1000, 1),
            attempt=call.attempts,
            correlation_id=raw.headers.get(CORRELATION_HEADER),
        )

    def _account_fault(self, call: _Call, exc: BaseException) -> None:
        """A request that got no answer still counts: it was sent and it spent the budget."""
        self.stats.sent(current_kind())
        self.stats.transport_errors += 1
        log.debug("http.request", method=call.method, path=call.path, error=type(exc).__name__, attempt=call.attempts)

    # -- pagination ---------------------------------------------------------------------

    async def iter_users(
        self,
        *,
        start: str | None = None,
        page_size: int | None = None,
        expand: Sequence[str] = USER_EXPAND,
        state: str | None = None,
    ) -> AsyncIterator[Page]:
        """Cursor listing ``GET /api/v2/users/query``; resume by passing a page's ``next_position``."""
        cursor = start
        seen: set[str] = {start} if start else set()  # a cursor met twice would loop forever

        def shape(data: Any) -> tuple[list[dict[str, Any]], str | None]:
            return cursor_page(data, seen=seen)

        while True:
            params = {"pageSize": page_size or self.config.page_size, "expand": list(expand) or None, "cursor": cursor, "state": state}
            resp = await self.request("GET", "/api/v2/users/query", params=params, shape=shape)
            entities, nxt = resp.data
            yield Page(entities, cursor, nxt, resp.attempts)
            if nxt is None:
                return
            seen.add(nxt)
            cursor = nxt

    async def iter_pages(self, path: str, *, params: Mapping[str, Any] | None = None, start: int = 1, page_size: int = 100) -> AsyncIterator[Page]:
        """Page-number listings (skills, languages, queues, queue members, divisions).

        Stops on a missing ``nextUri``, a short page, or ``pageCount`` reached: the queue
        members listing has no ``total``/``pageCount``, so every signal is needed.
        """
        number = start
        while True:
            query = dict(params or {}, pageNumber=number, pageSize=page_size)
            check = functools.partial(numbered_page, number=number, size=page_size)
            resp = await self.request("GET", path, params=query, shape=check)
            entities, done = resp.data
            yield Page(entities, number, None if done else number + 1, resp.attempts)
            if done:
                return
            number += 1

    async def all_entities(self, path: str, **kwargs: Any) -> list[dict[str, Any]]:
        return [e async for page in self.iter_pages(path, **kwargs) for e in page.entities]

    # -- users ---------------------------------------------------------------------------

    async def get_user(self, user_id: str, *, expand: Sequence[str] = USER_EXPAND) -> ApiResponse:
        return await self.request("GET", f"/api/v2/users/{_q(user_id)}", params={"expand": list(expand) or None}, shape=user_object)

    async def read_assignments(self, user_id: str, kind: str) -> tuple[dict[str, float], int]:
        """A user's active ``skills`` or ``languages`` read to the end, and the requests it took:
        what to read when a listing's best-effort expansion left them out."""
        if kind not in USER_EXPAND:
            raise ValueError(f"kind must be one of {USER_EXPAND}, not {kind!r}")
        entities: list[dict[str, Any]] = []
        spent = 0
        async for page in self.iter_pages(f"/api/v2/users/{_q(user_id)}/routing{kind}", page_size=ASSIGNMENTS_PAGE):
            entities.extend(page.entities)
            spent += page.requests
        return held(entities), spent

    async def patch_user(self, user_id: str, body: Mapping[str, Any]) -> ApiResponse:
        if "version" not in body:
            raise ValueError("PATCH /api/v2/users/{id} needs the current version")
        return await self.request("PATCH", f"/api/v2/users/{_q(user_id)}", json=dict(body), shape=user_echo(user_id, body))

    # -- user routing skills and languages ------------------------------------------------

    async def upsert_skills(self, user_id: str, skills: Mapping[str, float]) -> list[ApiResponse]:
        """PATCH .../routingskills/bulk in chunks of 50: adds/updates only what is listed; each
        answer (the user's skills) must list every skill of its chunk at the level written."""
        path = f"/api/v2/users/{_q(user_id)}/routingskills/bulk"
        return [await self.request("PATCH", path, json=c, shape=_listing_echo(c, "skill")) for c in chunks(skill_posts(skills), SKILLS_PER_BULK)]

    async def replace_skills(self, user_id: str, skills: Mapping[str, float]) -> ApiResponse:
        """PUT .../routingskills/bulk: the user ends with exactly ``skills`` (replace mode only)."""
        body = skill_posts(skills)
        return await self.request("PUT", f"/api/v2/users/{_q(user_id)}/routingskills/bulk", json=body, shape=_listing_echo(body, "skill"))

    async def delete_skill(self, user_id: str, skill_id: str) -> ApiResponse:
        return await self.request("DELETE", f"/api/v2/users/{_q(user_id)}/routingskills/{_q(skill_id)}", no_content=True)

    async def upsert_languages(self, user_id: str, languages: Mapping[str, float]) -> list[ApiResponse]:
        path = f"/api/v2/users/{_q(user_id)}/routinglanguages/bulk"
        return [await self.request("PATCH", path, json=c, shape=_listing_echo(c, "language")) for c in chunks(skill_posts(languages), LANGUAGES_PER_BULK)]

    async def delete_language(self, user_id: str, language_id: str) -> ApiResponse:
        return await self.request("DELETE", f"/api/v2/users/{_q(user_id)}/routinglanguages/{_q(language_id)}", no_content=True)

    # -- org catalogue ---------------------------------------------------------------------

    async def create_skill(self, name: str, *, division_id: str | None = None) -> ApiResponse:
        """POST a skill, once; its answer (id and name) must be readable.

        Sent once past a lost answer (a timeout, a reset, a 5xx, a malformed 2xx: raised as it
        is): the skill may exist by now, so ``routing_config.create_skill_definition`` looks the
        name up before any second POST (``createonce``). A 429 or 401 is still sent again.
        """
        body = {"name": name} | ({"divisionId": division_id} if division_id else {})
        return await self.request("POST", "/api/v2/routing/skills", json=body, shape=named_echo(name), once=True)

    async def move_to_division(self, division_id: str, user_ids: Sequence[str]) -> ApiResponse:
        return await self.request("POST", f"/api/v2/authorization/divisions/{_q(division_id)}/objects/USER", json=list(user_ids), no_content=True)

    async def change_queue_members(self, queue_id: str, user_ids: Iterable[str], *, remove: bool) -> list[ApiResponse]:
        """POST .../members (``delete=true`` to remove), 100 members a request."""
        path = f"/api/v2/routing/queues/{_q(queue_id)}/members"
        params = {"delete": "true"} if remove else None
        ids = [{"id": u} for u in user_ids]
        return [await self.request("POST", path, params=params, json=c, no_content=True) for c in chunks(ids, MEMBERS_PER_REQUEST)]

    def iter_queue_members(self, queue_id: str, *, start: int = 1, member_by: str | None = None) -> AsyncIterator[Page]:
        """``member_by``: "user" for direct members (what a member write changes), "group" for
        members through a group, team or skill group; None for both."""
        params = {"memberBy": member_by} if member_by else None
        return self.iter_pages(f"/api/v2/routing/queues/{_q(queue_id)}/members", params=params, start=start, page_size=QUEUE_MEMBERS_PAGE)

    async def get_queue(self, queue_id: str) -> ApiResponse:
        return await self.request("GET", f"/api/v2/routing/queues/{_q(queue_id)}", shape=json_object)

    async def get_organization(self) -> Organization:
        """The org this client's credentials belong to (``GET /api/v2/organizations/me``)."""
        resp = await self.request("GET", ORGANIZATION_PATH, shape=organization)
        result: Organization = resp.data
        return result


def _listing_echo(posts: list[dict[str, Any]], kind: str) -> Shape:
    """The check of a bulk assignments write's answer: the chunk sent, as id -> proficiency."""
    return assignments_echo({p["id"]: p["proficiency"] for p in posts}, kind=kind)


def _malformed(status: int, problem: str, correlation_id: str | None, method: str, path: str, body: bytes | None) -> MalformedResponseError:
    glimpse = body[:200].decode("utf-8", "replace") if body else None
    return MalformedResponseError(status, f"malformed response: {problem}", correlation_id=correlation_id, method=method, path=path, body=glimpse)


def _q(segment: str) -> str:
    return quote(segment, safe="")


def _param(value: Any) -> str:
    """List params go as ONE comma-joined value, bools as true/false (as the SDK sends them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(v) for v in value)
    return str(value)
