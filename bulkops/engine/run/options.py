"""Knobs of a run, with the defaults an overnight batch wants."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RunOptions:
    workers: int = 16
    #: Write attempts per user before it goes to the reconciliation queue (409 after 409).
    conflict_attempts: int = 3
    #: Seconds between a 409 and the re-fetch (the platform guide's 5 s: a real org's reads lag
    #: its writes, so a re-fetch at once can still see the state the 409 was about).
    conflict_delay: float = 5.0
    #: Seconds at most a user back from its conflict delay waits further while earlier attempts can
    #: start (fresh users before second attempts, second before third: ``engine/run/shardturn.py``).
    #: Six delays: enough to keep the last attempts for the pass's tail; bounded because in a run of
    #: hours the fresh users last hours, and a retry must not wait that long in flight.
    retry_defer_max: float = 30.0
    #: Items buffered per worker queue: bounds memory whatever the org size.
    queue_size: int = 64
    #: Seconds a user's state read at set-up is written from without reading it again. The
    #: versioned user PATCH catches a stale state by 409, the skill and language writes do not;
    #: five minutes covers a 2,400-user job at 8/s and is about the window a listing page had.
    state_max_age: float = 300.0
    #: Writes of one kind that must all answer 403, with none allowed, before the pass
    #: stops for a missing permission; fewer are per-user refusals (a division the role lacks).
    forbidden_threshold: int = 10
    #: Users listing page size (the real API caps it at 500).
    page_size: int = 500
