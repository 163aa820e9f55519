"""Queue membership: read only where reading is cheaper than writing blind; batched writes of 100.

The users listing does not show membership. Adding a member who is one already, or removing one
who is not, changes nothing (the API's member write is idempotent), so knowing the members only
saves writes. ``QueueMembership.load`` reads a queue's direct members only when that costs no more
than sending every join and leave the job asks of it (a queue of 5,000 members is 50 pages; 100 asks
are one batch); otherwise the queue is *blind*: each asked join and leave is sent, and reported
applied. Members through a group are read wherever a leave is asked (a direct removal cannot end
them). The view is kept current as the run writes.
Joins and leaves from many users are gathered per (queue, add/remove) and sent 100 at a
time; each user is finished (audited, checkpointed) only once every batch holding one of
its membership changes has been answered, so a crash can never lose a membership change.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.requestkind import QUEUE_BATCHES, STATE_READS, request_kind
from bulkops.domain.cost import MEMBERS_PER_REQUEST
from bulkops.errors import ApiError, BulkopsError, is_transient
from bulkops.state.records import ErrorInfo, OpResult


class QueueMembership:
    """Members (user ids) of the queues a job names.

    ``members`` are the direct ones: what a member write adds or removes, and what bulkops
    manages (as the Terraform provider does, with ``memberBy=user``). ``derived`` are members
    through a group, team or skill group: a direct removal leaves them in the queue, so a leave
    asked for one of them cannot be done by bulkops and is reported, naming the group.
    """

    def __init__(
        self,
        members: dict[str, set[str]] | None = None,
        derived: dict[str, set[str]] | None = None,
        via: dict[str, str] | None = None,
        blind: set[str] | None = None,
        counts: dict[str, int] | None = None,
    ):
        self.members: dict[str, set[str]] = members or {}
        self.derived: dict[str, set[str]] = derived or {}
        self.via: dict[str, str] = via or {}  # queue id -> "'Support EN' through group 'Tier 2'"
        #: Queues whose direct members were not read (cheaper to write every ask than to read them).
        self.blind: set[str] = blind or set()
        #: Direct members per queue as the queue object counts them (``userMemberCount``).
        self.counts: dict[str, int] = counts or {qid: len(ids) for qid, ids in self.members.items()}

    @classmethod
    async def load(
        cls, client: GenesysClient, queue_ids: Iterable[str], asks: Mapping[str, tuple[int, int]] | None = None, *, read: Iterable[str] = ()
    ) -> QueueMembership:
        """``asks``: per queue, the (joins, leaves) the job asks; without it every queue's members are read.
        ``read``: queues whose members are read whatever it costs (an earlier pass of the job read them)."""
        with request_kind(STATE_READS):
            return await cls._load(client, queue_ids, asks, frozenset(read))

    @classmethod
    async def _load(
        cls, client: GenesysClient, queue_ids: Iterable[str], asks: Mapping[str, tuple[int, int]] | None, read: frozenset[str] = frozenset()
    ) -> QueueMembership:
        members: dict[str, set[str]] = {}
        derived: dict[str, set[str]] = {}
        via: dict[str, str] = {}
        blind: set[str] = set()
        counts: dict[str, int] = {}
        for qid in sorted(set(queue_ids)):
            joins, leaves = asks.get(qid, (0, 0)) if asks is not None else (1, 1)
            if asks is not None and not (joins or leaves):
                continue  # nothing left to do on this queue
            queue: Any = None
            if asks is not None:
                queue = (await client.get_queue(qid)).data
                counts[qid] = _member_count(queue)
            if asks is None or qid in read or read_members_first(counts[qid], joins + leaves):
                members[qid] = {m["id"] async for page in client.iter_queue_members(qid, member_by="user") for m in page.entities}
                counts[qid] = len(members[qid])
            else:
                blind.add(qid)
            if leaves:
                derived[qid] = {m["id"] async for page in client.iter_queue_members(qid, member_by="group") for m in page.entities}
                if derived[qid]:
                    via[qid] = _through(queue if queue is not None else (await client.get_queue(qid)).data, qid)
        return cls(members, derived, via, blind, counts)

    def of(self, user_id: str) -> frozenset[str]:
        """The queues the user is known to be a direct member of."""
        return frozenset(q for q, ids in self.members.items() if user_id in ids)

    def view(self, user_id: str, joins: Iterable[str], leaves: Iterable[str]) -> frozenset[str]:
        """The user's queues as the diff should see them: the known ones, and for a blind queue
        whatever makes the asked change needed (not a member of a queue to join, a member of a
        queue to leave): the write is sent, and it is idempotent."""
        known = self.of(user_id) - (self.blind & set(joins))
        return known | (self.blind & set(leaves))

    def blocked_leaves(self, user_id: str, leaves: Iterable[str]) -> list[str]:
        """Why each asked leave cannot be done by a direct removal (the user is a member through a group)."""
        return [f"member of {self.via.get(q, repr(q))}; remove the user from that group" for q in sorted(leaves) if user_id in self.derived.get(q, ())]

    def record(self, queue_id: str, user_ids: Iterable[str], *, remove: bool) -> None:
        ids = self.members.setdefault(queue_id, set())
        if remove:
            ids.difference_update(user_ids)
        else:
            ids.update(user_ids)


def read_members_first(members: int, asks: int) -> bool:
    """Read a queue's members when the pages cost no more than the batches of blind writes."""
    return math.ceil(members / MEMBERS_PER_REQUEST) <= math.ceil(asks / MEMBERS_PER_REQUEST)


def _member_count(queue: Any) -> int:
    """Direct members as the queue object counts them (``userMemberCount``, else ``memberCount``)."""
    if isinstance(queue, dict):
        for key in ("userMemberCount", "memberCount"):
            if isinstance(queue.get(key), int):
                return int(queue[key])
    return 0


def _through(queue: Any, queue_id: str) -> str:
    """ "'Support EN' through group 'Tier 2'" from a queue's ``memberGroups``."""
    name = queue.get("name") if isinstance(queue, dict) else None
    groups = queue.get("memberGroups") if isinstance(queue, dict) else None
    kinds = [
        f"{str(g.get('type') or 'group').lower().replace('skillgroup', 'skill group')} '{g.get('name') or g.get('id')}'"
        for g in groups or ()
        if isinstance(g, dict)
    ]
    return f"'{name or queue_id}' through {' or '.join(kinds) or 'a group, team or skill group'}"


@dataclass(slots=True)
class Ticket:
    """One user's outstanding membership changes; ``finish`` runs when the last is answered."""

    user_id: str
    outstanding: int
    finish: Callable[[Ticket], Awaitable[None]]
    ops: list[OpResult] = field(default_factory=list)
    requests: float = 0.0


class QueueBatcher:
    def __init__(self, client: GenesysClient, membership: QueueMembership, *, linger: float = 10.0):
        self._client = client
        self._membership = membership
        self._linger = linger
        self._pending: dict[tuple[str, bool], list[Ticket]] = {}
        self._wake = asyncio.Event()
        self._closing = False
        self._lock = asyncio.Lock()
        self.requests = 0

    def submit(self, user_id: str, join: Iterable[str], leave: Iterable[str], finish: Callable[[Ticket], Awaitable[None]]) -> Ticket:
        keys = [(q, False) for q in sorted(join)] + [(q, True) for q in sorted(leave)]
        ticket = Ticket(user_id, len(keys), finish)
        for key in keys:
            batch = self._pending.setdefault(key, [])
            batch.append(ticket)
            if len(batch) >= MEMBERS_PER_REQUEST:
                self._wake.set()
        return ticket

    async def run(self) -> None:
        """Send full batches as soon as they fill, partial ones every ``linger`` seconds."""
        while not self._closing:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._linger)
                full_only = True
            except TimeoutError:
                full_only = False
            self._wake.clear()
            await self.flush(full_only=full_only)

    async def close(self) -> None:
        """Flush everything still gathered (end of run, or a graceful stop)."""
        self._closing = True
        self._wake.set()
        await self.flush(full_only=False)

    async def flush(self, *, full_only: bool = False) -> None:
        async with self._lock:
            for key in list(self._pending):
                batch = self._pending[key]
                while len(batch) >= MEMBERS_PER_REQUEST or (batch and not full_only):
                    chunk, batch[:] = batch[:MEMBERS_PER_REQUEST], batch[MEMBERS_PER_REQUEST:]
                    await self._send(key, chunk)
                if not batch:
                    del self._pending[key]

    async def _send(self, key: tuple[str, bool], tickets: list[Ticket]) -> None:
        queue_id, remove = key
        ids = [t.user_id for t in tickets]
        kind = "leave_queue" if remove else "join_queue"
        detail = {"queue": queue_id, "batch": len(ids)}
        error: ErrorInfo | None = None
        try:
            with request_kind(QUEUE_BATCHES):
                responses = await self._client.change_queue_members(queue_id, ids, remove=remove)
            spent = sum(r.attempts for r in responses)
            self._membership.record(queue_id, ids, remove=remove)
        except BulkopsError as exc:
            if is_transient(exc):
                # Says nothing about these users: the pass stops and they stay in flight,
                # so resume re-checks them. Only a refusal is recorded against a user.
                raise
            spent = exc.attempts if isinstance(exc, ApiError) else 1
            error = ErrorInfo.of(exc) if isinstance(exc, ApiError) else ErrorInfo(None, None, str(exc))
        self.requests += spent
        # One result shared by every ticket in the batch; each user carries its share of the requests.
        result = OpResult(kind, error is None, spent / len(tickets), detail, error)
        for ticket in tickets:
            ticket.ops.append(result)
            ticket.requests += spent / len(tickets)
            ticket.outstanding -= 1
            if ticket.outstanding == 0:
                await ticket.finish(ticket)
