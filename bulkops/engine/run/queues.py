"""Queue membership: read only where reading is cheaper than writing blind; batched writes of 100.

The users listing does not show membership. Adding a member who is one already, or removing one
who is not, changes nothing (the API's member write is idempotent), so knowing the members only
saves writes. ``QueueMembership.load`` reads a queue's direct members only when that costs no more
than sending every join and leave the job asks of it (a queue of 5,000 members is 50 pages; 100 asks
are one batch); otherwise the queue is *blind*: each asked join and leave is sent, and reported
applied. Members through a group are read wherever a leave is asked (a direct removal cannot end
them). The view is kept current as the run writes.
Joins and leaves from many users are gathered per (queue, add/remove) and sent 100 at a
time, and so are division moves per division (#27 §5: the division objects endpoint takes a list of
ids); each user is finished (audited, checkpointed) only once every batch holding one of
its changes has been answered, so a crash can never lose one, and its audit line records a
division move only once the batch answered. A refused division batch is sent again in halves
down to the user it is about: one refused user does not fail the other 99.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.requestkind import QUEUE_BATCHES, STATE_READS, WRITES, request_kind
from bulkops.domain.cost import DIVISION_OBJECTS_PER_REQUEST, MEMBERS_PER_REQUEST
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.forbidden import ForbiddenBreaker
from bulkops.errors import ApiError, AuthError, BulkopsError, is_transient
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
    """One user's outstanding batched changes; ``finish`` runs when the last is answered."""

    user_id: str
    outstanding: int
    finish: Callable[[Ticket], Awaitable[None]]
    ops: list[OpResult] = field(default_factory=list)
    requests: float = 0.0


JOIN, LEAVE, MOVE = "join_queue", "leave_queue", "move_division"
#: What a batch does and to what: (``JOIN``/``LEAVE``, queue id) or (``MOVE``, division id).
BatchKey = tuple[str, str]
#: Users a request carries, per operation.
BATCH_SIZE = {JOIN: MEMBERS_PER_REQUEST, LEAVE: MEMBERS_PER_REQUEST, MOVE: DIVISION_OBJECTS_PER_REQUEST}


class QueueBatcher:
    """Queue joins and leaves, and division moves (#27 §5), gathered across users and sent in
    batches: a user finishes once every batch holding one of its changes has answered."""

    def __init__(self, client: GenesysClient, membership: QueueMembership, *, linger: float = 10.0, forbidden: ForbiddenBreaker | None = None):
        self._client = client
        self._membership = membership
        self._linger = linger
        #: Division moves refused (403) one user at a time: the pass stops once the role is judged
        #: to lack the permission itself, as a worker does for its own writes.
        self._forbidden = forbidden or ForbiddenBreaker(RunOptions().forbidden_threshold)
        self._pending: dict[BatchKey, list[Ticket]] = {}
        self._wake = asyncio.Event()
        self._closing = False
        self._lock = asyncio.Lock()
        self.requests = 0
        #: Of ``requests``, those that moved users to a division.
        self.division_requests = 0

    def submit(
        self, user_id: str, join: Iterable[str], leave: Iterable[str], finish: Callable[[Ticket], Awaitable[None]], *, division: str | None = None
    ) -> Ticket:
        keys = [(JOIN, q) for q in sorted(join)] + [(LEAVE, q) for q in sorted(leave)] + ([(MOVE, division)] if division else [])
        ticket = Ticket(user_id, len(keys), finish)
        for key in keys:
            batch = self._pending.setdefault(key, [])
            batch.append(ticket)
            if len(batch) >= BATCH_SIZE[key[0]]:
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
                size = BATCH_SIZE[key[0]]
                while len(batch) >= size or (batch and not full_only):
                    chunk, batch[:] = batch[:size], batch[size:]
                    await self._send(key, chunk)
                if not batch:
                    del self._pending[key]

    async def _send(self, key: BatchKey, tickets: list[Ticket]) -> None:
        op, target = key
        ids = [t.user_id for t in tickets]
        detail = {"division" if op == MOVE else "queue": target, "batch": len(ids)}
        error: ErrorInfo | None = None
        try:
            spent = await self._write(op, target, ids)
            if op == MOVE:
                self._forbidden.allowed(op)
        except BulkopsError as exc:
            if is_transient(exc):
                # Says nothing about these users: the pass stops and they stay in flight,
                # so resume re-checks them. Only a refusal is recorded against a user.
                raise
            spent = exc.attempts if isinstance(exc, ApiError) else 1
            if op == MOVE and len(tickets) > 1:
                # One refused user refuses the whole list (a division out of reach, another
                # writer's 409): send each half again, so the refusal lands on the users it is
                # about and the others move (#27 §5).
                self._count(op, spent)
                half = len(tickets) // 2
                await self._send(key, tickets[:half])
                await self._send(key, tickets[half:])
                return
            if op == MOVE and isinstance(exc, AuthError) and exc.status == 403:
                self._forbidden.refused(op, exc)  # raises once the permission itself is judged missing
            error = ErrorInfo.of(exc) if isinstance(exc, ApiError) else ErrorInfo(None, None, str(exc))
        self._count(op, spent)
        # One result shared by every ticket in the batch; each user carries its share of the requests.
        result = OpResult(op, error is None, spent / len(tickets), detail, error)
        for ticket in tickets:
            ticket.ops.append(result)
            ticket.requests += spent / len(tickets)
            ticket.outstanding -= 1
            if ticket.outstanding == 0:
                await ticket.finish(ticket)

    async def _write(self, op: str, target: str, ids: list[str]) -> int:
        """Send one batch; the requests it took."""
        if op == MOVE:
            with request_kind(WRITES):  # a user write, as when it went one user a request
                return (await self._client.move_to_division(target, ids)).attempts
        with request_kind(QUEUE_BATCHES):
            responses = await self._client.change_queue_members(target, ids, remove=op == LEAVE)
        self._membership.record(target, ids, remove=op == LEAVE)
        return sum(r.attempts for r in responses)

    def _count(self, op: str, spent: int) -> None:
        self.requests += spent
        if op == MOVE:
            self.division_requests += spent
