"""A create whose answer is lost is looked up, never sent again blind (#27 §2).

A POST that creates (a skill, a utilization label) can reach the platform and act while its
answer is lost: a timeout, a reset, a 5xx from a gateway after the service answered, a 2xx that
cannot be read. Sending it again would meet a duplicate name at best and make a second object at
worst. So the client sends a create once (``request(..., once=True)``: tenacity never re-sends it
past such a failure) and ``create_once`` decides: look the name up; present, it is the object the
create made (adopted); absent, send the create again, at most ``rounds`` times in all. A clean
refusal (a 4xx: the platform did not act) is raised as it came, without a look-up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from bulkops.errors import BulkopsError, ConflictError, ServerError, TransportError

log = structlog.get_logger("bulkops.client")

T = TypeVar("T")

#: Failures after which the platform may have acted: a lost answer (``ServerError`` covers a 5xx
#: and a malformed 2xx, ``MalformedResponseError``).
LOST_ANSWER: tuple[type[BulkopsError], ...] = (ServerError, TransportError)


async def create_once(send: Callable[[], Awaitable[T]], find: Callable[[], Awaitable[T | None]], *, what: str, rounds: int) -> T:
    """``send`` the create (a once-only request); after a lost answer, ``find`` the object by its
    name and adopt it, or send again while rounds remain. The last lost answer is raised.

    A duplicate name refusing a create sent again (a ``ConflictError``) is the first one landing
    late (after the look-up missed it): looked up once more and adopted; refused on the first
    send it is raised as it came (the object existed before this create)."""
    for round_ in range(1, max(rounds, 1) + 1):
        try:
            return await send()
        except ConflictError as exc:
            if round_ == 1:
                raise
            return await _adopt(find, what, exc, round_)
        except LOST_ANSWER as exc:
            found = await find()
            if found is not None:
                log.info("create.adopted", what=what, error=type(exc).__name__, round=round_)
                return found
            log.info("create.absent_after_lost_answer", what=what, error=type(exc).__name__, round=round_)
            if round_ >= rounds:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def _adopt(find: Callable[[], Awaitable[T | None]], what: str, refusal: ConflictError, round_: int) -> T:
    found = await find()
    if found is None:
        raise refusal
    log.info("create.adopted", what=what, error=type(refusal).__name__, round=round_)
    return found
