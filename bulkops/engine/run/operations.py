"""Apply one user's ``Changes`` with as few requests as the API allows, in a fixed order.

Order (documented in docs/engine.md): user fields (PATCH with the version just read),
skills (PUT in replace mode; otherwise PATCH-bulk upserts then per-skill DELETEs), languages
(PATCH-bulk upserts then DELETEs). Queue membership and the division move are batched across
users by ``QueueBatcher`` and run after the user's own writes (#27 §5). Every operation's result
is appended to ``ops`` as it completes, so a later failure never hides an earlier success.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bulkops.client.api import ApiResponse, GenesysClient
from bulkops.domain.model import Changes, UserState
from bulkops.errors import ApiError, ConflictError, NotFoundError
from bulkops.state.records import ErrorInfo, OpResult


@dataclass(slots=True)
class OpLog:
    """Per-operation results for the audit line, and the request count they cost.

    ``requests`` is a float: a queue batch's requests are shared among the users it carries
    (``Ticket.requests``), so one user's count can be fractional."""

    ops: list[OpResult] = field(default_factory=list)
    requests: float = 0
    correlation_id: str | None = None

    def ok(self, op: str, responses: list[ApiResponse], **detail: Any) -> None:
        n = sum(r.attempts for r in responses)
        self.requests += n
        if responses:
            self.correlation_id = responses[-1].correlation_id
        self.ops.append(OpResult(op, True, n, detail))

    def failed(self, op: str, error: ApiError, **detail: Any) -> None:
        n = error.attempts
        self.requests += n
        self.correlation_id = error.correlation_id or self.correlation_id
        self.ops.append(OpResult(op, False, n, detail, ErrorInfo.of(error)))


#: Writes that carry the version just read: a 409 on one means that version is stale, and only
#: reading the user again gives the one to send. Every other write names no version.
VERSIONED_OPS = frozenset({"patch_user"})

#: Asked after a 409 on a write that carries no version, with the operation's name: True (after
#: any wait) to send the same write again, False to give up and raise the 409.
Resend = Callable[[str], Awaitable[bool]]


async def apply_changes(
    client: GenesysClient, state: UserState, changes: Changes, log: OpLog, *, resend: Resend | None = None, whole: Changes | None = None
) -> None:
    """Send the writes; raise the first ApiError.

    A 409 on the user PATCH is raised: the caller re-fetches and re-diffs for a fresh version.
    A 409 on a write that carries no version is sent again while ``resend`` agrees (the caller
    only offers that when the write can carry everything the intent names): with ``whole``, a
    bulk upsert is sent again carrying every skill (or language) the intent names, not just the
    ones the diff found different, since the other writer may have changed any of them. Each
    refused attempt is in ``log`` (a failed op), then the one that went through.
    """
    uid = state.id
    payload = {"upsert_skills": changes.upsert_skills, "upsert_languages": changes.upsert_languages}

    async def step(op: str, send: Callable[[], Awaitable[ApiResponse | list[ApiResponse]]], **detail: Any) -> None:
        while True:
            try:
                result = await send()
            except NotFoundError as exc:
                if op.startswith("delete_"):  # already gone: the goal is reached
                    log.ok(op, [], already=True, **detail)
                    return
                log.failed(op, exc, **detail)
                raise
            except ConflictError as exc:
                log.failed(op, exc, **detail)
                if op in VERSIONED_OPS or resend is None or not await resend(op):
                    raise
                if whole is not None and op in payload:
                    payload[op] = getattr(whole, op)
                continue
            except ApiError as exc:
                log.failed(op, exc, **detail)
                raise
            log.ok(op, result if isinstance(result, list) else [result], **detail)
            return

    if changes.fields:
        body = {**changes.fields, "version": state.version}
        await step("patch_user", lambda: client.patch_user(uid, body), fields=sorted(changes.fields))
    if changes.replace_skills is not None:
        replace = changes.replace_skills
        await step("replace_skills", lambda: client.replace_skills(uid, replace), count=len(replace))
    if changes.upsert_skills:
        await step("upsert_skills", lambda: client.upsert_skills(uid, payload["upsert_skills"]), count=len(changes.upsert_skills))
    for skill in sorted(changes.delete_skills):
        await step("delete_skill", functools.partial(client.delete_skill, uid, skill), skill=skill)
    if changes.upsert_languages:
        await step("upsert_languages", lambda: client.upsert_languages(uid, payload["upsert_languages"]), count=len(changes.upsert_languages))
    for language in sorted(changes.delete_languages):
        await step("delete_language", functools.partial(client.delete_language, uid, language), language=language)
