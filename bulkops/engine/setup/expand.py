"""What a best-effort ``expand`` left out, read before anything is diffed.

The SDK documents expanded fields as "resolved with a best effort approach and not
guaranteed to be returned". A listing entry without ``skills`` means unknown: diffing it as
"none held" would skip every removal and report the user unchanged. Both ``plan`` and the
workers read what is missing from the user's own assignment listings.
"""

from __future__ import annotations

import dataclasses

from bulkops.client.api import GenesysClient
from bulkops.client.requestkind import REFETCHES, request_kind
from bulkops.domain.model import UserState


async def fill_unknown(client: GenesysClient, state: UserState) -> tuple[UserState, int]:
    """``state`` with every unknown expansion read, and the requests that took (0 when none was missing)."""
    if not state.unknown:  # the usual case: nothing to read, nothing to copy (a 100k-user plan calls this per user)
        return state, 0
    spent = 0
    for kind in sorted(state.unknown):
        with request_kind(REFETCHES):  # what the listing should have carried, read again
            held, requests = await client.read_assignments(state.id, kind)
        spent += requests
        state = dataclasses.replace(state, skills=held) if kind == "skills" else dataclasses.replace(state, languages=held)
    return dataclasses.replace(state, unknown=frozenset()), spent
