"""Utilization labels as job items (#19): what a spec says of a label, what the run writes.

A job creates a label (optionally with its org-level capacity) or deletes one (``force``: even
while agents' settings name it; the API then takes it out of every setting). Names are compared
as the API compares them: ignoring case (``same_label_name`` in the client; the simulator does
the same), so 'vip' is the label 'VIP'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bulkops.domain.utilization import MAX_CAPACITY

LabelOp = Literal["create", "delete"]

#: "A unique name is limited to 256 characters ... cannot be only whitespace and cannot contain []:*"
#: (Genesys help centre, "Create utilization labels"; the Terraform provider validates the same).
MAX_LABEL_NAME = 256
LABEL_NAME_FORBIDDEN = "[]:*"
#: "You can create up to 100 labels per organization." The API publishes no call that reads the
#: limit, so set-up counts against this; the create's own refusal (``LabelLimitError``) is the last line.
LABEL_LIMIT = 100


def label_key(name: str) -> str:
    """The item's key: the name as the API compares names (case ignored)."""
    return name.casefold()


def label_name_problem(name: str) -> str | None:
    """Why the API would refuse ``name`` for a new label, or None."""
    if not name.strip():
        return "a label name cannot be empty or only whitespace"
    if len(name) > MAX_LABEL_NAME:
        return f"a label name is at most {MAX_LABEL_NAME} characters (this one has {len(name)})"
    if name != name.strip():
        return "a label name cannot start or end with whitespace"
    bad = sorted({c for c in name if c in LABEL_NAME_FORBIDDEN})
    if bad:
        return f"a label name cannot contain {' '.join(bad)} (none of {LABEL_NAME_FORBIDDEN})"
    return None


@dataclass(frozen=True, slots=True)
class LabelIntent:
    """One ``utilizationLabels`` entry as written."""

    op: LabelOp
    name: str
    force: bool = False
    #: The label's org-level capacity (create only; None: the API's default).
    maximum_capacity: int | None = None
    line: int = 0

    def __post_init__(self) -> None:
        if self.maximum_capacity is not None and not 0 <= self.maximum_capacity <= MAX_CAPACITY:
            raise ValueError(f"maximumCapacity {self.maximum_capacity} is not 0-{MAX_CAPACITY}")


@dataclass(frozen=True, slots=True)
class LabelItem:
    """One label the run handles: ``label_id`` is the org's label (None: a create of a new one)."""

    op: LabelOp
    name: str
    label_id: str | None
    force: bool = False
    maximum_capacity: int | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class LabelState:
    """A label as the org has it."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class LabelChange:
    op: LabelOp


def label_change(state: LabelState | None, item: LabelItem) -> LabelChange | None:
    """A create of a label that exists (by name, case ignored) and a delete of one that is gone
    are done: nothing is sent."""
    if item.op == "create":
        return None if state is not None else LabelChange("create")
    return LabelChange("delete") if state is not None else None
