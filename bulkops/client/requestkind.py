"""What a request is for, carried by a context variable so callers label whole phases at once.

The client counts every request under the kind current when it is sent; a task created
inside ``request_kind(...)`` inherits the label (asyncio copies the context), so the
engine labels its stages once instead of threading a parameter through every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final

#: Kinds a run reports. ``other`` is whatever no caller labelled.
TOKEN: Final = "token"
CATALOGUE: Final = "catalogue"
RESOLUTION: Final = "resolution"
STATE_READS: Final = "state_reads"
WRITES: Final = "writes"
QUEUE_BATCHES: Final = "queue_batches"
REFETCHES: Final = "refetches"
OTHER: Final = "other"
#: Every kind, in the order a summary lists them (set-up first, then the pass).
KINDS: Final = (TOKEN, CATALOGUE, RESOLUTION, STATE_READS, WRITES, QUEUE_BATCHES, REFETCHES, OTHER)

_current: ContextVar[str] = ContextVar("bulkops_request_kind", default=OTHER)


def current_kind() -> str:
    return _current.get()


@contextmanager
def request_kind(kind: str) -> Iterator[None]:
    """Label every request sent inside the block (and in tasks started inside it) as ``kind``."""
    token = _current.set(kind)
    try:
        yield
    finally:
        _current.reset(token)
