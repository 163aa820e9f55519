"""The platform's own record of a write (an ``AuditLogMessage``), as verification reads it.

Kept apart from the client that fetches it so the pure verification never imports HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PropertyChange:
    property: str
    old_values: tuple[str, ...] = ()
    new_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AuditMessage:
    """One write the platform recorded: by which OAuth client, on which entity, what changed, when."""

    id: str
    service: str
    entity_type: str
    entity_id: str
    action: str
    event_time: float  # epoch seconds, from ``eventDate``
    client_id: str | None = None
    user_id: str | None = None
    entity_name: str | None = None
    changes: tuple[PropertyChange, ...] = ()

    def tokens(self) -> frozenset[str]:
        """What the entry says changed, case-folded: property names (and the parts of a
        ``kind:id`` name) and every old and new value. Verification matches on these."""
        out: set[str] = set()
        for c in self.changes:
            name = c.property.casefold()
            out.add(name)
            out.update(part for part in name.replace("[", ":").replace("]", ":").replace(".", ":").split(":") if part)
            out.update(v.casefold() for v in (*c.old_values, *c.new_values))
        return frozenset(out)
