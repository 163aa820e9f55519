"""Telling a missing permission from a division the role cannot reach.

Division-scoped roles answer 403 for some users and not for others: that user fails and
the pass goes on. But when the first N writes of one kind are all refused and none of that
kind was ever allowed, the role lacks the permission itself, and every further user would
fail the same way: the pass stops (resumable) and names the permission.
"""

from __future__ import annotations

from collections import Counter

from bulkops.errors import AuthError

#: What each write needs (README, "The permissions each feature needs").
PERMISSION_FOR = {
    "patch_user": "directory:user:edit",
    "move_division": "the division's user-move rights (authorization:divisionObject or admin)",
    "replace_skills": "routing:skill:assign",
    "upsert_skills": "routing:skill:assign",
    "delete_skill": "routing:skill:assign",
    "upsert_languages": "routing:language:assign (or routing:skill:assign)",
    "delete_language": "routing:language:assign (or routing:skill:assign)",
    "join_queue": "routing:queueMember:manage (or routing:queue:edit)",
    "leave_queue": "routing:queueMember:manage (or routing:queue:edit)",
}


class ForbiddenBreaker:
    def __init__(self, threshold: int):
        self.threshold = max(1, threshold)
        self._refused: Counter[str] = Counter()
        self._allowed: set[str] = set()

    def allowed(self, kind: str) -> None:
        self._allowed.add(kind)

    def refused(self, kind: str, error: AuthError) -> None:
        """Count one 403; raise an AuthError naming the permission once the kind is judged missing."""
        self._refused[kind] += 1
        if kind in self._allowed or self._refused[kind] < self.threshold:
            return
        need = PERMISSION_FOR.get(kind, "the permission for this write")
        raise AuthError(
            403,
            f"the first {self._refused[kind]} '{kind}' writes were all refused (403) and none was allowed: "
            f"the OAuth client's role lacks {need}. Last answer: {error.message}",
            code=error.code,
            correlation_id=error.correlation_id,
        )
