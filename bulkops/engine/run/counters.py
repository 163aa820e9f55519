"""What a run did, counted as it happens; the summary is derived from these."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class RunCounters:
    outcomes: Counter[str] = field(default_factory=Counter)
    #: Requests per operation (patch_user, upsert_skills, ..., queue_batches, expand_fill, refetch_after_409):
    #: the engine's own breakdown. What the whole process spent, by kind, is ``ClientStats.by_kind``.
    requests_by_kind: Counter[str] = field(default_factory=Counter)
    membership_changes: int = 0  # joins + leaves applied, for "requests per membership change"
    conflicts: int = 0  # 409s answered to this run's writes
    conflict_retries: int = 0  # users re-fetched and re-merged after a 409 on the user PATCH
    conflict_resends: int = 0  # writes with no version sent again after a 409, nothing re-read
    confirmed_after_restart: int = 0
    started: float = field(default_factory=time.monotonic)
    total: int = 0  # users the job names
    done_before: int = 0  # users finished by earlier runs of this job
    #: Items of the other kinds handled this run: kind -> outcome -> count.
    items: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return sum(self.outcomes.values())
