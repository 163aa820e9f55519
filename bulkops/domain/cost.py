"""What a user's changes cost in requests: the basis of the plan's time estimate.

Mirrors ``bulkops.engine.run.operations`` one for one. Queue membership and division moves are not
counted here: they are batched across users, 100 users a request (``queue_requests``,
``division_requests``).
"""

from __future__ import annotations

import math

from bulkops.domain.model import Changes

#: Per-request caps of the real API (contract §7); the client chunks by these.
SKILLS_PER_BULK = 50
LANGUAGES_PER_BULK = 50
MEMBERS_PER_REQUEST = 100
#: Users moved a division request (``POST /api/v2/authorization/divisions/{id}/objects/USER``). Guess: the
#: SDK and the contract state no maximum; 100 is the platform's cap on its other id-list writes (queue
#: members, wrap-up codes). docs/simulator.md, "Division moves in batches".
DIVISION_OBJECTS_PER_REQUEST = 100


def write_requests(changes: Changes) -> int:
    n = 0
    n += 1 if changes.fields else 0
    n += 1 if changes.replace_skills is not None else 0
    n += math.ceil(len(changes.upsert_skills) / SKILLS_PER_BULK)
    n += len(changes.delete_skills)
    n += math.ceil(len(changes.upsert_languages) / LANGUAGES_PER_BULK)
    n += len(changes.delete_languages)
    return n


def queue_requests(members: int) -> int:
    return math.ceil(members / MEMBERS_PER_REQUEST)


def division_requests(moves: int) -> int:
    """Requests to move ``moves`` users into one division."""
    return math.ceil(moves / DIVISION_OBJECTS_PER_REQUEST)
