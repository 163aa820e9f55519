"""What ``verify`` looks for in the platform's audit for one queue's settings: the queue's update,
with the settings it changed, and the wrap-up codes added or removed (a write of their own)."""

from __future__ import annotations

from collections.abc import Iterator

from bulkops.domain.verification import ExpectedWrite, folded
from bulkops.state.records import ItemOutcome


def queue_writes(item: ItemOutcome, owner: str, entity: str) -> Iterator[ExpectedWrite]:
    """The queue's update (its top-level settings changed) and its wrap-up codes, as two writes."""
    change = item.changes or {}
    settings = change.get("settings") or {}
    if settings:
        fields = folded(str(path).split(".", 1)[0] for path in settings)
        yield ExpectedWrite(owner, entity, "queue_settings", fields, actions=frozenset({"update"}))
    codes = [*(change.get("addWrapupCodes") or ()), *(change.get("removeWrapupCodes") or ())]
    if codes:
        yield ExpectedWrite(owner, entity, "queue_wrapup_codes", folded(codes))
