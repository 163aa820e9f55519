"""Queue membership: read once, batched writes of up to 100 members a request.

The users listing does not show membership, so the engine reads the members of every
queue the job names (``QueueMembership.load``) and keeps that view current as it writes.
Joins and leaves from many users are gathered per (queue, add/remove) and sent 100 at a
time; each user is finished (audited, checkpointed) only once every batch holding one of
its membership changes has been answered, so a crash can never lose a membership change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
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

    def __init__(self, members: dict[str, set[str]] | None = None, derived: dict[str, set[str]] | None = None, via: dict[str, str] | None = None):
        self.members: dict[str, set[str]] = members or {}
        self.derived: dict[str, set[str]] = derived or {}
        self.via: dict[str, str] = via or {}  # queue id -> "'Support EN' through group 'Tier 2'"

    @classmethod
    async def load(cls, client: GenesysClient, queue_ids: Iterable[str]) -> QueueMembership:
        with request_kind(STATE_READS):
            return await cls._load(client, queue_ids)

    @classmethod
    async def _load(cls, client: GenesysClient, queue_ids: Iterable[str]) -> QueueMembership:
        members: dict[str, set[str]] = {}
        derived: dict[str, set[str]] = {}
        via: dict[str, str] = {}
        for qid in sorted(set(queue_ids)):
            members[qid] = {m["id"] async for page in client.iter_queue_members(qid, member_by="user") for m in page.entities}
            derived[qid] = {m["id"] async for page in client.iter_queue_members(qid, member_by="group") for m in page.entities}
            if derived[qid]:
                via[qid] = _through((await client.get_queue(qid)).data, qid)
        return cls(members, derived, via)

    def of(self, user_id: str) -> frozenset[str]:
        """The queues the user is a direct member of."""
        return frozenset(q for q, ids in self.members.items() if user_id in ids)

    def blocked_leaves(self, user_id: str, leaves: Iterable[str]) -> list[str]:
        """Why each asked leave cannot be done by a direct removal (the user is a member through a group)."""
        return [f"member of {self.via.get(q, repr(q))}; remove the user from that group" for q in sorted(leaves) if user_id in self.derived.get(q, ())]

    def record(self, queue_id: str, user_ids: Iterable[str], *, remove: bool) -> None:
        ids = self.members.setdefault(queue_id, set())
        if remove:
            ids.difference_update(user_ids)
        else:
            ids.update(user_ids)


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
