"""Which listing position a resumed run may start from.

Pages are finished out of order (users go to different workers); the checkpointed
position only moves past a page once every user it dispatched is done, so a resume
never skips a user. Users already done on a re-listed page are skipped by the store.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Page:
    seq: int
    next_position: str | int | None
    outstanding: int = 0
    sealed: bool = False


class PageTracker:
    def __init__(self, on_advance: Callable[[str | int | None, bool], None]):
        """``on_advance(position, listing_done)`` persists the new safe position."""
        self._pages: deque[_Page] = deque()
        self._by_seq: dict[int, _Page] = {}
        self._seq = 0
        self._on_advance = on_advance

    def open_page(self, next_position: str | int | None) -> int:
        self._seq += 1
        page = _Page(self._seq, next_position)
        self._pages.append(page)
        self._by_seq[page.seq] = page
        return page.seq

    def add_user(self, seq: int) -> None:
        self._by_seq[seq].outstanding += 1

    def seal(self, seq: int) -> None:
        self._by_seq[seq].sealed = True
        self._advance()

    def done(self, seq: int) -> None:
        self._by_seq[seq].outstanding -= 1
        self._advance()

    @property
    def open_pages(self) -> int:
        return len(self._pages)

    def _advance(self) -> None:
        moved = None
        while self._pages and self._pages[0].sealed and self._pages[0].outstanding == 0:
            moved = self._pages.popleft()
            del self._by_seq[moved.seq]
        if moved is not None:
            self._on_advance(moved.next_position, moved.next_position is None)
