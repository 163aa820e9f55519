"""Pages that know where they are, so a checkpoint can store a position and start again from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
