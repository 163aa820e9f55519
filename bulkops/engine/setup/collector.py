"""Set-up's pace of the cyclic garbage collector (#29 §5).

Set-up builds what lives for the whole run: the staged intents, the directory of every user read,
the held counts, the impact's moves; at 100,000 users several hundred thousand container objects.
CPython's collector runs a young collection every 700 net allocations and, as the survivors pile up,
full collections that scan every one of them again: measured, about a quarter of ``run``'s CPU
before its first write (5.9 of 25 CPU s, 30 full collections). Set-up makes next to no cyclic
garbage (reference counting frees what it drops), so while it builds, the first threshold is raised
and the collector runs a hundred times less often; the run's own threshold is put back after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Net allocations between two young collections while set-up builds (CPython's default: 700).
SETUP_THRESHOLD = 100_000


@contextmanager
def building(threshold: int = SETUP_THRESHOLD) -> Iterator[None]:
    """The collector's first threshold at least ``threshold`` inside, as it was after."""
    before = gc.get_threshold()
    gc.set_threshold(max(threshold, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
