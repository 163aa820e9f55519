"""Queue member activation as every stage reads it (``kinds/folder.KindFolder``): no section of its own
(the ``members`` of a queues entry), set up with the queues, its own change cell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bulkops.kinds.base import AnyKind
from bulkops.kinds.folder import KindFolder, SetupContext
from bulkops.kinds.members.change import members_change_text
from bulkops.kinds.members.kind import QueueMembersKind
from bulkops.kinds.members.plan import members_reduction
from bulkops.kinds.members.setup import MembersSetup
from bulkops.kinds.queues.folder import queue_setup_of

NAME = "queue_members"


class MembersFolder(KindFolder):
    name = NAME
    heading = "Queue members"
    undo_noun = "queue members"

    def make(self) -> AnyKind:
        return QueueMembersKind()

    async def set_up(self, ctx: SetupContext) -> MembersSetup:
        return queue_setup_of(ctx.setups).members

    def reduction(self, setup: MembersSetup | None) -> str | None:
        return members_reduction((setup or MembersSetup()).items)

    def change_text(self, changes: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
        return members_change_text(changes) or None


FOLDER = MembersFolder()
