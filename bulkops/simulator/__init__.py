"""An embedded simulator of the Genesys Cloud Platform API v2 (the subset bulkops uses).

It speaks the real wire dialect (field names, paging, ErrorBody, headers; see
docs/simulator.md) over a seeded, deterministic org, with knobs for rate limits,
server errors, latency, token/cursor expiry and concurrent-admin conflicts.
"""

from .clock import AdjustableClock, ManualClock
from .config import RUNTIME_KNOBS, SimConfig
from .core import Simulator
from .server import RunningServer, serve

__all__ = [
    "AdjustableClock",
    "ManualClock",
    "RUNTIME_KNOBS",
    "RunningServer",
    "SimConfig",
    "Simulator",
    "serve",
]
