"""Request counters for /__sim/stats: by method, route template and status."""

from __future__ import annotations

from collections import Counter
from typing import Any


class Stats:
    def __init__(self) -> None:
        self.total = 0
        self.by_method: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.by_route: dict[str, Counter[int]] = {}
        #: Requests per OAuth client (the one whose token they carried; "" when none was valid).
        self.by_client: Counter[str] = Counter()
        self.rate_limited = 0
        self.injected_errors = 0
        self.injected_conflicts = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def enter(self) -> None:
        self.in_flight += 1
        if self.in_flight > self.max_in_flight:
            self.max_in_flight = self.in_flight

    def leave(self) -> None:
        self.in_flight -= 1

    def record(self, method: str, route: str, status: int, *, client: str = "") -> None:
        self.total += 1
        self.by_client[client] += 1
        self.by_method[method] += 1
        self.by_status[status] += 1
        key = f"{method} {route}"
        counter = self.by_route.get(key)
        if counter is None:
            counter = self.by_route[key] = Counter()
        counter[status] += 1
        if status == 429:
            self.rate_limited += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "byMethod": dict(sorted(self.by_method.items())),
            "byStatus": {str(k): v for k, v in sorted(self.by_status.items())},
            "byRoute": {key: {"total": sum(c.values()), "byStatus": {str(k): v for k, v in sorted(c.items())}} for key, c in sorted(self.by_route.items())},
            "byClient": dict(sorted(self.by_client.items())),
            "rateLimited": self.rate_limited,
            "injectedErrors": self.injected_errors,
            "injectedConflicts": self.injected_conflicts,
            "inFlight": self.in_flight,
            "maxInFlight": self.max_in_flight,
        }
