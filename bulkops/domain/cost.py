"""What a user's changes cost in requests: the basis of the plan's time estimate.

Mirrors ``bulkops.engine.run.operations`` one for one. Queue membership is not counted here:
it is batched across users, 100 members a request (see ``queue_requests``).
"""

from __future__ import annotations

import math

from bulkops.domain.model import Changes

#: Per-request caps of the real API (contract §7); the client chunks by these.
SKILLS_PER_BULK = 50
LANGUAGES_PER_BULK = 50
MEMBERS_PER_REQUEST = 100


def write_requests(changes: Changes) -> int:
    n = 0
    n += 1 if changes.fields else 0
    n += 1 if changes.division else 0
    n += 1 if changes.replace_skills is not None else 0
    n += math.ceil(len(changes.upsert_skills) / SKILLS_PER_BULK)
    n += len(changes.delete_skills)
    n += math.ceil(len(changes.upsert_languages) / LANGUAGES_PER_BULK)
    n += len(changes.delete_languages)
    return n


def queue_requests(members: int) -> int:
    return math.ceil(members / MEMBERS_PER_REQUEST)
