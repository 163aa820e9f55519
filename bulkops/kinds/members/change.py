"""``items.csv``'s change cell for a queue's member activation: who it activated and deactivated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Members named in one cell before "... and N more".
SHOWN = 10


def members_change_text(changes: Mapping[str, Any]) -> str:
    """``activate a@x, b@x; deactivate c@x`` (at most ``SHOWN`` each)."""
    said = []
    for key in ("activate", "deactivate"):
        who = list(changes.get(key) or [])
        if who:
            more = f" ... and {len(who) - SHOWN} more" if len(who) > SHOWN else ""
            said.append(f"{key} {len(who)}: " + ", ".join(who[:SHOWN]) + more)
    return "; ".join(said)
