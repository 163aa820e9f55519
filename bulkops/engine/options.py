"""Knobs of a run, with the defaults an overnight batch wants."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RunOptions:
    workers: int = 16
    #: Write attempts per user before it goes to the reconciliation queue (409 after 409).
    conflict_attempts: int = 3
    #: Seconds before re-fetching after a 409; grows linearly with the attempt.
    conflict_delay: float = 0.5
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
