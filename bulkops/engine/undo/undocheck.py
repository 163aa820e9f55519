"""What the undo cannot account for: the job's checkpoint against its audit log (pure but for reading).

The audit log is what ``bulkops undo`` inverts, but the checkpoint (``state.db``) is what knows
which users and items were written: ``inflight`` (a write may have been sent), or ``done`` after
one (``RunStore.written``). Each must be accounted for: by an audit line with what was written,
or by a write-ahead record still in the store (a pass killed between a write and its audit line,
never resumed: ``writeahead_lines`` turns it into a line the inverse reads like any other). What
is neither (an audit log cut or deleted, a kill in a store made before write-ahead records) is
named with why, and the undo says so and exits 3, never "nothing to undo".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bulkops.engine.run.writeahead import confirmed_ops
from bulkops.state.codec import changes_to_dict
from bulkops.state.records import ItemOutcome, UserOutcome
from bulkops.state.store import INFLIGHT, RunStore, Written

NO_LINE = "the audit log has no line for it (cut, deleted or lost), so what the job wrote is not known"
NO_RECORD = "in flight when a pass was killed, in a run state kept before write-ahead records, so what it wrote is not known"
BARE_CONFIRMATION = "confirmed after a restart with no write-ahead record (an older version), so what it wrote before the kill is not known"
ITEM_IN_FLIGHT = "in flight when a pass was killed: `bulkops resume` records what it wrote, then undo it"


@dataclass(frozen=True, slots=True)
class Unaccounted:
    """A user (or ``kind:key`` item) the checkpoint says was written that the undo cannot restore."""

    key: str
    reason: str

    @property
    def is_item(self) -> bool:
        return ":" in self.key

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "reason": self.reason}


@dataclass(slots=True)
class AuditSeen:
    """The users and items the audit log has lines for, gathered while it is read for the inverse.

    ``users[uid]`` is False while every line of the user is a bare confirmation (an older version's
    resume: applied, no operation), which says nothing of what was written."""

    users: dict[str, bool] = field(default_factory=dict)
    items: set[str] = field(default_factory=set)

    def watch(self, records: Iterable[UserOutcome | ItemOutcome]) -> Iterator[UserOutcome]:
        """The users' records of the audit log (``auditline``), noting every user and item seen."""
        for record in records:
            if isinstance(record, ItemOutcome):
                self.items.add(f"{record.kind}:{record.key}")
                continue
            bare = record.confirmed_after_restart and not record.ops
            self.users[record.user_id] = self.users.get(record.user_id, False) or not bare
            yield record


def writeahead_lines(store: RunStore) -> Iterator[UserOutcome]:
    """A line for each user a killed pass left in flight with its write-ahead record: its before and
    every change it was sending, each as an operation that may have gone through (the undo's guard
    restores only what the org holds as written, and finds the rest already as before)."""
    for uid, ahead in store.writeaheads().items():
        changes = changes_to_dict(ahead.changes)
        yield UserOutcome("applied", uid, before=dict(ahead.before), changes=changes, ops=confirmed_ops(ahead.changes))


def unaccounted(written: Iterable[Written], seen: AuditSeen) -> tuple[Unaccounted, ...]:
    """Each written user or item neither the audit log nor a write-ahead record accounts for, with why."""
    out: list[Unaccounted] = []
    for w in written:
        reason = _item_reason(w, seen) if ":" in w.key else _user_reason(w, seen)
        if reason is not None:
            out.append(Unaccounted(w.key, reason))
    return tuple(out)


def _user_reason(w: Written, seen: AuditSeen) -> str | None:
    if w.status == INFLIGHT:
        return None if w.has_record else NO_RECORD
    if w.key not in seen.users:
        return NO_LINE
    return None if seen.users[w.key] else BARE_CONFIRMATION


def _item_reason(w: Written, seen: AuditSeen) -> str | None:
    if w.status == INFLIGHT:
        return ITEM_IN_FLIGHT if w.has_record else NO_RECORD
    return None if w.key in seen.items else NO_LINE
