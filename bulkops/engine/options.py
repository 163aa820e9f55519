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
    #: Items buffered per worker queue: bounds memory whatever the org size.
    queue_size: int = 64
    #: Restarts of the users listing after a 400 on a cursor before the pass stops: the
    #: API names no cursor-expiry code, so a 400 that persists must not relist forever.
    listing_restarts: int = 3
    #: Writes of one kind that must all answer 403, with none allowed, before the pass
    #: stops for a missing permission; fewer are per-user refusals (a division the role lacks).
    forbidden_threshold: int = 10
    #: Users listing page size (the real API caps it at 500).
    page_size: int = 500
