"""The one list of the kinds a job can carry besides users, in the order that counts.

Within a phase the run handles its kinds in this order (the labels a job creates exist before the
org default gives them a capacity; a queue's settings are written before its members are
activated); ``validate``, ``plan`` and the schema's wording list them in it too. Adding a kind:
its folder under ``bulkops/kinds/`` and one line here (docs/architecture.md has the checklist).
"""

from __future__ import annotations

from bulkops.kinds.base import AnyKind
from bulkops.kinds.folder import KindFolder
from bulkops.kinds.labels.folder import FOLDER as LABELS
from bulkops.kinds.members.folder import FOLDER as MEMBERS
from bulkops.kinds.orgutil.folder import FOLDER as ORG_DEFAULT
from bulkops.kinds.queues.folder import FOLDER as QUEUES
from bulkops.kinds.skills.folder import FOLDER as SKILLS
from bulkops.kinds.utilization.folder import FOLDER as USER_UTILIZATION

#: Skills before labels within a phase: before the move the run went by the kinds' names (labels first);
#: neither kind reads the other's objects, so only the order of their audit lines changed.
KINDS: tuple[KindFolder, ...] = (SKILLS, QUEUES, MEMBERS, LABELS, USER_UTILIZATION, ORG_DEFAULT)


def kinds() -> dict[str, AnyKind]:
    """Fresh instances for one pass (a kind may keep what it read during the pass), in the registry's order."""
    return {folder.name: folder.make() for folder in KINDS}


def folder_of(name: str | None) -> KindFolder | None:
    """The folder of the kind the store and the audit call ``name``; None for another name."""
    return next((f for f in KINDS if f.name == name), None)
