"""An embedded simulator of the Genesys Cloud Platform API v2 (the subset bulkops uses).

It speaks the real wire dialect (field names, paging, ErrorBody, headers; see
docs/simulator.md) over a seeded, deterministic org, with knobs for rate limits,
server errors, latency, token/cursor expiry and concurrent-admin conflicts.
"""

from bulkops.simulator.clock import AdjustableClock, ManualClock
from bulkops.simulator.config import RUNTIME_KNOBS, SimConfig
from bulkops.simulator.core import Simulator
from bulkops.simulator.server import RunningServer, serve

__all__ = [
    "AdjustableClock",
    "ManualClock",
    "RUNTIME_KNOBS",
    "RunningServer",
    "SimConfig",
    "Simulator",
    "serve",
]
