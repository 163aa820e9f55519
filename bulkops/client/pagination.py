"""Pages that know where they are, so a checkpoint can store a position and start again from it.

Also the shape checks of the two listing kinds: a page that is not what the contract documents
raises ``ShapeError`` (the client retries it as a malformed answer) instead of ending the listing
early (``{}`` used to read as "no more users") or following a cursor forever.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from bulkops.client.wire import ShapeError, entity_list, is_int


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing.

    ``position`` is what produced this page (a cursor, a page number, or ``None`` for the
    start); ``next_position`` is what produces the next one (``None`` after the last).
    Handing ``next_position`` back to the same iterator resumes the enumeration.
    """

    entities: list[dict[str, Any]]
    position: str | int | None
    next_position: str | int | None
    requests: int = 1

    @property
    def last(self) -> bool:
        return self.next_position is None


def cursor_page(data: Any, *, seen: Container[str]) -> tuple[list[dict[str, Any]], str | None]:
    """A ``UserCursorEntityListing`` page: (entities, next cursor or None on the last page).

    The contract: ``cursor`` is absent on the last page, and ``results`` counts this page's
    users. A cursor already ``seen`` in this enumeration would loop forever: malformed too.
    """
    entities = entity_list(data)
    nxt = data.get("cursor") or None
    if nxt is not None and not isinstance(nxt, str):
        raise ShapeError("cursor that is not a string")
    if nxt is None and data.get("nextUri"):
        raise ShapeError("a next page announced (nextUri) without a cursor")
    results = data.get("results")
    if results is not None and (not is_int(results) or results != len(entities)):
        raise ShapeError(f"'results' says {results!r} but the page holds {len(entities)} users")
    if not entities:
        return entities, None  # an empty page ends the listing, whatever it says
    if nxt is not None and nxt in seen:
        raise ShapeError("the cursor does not advance (already seen in this listing)")
    return entities, nxt


def numbered_page(data: Any, *, number: int, size: int) -> tuple[list[dict[str, Any]], bool]:
    """A page-number ``*EntityListing`` page: (entities, whether it is the last).

    ``pageNumber`` must be the page asked for and ``pageSize`` an integer no smaller than the
    page; ``total``/``pageCount`` are optional (the queue-members listing has neither). The
    last page: no ``nextUri``, a short page, or ``pageCount`` reached; every signal is needed.
    """
    entities = entity_list(data)
    if data.get("pageNumber") != number or not is_int(data.get("pageNumber")):
        raise ShapeError(f"asked for page {number}, the answer says pageNumber {data.get('pageNumber')!r}")
    answered = data.get("pageSize")
    if not is_int(answered) or len(entities) > answered:
        raise ShapeError(f"pageSize {answered!r} for a page of {len(entities)}")
    count = data.get("pageCount")
    for key in ("pageCount", "total"):
        if data.get(key) is not None and not is_int(data[key]):
            raise ShapeError(f"{key} is not an integer")
    next_uri = data.get("nextUri")
    if next_uri is not None and not isinstance(next_uri, str):
        raise ShapeError("nextUri is not a string")
    done = not next_uri or len(entities) < size or (count is not None and number >= count)
    return entities, done
