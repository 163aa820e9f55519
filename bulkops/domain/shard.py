"""Stable per-user sharding: the same user id always lands on the same worker.

Python's ``hash`` is salted per process, so a resumed run would shard differently;
blake2b is stable across processes and machines.
"""

from __future__ import annotations

import hashlib


def shard_of(user_id: str, shards: int) -> int:
    if shards < 1:
        raise ValueError("shards must be >= 1")
    digest = hashlib.blake2b(user_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards
