"""The one form of a timestamp in the job's logs: ISO 8601 UTC to the millisecond (``2026-11-23T11:31:10.352Z``).

The audit log has always written it; the reconciliation queue wrote epoch seconds until #28, so
readers take both (``parse_ts``, ``stamp_text``) and writers write only this form (``now_ts``).
"""

from __future__ import annotations

import time
from datetime import datetime


def iso_ts(t: float) -> str:
    """Epoch seconds -> ``2026-11-23T11:31:10.352Z`` (milliseconds truncated, as always written)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


def now_ts() -> str:
    return iso_ts(time.time())


def parse_ts(value: object) -> float:
    """A written timestamp (ISO text, or epoch seconds from an older queue) -> epoch seconds; 0.0 if unreadable."""
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return 0.0
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def stamp_text(value: object) -> str:
    """A written timestamp in the one form: ISO text kept as written, epoch seconds turned into it; '' if none."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return iso_ts(float(value))
    return ""
