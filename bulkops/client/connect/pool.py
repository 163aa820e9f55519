"""A pool of OAuth clients of one org (opt-in): more requests a minute, one writer per user.

Genesys allows each OAuth client its own request allowance. A pool holds N ``GenesysClient``\\ s,
each with its own token and its own governor that learns its own allowance. The engine talks
to it through *lanes* (``lane``): lane ``i`` is worker ``i``'s, and goes through the client
``i mod N`` while that client is healthy, so a user (always handled by the worker that owns its
shard) is always written through one client. Lane ``None`` (set-up reads, queue batches, items of
other kinds) goes through the first healthy client.

A client whose credentials are refused (the token endpoint refuses it, or a fresh token of it
answers 401: revoked, deleted, its secret rotated; never a 403 on one object) is reported once
and its lanes move to the healthy clients. The request it was refused on is sent again through
the lane's new client: the platform refuses such a request before acting on it, so it was not
applied, and the user's handling carries on where it was (what it read and wrote so far, and so
its audit line, stay whole). Only when every client is refused does the refusal reach the engine,
which ends the pass as for one client. A pool of one is the client itself: nothing changes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import structlog

from bulkops.client.api import ApiResponse, ClientStats, GenesysClient, Shape
from bulkops.client.connect.config import ClientConfig
from bulkops.client.endpoints.organization import Organization
from bulkops.client.ratelimit import MARGIN, Allowance
from bulkops.errors import AuthError, ConfigError, CredentialsError

log = structlog.get_logger("bulkops.client.connect.pool")


def credentials_refused(exc: BaseException) -> bool:
    """The client itself is refused: its credentials (the token endpoint's refusal) or its token
    after a refresh (a 401). A 403 is about one object or one permission, not the client."""
    return isinstance(exc, CredentialsError) or (isinstance(exc, AuthError) and exc.status == 401)


@dataclass(frozen=True, slots=True)
class ClientFailure:
    """A client of the pool refused for good: which, why, and when (seconds into the pool's life)."""

    client_id: str
    reason: str
    after_s: float


class ClientPool:
    """N clients of one org; ``lane`` hands out the client a worker writes through."""

    def __init__(self, clients: Sequence[GenesysClient]):
        if not clients:
            raise ValueError("a pool needs at least one client")
        self.clients = tuple(clients)
        self.failures: dict[int, ClientFailure] = {}  # by position in ``clients``
        self._last_error: AuthError | None = None
        self._lanes: dict[int | None, GenesysClient] = {}
        self._started = time.monotonic()
        #: Tells this pool's merged figures from another's (``requesttotal`` adds each once).
        self.session = clients[0].stats.session if len(clients) == 1 else uuid.uuid4().hex

    @classmethod
    @asynccontextmanager
    async def around(cls, primary: GenesysClient, members: Sequence[ClientConfig], **client_options: Any) -> AsyncIterator[ClientPool]:
        """``primary`` (the caller's, left open) and a client for each of ``members``, closed on the way out."""
        others = [GenesysClient(config, **client_options) for config in members]
        try:
            pool = cls([primary, *others])
            await pool.check_one_org()  # before any write: a client of another org would write there
            yield pool
        finally:
            for client in others:
                await client.close()

    async def check_one_org(self) -> Organization | None:
        """Every client's org (``GET /api/v2/organizations/me``), which must be one: a ConfigError
        (exit 5) naming both orgs otherwise. A pool of one reads nothing (None). A client whose
        credentials are refused here is failed as it would be mid-run (its lanes move)."""
        if not self.pooled:
            return None
        first: tuple[GenesysClient, Organization] | None = None
        for client in self.clients:
            org = await self._org_of(client)
            if org is None:
                continue
            if first is None:
                first = (client, org)
            elif org.id != first[1].id:
                raise ConfigError(_other_org(first, (client, org)))
        assert first is not None  # _org_of raises once every client is refused
        log.info("pool.one_org", org_id=first[1].id, org=first[1].name, clients=len(self.clients))
        return first[1]

    async def _org_of(self, client: GenesysClient) -> Organization | None:
        try:
            return await client.get_organization()
        except AuthError as exc:
            if not credentials_refused(exc):
                raise
            self.fail(client, exc)  # raises when it was the last one
            return None

    @property
    def primary(self) -> GenesysClient:
        return self.clients[0]

    @property
    def pooled(self) -> bool:
        return len(self.clients) > 1

    def healthy(self) -> list[GenesysClient]:
        return [c for i, c in enumerate(self.clients) if i not in self.failures]

    def failed(self, client: GenesysClient) -> ClientFailure | None:
        return self.failures.get(self._index(client))

    # -- lanes --------------------------------------------------------------------------------

    def lane(self, lane: int | None) -> GenesysClient:
        """What worker ``lane`` (None: everything that is not a worker's) sends through: the client
        itself for a pool of one, else a ``PoolLane``."""
        if not self.pooled:
            return self.primary
        if lane not in self._lanes:
            self._lanes[lane] = PoolLane(self, lane)
        return self._lanes[lane]

    def client_for(self, lane: int | None) -> GenesysClient:
        """Lane ``i``'s client: its own (``i mod N``) while healthy, else one of the healthy ones,
        spread by lane; lane None: the first healthy one. Every client refused: the last refusal."""
        healthy = self.healthy()
        if not healthy:
            assert self._last_error is not None
            raise self._last_error
        if lane is None:
            return healthy[0]
        own = lane % len(self.clients)
        return self.clients[own] if own not in self.failures else healthy[lane % len(healthy)]

    def fail(self, client: GenesysClient, error: AuthError) -> None:
        """``client``'s credentials were refused: reported once, its lanes move to the others.
        Raises ``error`` when no client is left."""
        self._last_error = error
        index = self._index(client)
        if index not in self.failures:
            failure = ClientFailure(
                client.config.client_id or f"client {index + 1}", f"{type(error).__name__}: {error}", round(time.monotonic() - self._started, 1)
            )
            self.failures[index] = failure
            if self.pooled:
                left = len(self.healthy())
                log.error(
                    "pool.client_refused", client_id=failure.client_id, error=failure.reason, clients_left=left, detail="its workers move to the other clients"
                )
        if not self.healthy():
            raise error

    def _index(self, client: GenesysClient) -> int:
        for i, c in enumerate(self.clients):
            if c is client:
                return i
        raise ValueError(f"{client!r} is not in this pool")

    # -- figures ------------------------------------------------------------------------------

    @property
    def requests(self) -> int:
        """Every request of every client so far, token requests included."""
        return sum(c.stats.requests for c in self.clients)

    def stats(self) -> ClientStats:
        """Every client's figures added up (a snapshot); a pool of one: its client's own."""
        if not self.pooled:
            return self.primary.stats
        merged = ClientStats(started=min(c.stats.started for c in self.clients), session=self.session)
        for c in self.clients:
            s = c.stats
            merged.requests += s.requests
            merged.by_kind.update(s.by_kind)
            merged.by_status.update(s.by_status)
            merged.retries += s.retries
            merged.transport_errors += s.transport_errors
            merged.malformed += s.malformed
        return merged

    @property
    def rps(self) -> float:
        """The configured ceiling of the pool's clients together (each client's is ``--rps``)."""
        return sum(c.config.rps for c in self.clients)

    @property
    def rate(self) -> PoolRate:
        return PoolRate(self)


def _other_org(first: tuple[GenesysClient, Organization], other: tuple[GenesysClient, Organization]) -> str:
    (a, org_a), (b, org_b) = first, other
    return (
        f"pool: OAuth client {_name(b)!r} belongs to org {org_b.describe()}, but {_name(a)!r} belongs to org "
        f"{org_a.describe()}: every client of a pool must be of one org (nothing was written)"
    )


def _name(client: GenesysClient) -> str:
    return client.config.client_id or "the access token's client"


class PoolRate:
    """The pool's pace as the summary reads a governor's: the healthy clients' allowances added up."""

    def __init__(self, pool: ClientPool):
        self._pool = pool

    @property
    def allowance(self) -> Allowance | None:
        """The learned allowances of the healthy clients, added up (None until one is learned)."""
        learned = [a for a in (c.governor.allowance for c in self._pool.healthy()) if a is not None]
        if not learned:
            return None
        window = learned[0].window
        return Allowance(round(sum(a.rate for a in learned) * window), window)

    @property
    def server_bound(self) -> bool:
        a = self.allowance
        return a is not None and a.rate * (1 - MARGIN) < sum(c.config.rps for c in self._pool.healthy())

    def describe(self) -> str:
        """``server allows 300/min per client, 3 clients: 15.0 req/s``."""
        healthy = self._pool.healthy()
        each = [c.governor.allowance for c in healthy]
        total = self.allowance
        if total is None:
            return f"configured {sum(c.config.rps for c in healthy):g} req/s ({len(healthy)} clients)"
        if len(set(each)) == 1 and each[0] is not None:
            one = each[0].describe().split(":")[0]
            return f"{one} per client, {len(healthy)} clients: {total.rate:.1f} req/s"
        return f"{total.describe()} ({len(healthy)} clients together)"


class PoolLane(GenesysClient):
    """A ``GenesysClient`` whose every request (every endpoint method ends in ``request``) goes
    through the pool's client for its lane, and again through the next one when that client's
    credentials are refused.

    It has no connection, token, governor or figures of its own, so ``GenesysClient.__init__`` is
    not called: ``stats``, ``governor``, ``auth`` and ``transport`` are the pool's clients'
    (``ClientPool.stats()``, each client's ``governor``), and reading them here is an error."""

    def __init__(self, pool: ClientPool, lane: int | None):
        self.pool = pool
        self.lane = lane
        self.config = pool.primary.config  # the settings every client of the pool shares

    def __repr__(self) -> str:
        return f"PoolLane(lane={self.lane!r}, clients={len(self.pool.clients)})"

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
        while True:
            client = self.pool.client_for(self.lane)
            try:
                return await client.request(method, path, params=params, json=json, shape=shape, no_content=no_content, once=once)
            except AuthError as exc:
                if not credentials_refused(exc):
                    raise
                self.pool.fail(client, exc)  # raises when it was the last one

    async def close(self) -> None:
        """Nothing: the pool's clients are closed by whoever opened them."""
