"""A fault-injecting reverse proxy for the simulator: the real client, real HTTP, wrong answers.

The simulator answers correctly (or with its own seeded 5xx/429/409 knobs). What it cannot do is
answer a 200 with an empty body, ``{}``, truncated JSON or an HTML page, repeat a cursor, reset
the connection or stall past the client's timeout. ``FaultProxy`` sits between the client and the
simulator on ``127.0.0.1`` (port 0), forwards everything, and replaces the answers that a rule
selects::

    async with FaultProxy(sim.base_url) as proxy:          # proxy.base_url -> point the client here
        rule = proxy.inject("GET", r"/api/v2/users/query", EMPTY_OBJECT, nth=2)
        proxy.inject("POST", r"/oauth/token", RESET, times=1)
        proxy.inject("GET", r"/api/v2/routing/queues/[^/]+/members", status(503), probability=0.1, seed=7)
        ...
        assert rule.injected == 1 and proxy.forwarded > 0
        proxy.remove(rule)                                   # or: with proxy.inject(...): ...

Matching (all given conditions must hold): ``method`` (``None`` = any), ``path`` (a regex that must
match the whole request path, query excluded), ``query`` (param -> exact value, ``True`` = present,
``False`` = absent). Selection among the matching requests, counted per rule from 1: ``nth=N``
(only the Nth), ``from_nth=N`` (the Nth and every later one), ``probability=p`` with ``seed``
(reproducible), or none of these (every one); ``times`` caps how many it injects. Every rule counts
every request it matches (``rule.matched``) even when an earlier rule injected for it; the first
rule, in the order added, that selects a request injects its action (``rule.injected``).

Actions: an ``Answer`` (status, body, headers; the request is *not* forwarded), ``Reset()`` (close the
connection with an RST, no answer, not forwarded; note that aiohttp's client re-sends an idempotent
request (GET, PUT, DELETE) once by itself after a reset, so to make a
GET fail use ``times=2`` or more), ``Delay(seconds, then=None)`` (wait, then forward,
or apply ``then``; a client that timed out meanwhile never sees the answer, but a forwarded write
still lands, as on a real network), ``Forward(then)`` (forward, so a write lands, then answer ``then``:
a 502 or a ``Reset()``, the answer lost after the platform acted), and ``Rewrite(fn)`` (forward, then ``fn(request, answer)`` returns
the answer to send). Presets: ``EMPTY_BODY``, ``EMPTY_OBJECT``, ``TRUNCATED_JSON``, ``HTML_PAGE``,
``RESET``, ``TRUNCATE`` (the real answer cut in half), ``REPEAT_CURSOR`` (the real page, but its next
cursor is the one the request sent: a cursor that never advances), ``status(code, ...)`` and
``html_error(code)`` (a gateway's 2 KB HTML error page).

Answering writes itself (#25 §2): ``proxy.answer_writes(share=0.3, seed=7)`` answers that share of
the org's writes (``WRITE_METHODS`` on ``WRITE_PATHS``: not the token, nor the POSTs that only read)
with a 200 it makes up, never forwarding them: ``BLOCK_PAGE`` (a proxy's HTML block page),
``EMPTY_OBJECT`` or ``EMPTY_BODY``, one picked at random each time (``OneOf``, seeded). ``method`` may
be a set of methods, and ``OneOf(actions, seed)`` is usable in any rule.

Counters: ``proxy.forwarded`` / ``proxy.injected`` (totals), ``proxy.seen`` (``Counter`` of
``(method, path)`` for every request that arrived) and ``proxy.count(method, path_regex)``.

Speed: no streaming; a request body is read whole and forwarded on one pooled session, and the
answer is read whole and sent back. Rules are checked in a plain loop, so keep the list short.
"""

from __future__ import annotations

import asyncio
import random
import re
import socket
import struct
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from aiohttp import web
from multidict import CIMultiDict, MultiMapping

#: Headers that describe one hop, not the message: never copied across the proxy.
_HOP = frozenset(
    h.lower() for h in ("Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Content-Encoding", "Host", "Upgrade", "Date", "Server")
)


@dataclass(slots=True)
class Answer:
    """An HTTP answer: sent as is instead of forwarding, or returned by a ``Rewrite``."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})


@dataclass(frozen=True, slots=True)
class Reset:
    """Drop the connection with a TCP reset; nothing is forwarded, nothing answered."""


@dataclass(frozen=True, slots=True)
class Delay:
    """Wait ``seconds`` (past the client's timeout, typically), then forward or apply ``then``."""

    seconds: float
    then: Action | None = None


@dataclass(frozen=True, slots=True)
class Forward:
    """Forward the request (a write lands), then send ``then`` instead of the upstream answer: an
    ``Answer`` (a gateway's 502 after the service acted) or ``Reset()`` (the answer lost with the
    connection)."""

    then: Answer | Reset


@dataclass(frozen=True, slots=True)
class Seen:
    """The request as the proxy received it (what a ``Rewrite`` function gets)."""

    method: str
    path: str
    query: MultiMapping[str]


@dataclass(frozen=True, slots=True)
class Rewrite:
    """Forward, then send ``fn(request, upstream_answer)`` instead of the upstream answer."""

    fn: Callable[[Seen, Answer], Answer]


@dataclass(slots=True)
class OneOf:
    """One of ``actions`` each time, picked by its own seeded RNG (reproducible); counts its picks."""

    actions: tuple[Action, ...]
    seed: int | str = 0
    rng: random.Random = field(init=False)
    picked: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def pick(self) -> Action:
        i = self.rng.randrange(len(self.actions))
        self.picked[i] += 1
        return self.actions[i]


Action = Answer | Reset | Delay | Rewrite | OneOf | Forward


@dataclass(frozen=True)
class Via:
    """A simulator's handle (``base_url`` and its OAuth client) pointed at a proxy in front of it:
    what ``config_for`` and the engine helpers take in place of the simulator."""

    base_url: str
    client_id: str
    client_secret: str


def status(code: int, body: Any = None, *, headers: Mapping[str, str] | None = None, retry_after: str | None = None) -> Answer:
    """An answer with ``code``; ``body`` as bytes, or JSON-encoded (default: an ErrorBody)."""
    if body is None:
        body = {"message": f"injected {code}", "code": "injected.fault", "status": code}
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    if retry_after is not None:
        hdrs["Retry-After"] = retry_after
    return Answer(code, raw, hdrs)


def html_error(code: int = 502) -> Answer:
    """What a load balancer sends when the service behind it is down: ~2 KB of HTML, not JSON."""
    filler = "<!-- " + "x" * 1900 + " -->"
    page = f"<!DOCTYPE html><html><head><title>{code} Bad Gateway</title></head><body><h1>{code}</h1>{filler}</body></html>"
    return Answer(code, page.encode(), {"Content-Type": "text/html"})


def truncate(request: Seen, answer: Answer) -> Answer:
    """The real answer, status and all, with its body cut in half (a connection cut mid-body)."""
    return Answer(answer.status, answer.body[: len(answer.body) // 2], answer.headers)


def repeat_cursor(request: Seen, answer: Answer) -> Answer:
    """The real page, but announcing the cursor the request sent as the next one (never advancing).

    A request without a cursor (the first page) gets the real answer, so the client learns a
    cursor; from the next page on, the page names that same cursor again.
    """
    sent = request.query.get("cursor")
    data = orjson.loads(answer.body) if answer.body else None
    if not sent or not isinstance(data, dict) or "cursor" not in data:
        return answer
    data["cursor"] = sent
    data["nextUri"] = f"{request.path}?cursor={sent}"
    return Answer(answer.status, orjson.dumps(data), answer.headers)


EMPTY_BODY = Answer(200, b"")
EMPTY_OBJECT = Answer(200, b"{}")
TRUNCATED_JSON = Answer(200, b'{"entities": [{"id": "2f1c7a0e-', {"Content-Type": "application/json"})
HTML_PAGE = Answer(200, b"<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>", {"Content-Type": "text/html"})
BLOCK_PAGE = Answer(
    200,
    b"<!DOCTYPE html><html><head><title>Access denied</title></head><body><h1>This request was blocked by your network's web filter</h1>"
    b"<p>Category: uncategorized API traffic. Reference #18.4f2d1c.</p></body></html>",
    {"Content-Type": "text/html; charset=utf-8"},
)
#: What ``answer_writes`` answers with, by default: each a 200 that is no answer at all.
MADE_UP_WRITE_ANSWERS: tuple[Answer, ...] = (BLOCK_PAGE, EMPTY_OBJECT, EMPTY_BODY)
#: Methods that change something (a POST may only read: ``WRITE_PATHS`` leaves those out).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The org's objects: users and their assignments, routing (skills, queues, members, utilization,
#: labels, wrap-up codes), division moves. Not the token, the users search, analytics or audits queries.
WRITE_PATHS = r"/api/v2/(users/(?!search$)[^/]+(/.*)?|routing/.+|authorization/divisions/[^/]+/objects/[^/]+)"
RESET = Reset()
TRUNCATE = Rewrite(truncate)
REPEAT_CURSOR = Rewrite(repeat_cursor)


@dataclass(eq=False)
class Rule:
    """Which requests to replace and with what; counts what it matched and what it injected."""

    proxy: FaultProxy
    method: frozenset[str] | None
    path: re.Pattern[str]
    action: Action
    query: Mapping[str, str | bool] = field(default_factory=dict)
    nth: int | None = None
    from_nth: int | None = None
    probability: float | None = None
    times: int | None = None
    rng: random.Random = field(default_factory=random.Random)
    matched: int = 0
    injected: int = 0

    def matches(self, method: str, path: str, query: MultiMapping[str]) -> bool:
        if self.method is not None and method not in self.method:
            return False
        if not self.path.fullmatch(path):
            return False
        for name, want in self.query.items():
            if want is True or want is False:
                if (name in query) is not want:
                    return False
            elif query.get(name) != want:
                return False
        return True

    def selects(self) -> bool:
        """Called once per matching request, in order: does this one get the fault?"""
        self.matched += 1
        if self.times is not None and self.injected >= self.times:
            return False
        if self.nth is not None:
            return self.matched == self.nth
        if self.from_nth is not None:
            return self.matched >= self.from_nth
        if self.probability is not None:
            return self.rng.random() < self.probability
        return True

    def remove(self) -> None:
        self.proxy.remove(self)

    def __enter__(self) -> Rule:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class FaultProxy:
    """Reverse proxy to ``upstream`` (the simulator's base URL) with runtime-editable fault rules."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1"):
        self.upstream = upstream.rstrip("/")
        self.host = host
        self.rules: list[Rule] = []
        self.forwarded = 0
        self.injected = 0
        self.seen: Counter[tuple[str, str]] = Counter()
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> FaultProxy:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{port}"
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=None), skip_auto_headers=("User-Agent", "Accept-Encoding")
        )
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- rules --------------------------------------------------------------------------

    def inject(
        self,
        method: str | Iterable[str] | None,
        path: str,
        action: Action,
        *,
        query: Mapping[str, str | bool] | None = None,
        nth: int | None = None,
        from_nth: int | None = None,
        probability: float | None = None,
        seed: int | str = 0,
        times: int | None = None,
    ) -> Rule:
        """Add a rule (see the module docstring); returns it, usable as a ``with`` block that removes it."""
        if sum(x is not None for x in (nth, from_nth, probability)) > 1:
            raise ValueError("choose one of nth, from_nth, probability")
        methods = None if method is None else frozenset(m.upper() for m in ([method] if isinstance(method, str) else method))
        rule = Rule(
            self,
            methods,
            re.compile(path),
            action,
            dict(query or {}),
            nth,
            from_nth,
            probability,
            times,
            random.Random(seed),
        )
        self.rules.append(rule)
        return rule

    def answer_writes(
        self, *, share: float, seed: int | str = 0, answers: tuple[Answer, ...] = MADE_UP_WRITE_ANSWERS, path: str = WRITE_PATHS, times: int | None = None
    ) -> Rule:
        """Answer ``share`` of the org's writes with one of ``answers`` (a made-up 200 by default),
        picked at random; those writes are never forwarded. Reproducible with ``seed``."""
        return self.inject(WRITE_METHODS, path, OneOf(tuple(answers), seed=f"{seed}-answer"), probability=share, seed=seed, times=times)

    def remove(self, rule: Rule) -> None:
        if rule in self.rules:
            self.rules.remove(rule)

    def clear(self) -> None:
        self.rules.clear()

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests arrived with ``method`` (any if None) on a path fully matching ``path``."""
        pattern = re.compile(path) if path else None
        return sum(n for (m, p), n in self.seen.items() if (method is None or m == method.upper()) and (pattern is None or pattern.fullmatch(p)))

    # -- serving ------------------------------------------------------------------------

    def _pick(self, request: web.Request) -> Action | None:
        chosen: Action | None = None
        for rule in list(self.rules):
            if rule.matches(request.method, request.path, request.query) and rule.selects() and chosen is None:
                rule.injected += 1
                chosen = rule.action
        return chosen

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.seen[(request.method, request.path)] += 1
        action = self._pick(request)
        if action is not None:
            self.injected += 1
        return await self._act(request, action)

    async def _act(self, request: web.Request, action: Action | None) -> web.StreamResponse:
        if isinstance(action, OneOf):
            return await self._act(request, action.pick())
        if isinstance(action, Delay):
            await asyncio.sleep(action.seconds)
            return await self._act(request, action.then)
        if isinstance(action, Forward):
            await self._forward(request)
            return await self._act(request, action.then)
        if isinstance(action, Reset):
            return _reset(request)
        if isinstance(action, Answer):
            return _respond(action)
        answer = await self._forward(request)
        if isinstance(action, Rewrite):
            answer = action.fn(Seen(request.method, request.path, request.query), answer)
        return _respond(answer)

    async def _forward(self, request: web.Request) -> Answer:
        assert self._session is not None, "FaultProxy not started"
        self.forwarded += 1
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        async with self._session.request(
            request.method, self.upstream + request.rel_url.raw_path_qs, data=body or None, headers=headers, allow_redirects=False
        ) as resp:
            payload = await resp.read()
            kept = CIMultiDict((k, v) for k, v in resp.headers.items() if k.lower() not in _HOP)
            return Answer(resp.status, payload, kept)


def _respond(answer: Answer) -> web.Response:
    return web.Response(status=answer.status, body=answer.body, headers=CIMultiDict(answer.headers))


def _reset(request: web.Request) -> web.Response:
    """Close with SO_LINGER 0, so the client sees a reset rather than a clean end of stream."""
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    return web.Response(status=500)  # never reaches the client: the connection is gone
