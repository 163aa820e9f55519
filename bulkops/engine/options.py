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
    #: Users listing page size (the real API caps it at 500).
    page_size: int = 500
    #: Seconds between progress lines when stderr is not a terminal.
    progress_every: float = 10.0
