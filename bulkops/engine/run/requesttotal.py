"""A job's requests over all its passes, kept in the run store's meta.

Each pass (``run``, ``resume``, ``reconcile retry``) is a process of its own with its own
client, so a summary counts only its own process's requests. The job-wide figure adds them
up here, once per pass. Should one client serve two passes (a script, a test), only what it
sent since the last pass it was counted for is added: ``session`` tells clients apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bulkops.client.api import ClientStats
from bulkops.state.store import RunStore

#: The run store meta key.
META_KEY = "requests_total"


@dataclass(frozen=True, slots=True)
class RequestTotal:
    requests: int = 0
    passes: int = 0
    #: The client whose requests were added last, and how many of them were.
    session: str | None = None
    counted: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "passes": self.passes, "session": self.session, "counted": self.counted}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> RequestTotal:
        """What the store holds; a job begun before the total was kept starts at zero."""
        if not isinstance(data, Mapping):
            return cls()
        session = data.get("session")
        return cls(int(data.get("requests") or 0), int(data.get("passes") or 0), session if isinstance(session, str) else None, int(data.get("counted") or 0))


def add_pass(total: RequestTotal, *, session: str, requests: int) -> RequestTotal:
    """``total`` with one more pass whose client (``session``) has sent ``requests`` in all so far."""
    already = total.counted if total.session == session else 0
    return RequestTotal(total.requests + max(0, requests - already), total.passes + 1, session, requests)


def record_pass(store: RunStore, stats: ClientStats) -> RequestTotal:
    """Add this process's requests to the job's total in ``store``; the new total."""
    total = add_pass(RequestTotal.from_dict(store.get(META_KEY)), session=stats.session, requests=stats.requests)
    store.set(**{META_KEY: total.to_dict()})
    return total
