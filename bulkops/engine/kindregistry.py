"""The kinds a job can carry besides users, by the name the store and the audit use."""

from __future__ import annotations

from bulkops.engine.kind_labels import UtilizationLabelsKind
from bulkops.engine.kind_members import QueueMembersKind
from bulkops.engine.kind_orgutil import OrgUtilizationKind
from bulkops.engine.kind_queues import QueueSettingsKind
from bulkops.engine.kind_skills import SkillDefinitions
from bulkops.engine.kind_utilization import UserUtilizationKind
from bulkops.engine.run.phases import AnyKind


def kinds() -> dict[str, AnyKind]:
    """Fresh instances for one pass (a kind may keep what it read during the pass)."""
    return {
        kind.name: kind
        for kind in (SkillDefinitions(), QueueSettingsKind(), QueueMembersKind(), UtilizationLabelsKind(), UserUtilizationKind(), OrgUtilizationKind())
    }
