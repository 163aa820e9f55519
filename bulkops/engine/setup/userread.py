"""Set-up's one read of the users a spec names: resolution and the state the writes diff against.

``read_users`` asks the org its size, lets ``choose_user_read`` pick listing or fetching,
and then reads once: every user seen goes into the directory resolution uses, and every
user the spec changes has its state kept in the run store with the time it was read. The
engine writes from that state while it is fresh, so no run lists the org twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import structlog

from bulkops.client.api import GenesysClient
from bulkops.client.requestkind import RESOLUTION, request_kind
from bulkops.client.wire import ShapeError, entity_list, is_int, user_state
from bulkops.domain.model import UserState
from bulkops.domain.readplan import ID_BATCH, LISTING_PAGE, SEARCH_BATCH, UserReadPlan, choose_user_read
from bulkops.errors import CursorExpiredError
from bulkops.spec.cells import fold
from bulkops.spec.named import NamedUsers, looks_like_id
from bulkops.spec.resolve import OrgDirectory
from bulkops.state.store import RunStore

log = structlog.get_logger("bulkops.setup")

USER_EXPAND = ["skills", "languages"]
#: Restarts of set-up's users listing after a 400 on its cursor (nothing is written yet,
#: so starting over loses nothing; a 400 that persists is not an expiring cursor).
LISTING_RESTARTS = 3
#: States that are not active: a spec naming such a user gets a reason, not "not in the org".
GONE_STATES = ("inactive", "deleted")


#: user id -> (skills held, languages held) of each named user: the per-user cap check reads a
#: user's stored state only when these counts say the job could take them past it.
HeldCounts = dict[str, tuple[int, int]]
#: Told of each batch of users once they are in the directory (resolution joins them with the spec),
#: with the states just stored of those the spec names (the impact's inputs are gathered from them).
OnUsers = Callable[[list[dict[str, Any]], list[UserState]], None]


async def read_users(
    client: GenesysClient,
    store: RunStore,
    named: NamedUsers,
    directory: OrgDirectory,
    *,
    held: HeldCounts | None = None,
    on_users: OnUsers | None = None,
    must_list: str | None = None,
    clock: Callable[[], float] = time.time,
) -> UserReadPlan:
    """Fill ``directory.users`` and the store's states (and ``held``), telling ``on_users`` of
    each batch of users read once they are in the directory; returns what was chosen and why."""
    reader = _Reader(store, named, directory, {} if held is None else held, on_users, clock)
    with request_kind(RESOLUTION):
        org_users = await count_org_users(client)
        plan = choose_user_read(
            org_users=org_users,
            by_id=len(named.by_id()),
            by_search=len(named.by_search()),
            subjects_by_search=named.subjects_by_search(),
            named_users=len(named.subjects),
            must_list=must_list,
        )
        log.info("users.read", strategy=plan.strategy, why=plan.why)
        if plan.strategy == "listing":
            await _list_org(client, reader)
        else:
            await _fetch_named(client, named, directory, reader)
    return plan


async def count_org_users(client: GenesysClient) -> int:
    """The org's active users, from one page of one (``total`` of ``GET /api/v2/users``)."""

    def total(data: Any) -> int:
        entity_list(data)
        value = data.get("total")
        if not is_int(value):
            raise ShapeError("the users listing has no integer 'total'")
        return int(value)

    resp = await client.request("GET", "/api/v2/users", params={"pageSize": 1, "pageNumber": 1}, shape=total)
    return int(resp.data)


async def _list_org(client: GenesysClient, reader: _Reader) -> None:
    restarts = 0
    while True:
        try:
            async for page in client.iter_users(page_size=LISTING_PAGE, expand=USER_EXPAND):
                reader.take(page.entities)
            return
        except CursorExpiredError as exc:
            restarts += 1
            if restarts > LISTING_RESTARTS:
                raise
            log.warning("listing.cursor_expired", detail=str(exc), action="listing the org again from the start (nothing written yet)")


async def _fetch_named(client: GenesysClient, named: NamedUsers, directory: OrgDirectory, reader: _Reader) -> None:
    """Ids fetched 100 at a time; other refs found by search, then the users the spec changes
    fetched by id for their state (search results come from an index: used to resolve only)."""
    found = await search_users(client, named.by_search())
    for user in found:
        directory.users.add(user["id"], user.get("email"), user.get("username"))
    subjects = {u["id"] for u in found if named.names_subject(u.get("email"), u.get("username"))}
    ids = sorted(set(named.by_id()) | subjects)
    for entities in await fetch_by_id(client, ids):
        reader.take(entities, also=subjects)


class _Reader:
    """What set-up does with each batch of users read: the directory, the named users' states
    (with when they were read) and held counts, then ``on_users``."""

    def __init__(self, store: RunStore, named: NamedUsers, directory: OrgDirectory, held: HeldCounts, on_users: OnUsers | None, clock: Callable[[], float]):
        self.store, self.named, self.directory, self.held = store, named, directory, held
        self.on_users, self.clock = on_users, clock

    def take(self, entities: list[dict[str, Any]], also: Iterable[str] = ()) -> None:
        extra = set(also)
        states: list[UserState] = []
        for entity in entities:
            self.directory.users.add(entity["id"], entity.get("email"), entity.get("username"))
            if entity["id"] in extra or self.named.names_subject(entity["id"], entity.get("email"), entity.get("username")):
                state = user_state(entity)
                states.append(state)
                if not state.unknown:
                    self.held[state.id] = (len(state.skills), len(state.languages))
        if states:
            self.store.put_states(states, self.clock())
        if self.on_users is not None:
            self.on_users(entities, states)


async def fetch_by_id(client: GenesysClient, ids: list[str], *, state: str | None = None, expand: list[str] = USER_EXPAND) -> list[list[dict[str, Any]]]:
    """``GET /api/v2/users?id=...`` 100 ids a request; the pages of users found."""
    pages: list[list[dict[str, Any]]] = []
    for i in range(0, len(ids), ID_BATCH):
        params: dict[str, Any] = {"id": ids[i : i + ID_BATCH], "expand": expand or None, "state": state}
        async for page in client.iter_pages("/api/v2/users", params=params, page_size=ID_BATCH):
            pages.append(page.entities)
    return pages


async def search_users(client: GenesysClient, refs: list[str], *, states: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """``POST /api/v2/users/search``: users whose email or username is one of ``refs`` (EXACT,
    100 values a request); with ``states``, users in those states instead of active ones."""
    out: list[dict[str, Any]] = []
    for i in range(0, len(refs), SEARCH_BATCH):
        query: list[dict[str, Any]] = [{"type": "EXACT", "fields": ["email", "username"], "values": refs[i : i + SEARCH_BATCH]}]
        if states:
            query.append({"type": "EXACT", "fields": ["state"], "values": list(states)})
        number = 1
        while True:
            body = {"pageSize": SEARCH_BATCH, "pageNumber": number, "query": query}
            resp = await client.request("POST", "/api/v2/users/search", json=body, shape=_search_page)
            results, page_count = resp.data
            out.extend(results)
            if number >= page_count or not results:
                break
            number += 1
    return out


def _search_page(data: Any) -> tuple[list[dict[str, Any]], int]:
    """A ``UsersSearchResponse``: ``results`` (absent when nothing matched) and ``pageCount``."""
    if not isinstance(data, dict):
        raise ShapeError("a search answer that is not a JSON object")
    results = data.get("results") or []
    if not isinstance(results, list) or not all(isinstance(r, dict) and isinstance(r.get("id"), str) for r in results):
        raise ShapeError("search 'results' is not a list of users with ids")
    count = data.get("pageCount", 1)
    if not is_int(count):
        raise ShapeError("search 'pageCount' is not an integer")
    return results, int(count)


async def find_gone(client: GenesysClient, refs: Iterable[str]) -> Mapping[str, str]:
    """Refs that resolved to nobody active, looked up among inactive and deleted users: ref -> state.
    Only run when resolution failed, so it costs nothing on a clean job."""
    refs = sorted(set(refs))
    if not refs:
        return {}
    with request_kind(RESOLUTION):
        found = [u for page in await fetch_by_id(client, [r for r in refs if looks_like_id(r)], state="any", expand=[]) for u in page]
        found += await search_users(client, [r for r in refs if not looks_like_id(r)], states=GONE_STATES)
    directory = OrgDirectory()
    for user in found:
        if user.get("state") in GONE_STATES:
            directory.users.add(user["id"], user.get("email"), user.get("username"))
    out: dict[str, str] = {}
    states = {u["id"]: u["state"] for u in found if u.get("state") in GONE_STATES}
    for ref in refs:
        uid = directory.users.lookup(ref)
        if uid is not None:
            out[ref] = states[uid]
    return out


async def find_users(client: GenesysClient, refs: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Folded ref -> (user id, email) for each active user a section names beside the users
    (utilization, queue members): ids fetched 100 a request, emails and usernames searched."""
    refs = set(refs)
    ids = sorted(r for r in refs if looks_like_id(r))
    others = sorted(r for r in refs if not looks_like_id(r))
    found: dict[str, tuple[str, str]] = {}
    for page in await fetch_by_id(client, ids, expand=[]) if ids else []:
        for e in page:
            found[fold(e["id"])] = (e["id"], e.get("email") or e["id"])
    for e in await search_users(client, others) if others else []:
        for ref in (e.get("email"), e.get("username")):
            if isinstance(ref, str):
                found[fold(ref)] = (e["id"], e.get("email") or ref)
    return found
