"""Users dealt to the workers in turn: the n-th user a pass hands out goes to worker n mod W.

Dealing splits a pass exactly evenly (a pool's clients, one per lane, each carry 1/N of the users);
a hash of the id split 3,000 users over 3 clients 1,052 / 968 / 986, and the busiest client sets
the end. One user is still written by one worker: the producer hands a user out once and never
again while it is in flight, and a resumed pass re-checks its in-flight users against the org, so
nothing needs the same worker across processes.
"""

from __future__ import annotations

from dataclasses import dataclass


def dealt_to(position: int, shards: int) -> int:
    """The worker of the user handed out at ``position`` (0, 1, ...) among ``shards`` workers."""
    if shards < 1:
        raise ValueError("shards must be >= 1")
    if position < 0:
        raise ValueError("position must be >= 0")
    return position % shards


@dataclass(slots=True)
class Dealer:
    """The producer's count of users handed out, and whose turn is next."""

    shards: int
    dealt: int = 0

    def next(self) -> int:
        shard = dealt_to(self.dealt, self.shards)
        self.dealt += 1
        return shard
