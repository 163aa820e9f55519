"""Apply one user's ``Changes`` with as few requests as the API allows, in a fixed order.

Order (documented in docs/engine.md): user fields (PATCH with the version just read),
division move, skills (PUT in replace mode; otherwise PATCH-bulk upserts then per-skill
DELETEs), languages (PATCH-bulk upserts then DELETEs). Queue membership is batched across
users by ``QueueBatcher`` and runs after the user's own writes. Every operation's result
is appended to ``ops`` as it completes, so a later failure never hides an earlier success.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from bulkops.client.api import ApiResponse, GenesysClient
from bulkops.domain.model import Changes, UserState
from bulkops.errors import ApiError, NotFoundError
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


async def apply_changes(client: GenesysClient, state: UserState, changes: Changes, log: OpLog) -> None:
    """Send the writes; raise the first ApiError (a ConflictError makes the caller re-fetch and re-diff)."""
    uid = state.id

    async def step(op: str, call: Awaitable[ApiResponse | list[ApiResponse]], **detail: Any) -> None:
        try:
            result = await call
        except NotFoundError as exc:
            if op.startswith("delete_"):  # already gone: the goal is reached
                log.ok(op, [], already=True, **detail)
                return
            log.failed(op, exc, **detail)
            raise
        except ApiError as exc:
            log.failed(op, exc, **detail)
            raise
        log.ok(op, result if isinstance(result, list) else [result], **detail)

    if changes.fields:
        await step("patch_user", client.patch_user(uid, {**changes.fields, "version": state.version}), fields=sorted(changes.fields))
    if changes.division:
        await step("move_division", client.move_to_division(changes.division, [uid]), division=changes.division)
    if changes.replace_skills is not None:
        await step("replace_skills", client.replace_skills(uid, changes.replace_skills), count=len(changes.replace_skills))
    if changes.upsert_skills:
        await step("upsert_skills", client.upsert_skills(uid, changes.upsert_skills), count=len(changes.upsert_skills))
    for skill in sorted(changes.delete_skills):
        await step("delete_skill", client.delete_skill(uid, skill), skill=skill)
    if changes.upsert_languages:
        await step("upsert_languages", client.upsert_languages(uid, changes.upsert_languages), count=len(changes.upsert_languages))
    for language in sorted(changes.delete_languages):
        await step("delete_language", client.delete_language(uid, language), language=language)
