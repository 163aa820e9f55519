"""Each finished pass's figures, kept in the run store's meta so the job's account adds them up.

A summary describes its own pass (its process's client); the report's tiles describe the whole
job, every pass (``run``, ``resume``, ``reconcile retry``). A pass killed before its summary
leaves no figures here (nor in ``requests_total``): its audit lines still count. Each CLI pass is a
process with its own client; should one client serve two passes (a script, a test), its 429s and
retries are counted in both (``requesttotal`` tells its requests apart, not these).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from bulkops.state.store import RunStore

#: The run store meta key.
META_KEY = "pass_figures"


@dataclass(frozen=True, slots=True)
class PassFigures:
    run_id: str
    requests: int = 0  # the whole process's, set-up included
    engine_requests: int = 0
    duration_s: float = 0.0
    http_429: int = 0
    http_5xx: int = 0
    http_retries: int = 0
    configured_rps: float | None = None

    @classmethod
    def from_summary(cls, summary: Mapping[str, Any]) -> PassFigures:
        run = summary.get("this_run") or {}
        return cls(
            run_id=str(summary.get("run_id") or ""),
            requests=int(run.get("requests") or 0),
            engine_requests=int(run.get("engine_requests") or 0),
            duration_s=float(run.get("duration_s") or 0.0),
            http_429=int(run.get("http_429") or 0),
            http_5xx=int(run.get("http_5xx") or 0),
            http_retries=int(run.get("http_retries") or 0),
            configured_rps=run.get("configured_rps"),
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PassFigures:
        return cls.from_summary({"run_id": data.get("run_id"), "this_run": data})


def passes_of(store: RunStore) -> tuple[PassFigures, ...]:
    """What the store holds; a job begun before the figures were kept has none."""
    held = store.get(META_KEY)
    if not isinstance(held, list):
        return ()
    return tuple(PassFigures.from_dict(p) for p in held if isinstance(p, Mapping))


def record_pass_figures(store: RunStore, summary: Mapping[str, Any]) -> tuple[PassFigures, ...]:
    """Add this pass's figures (from its summary) to the job's, once per run id."""
    figures = PassFigures.from_summary(summary)
    kept = tuple(p for p in passes_of(store) if p.run_id != figures.run_id) + (figures,)
    store.set(**{META_KEY: [asdict(p) for p in kept]})
    return kept
