"""Queue member activation (#18): the ``members`` of a ``queues`` entry, items of kind
``queue_members`` keyed by queue id, after the users (and after the queue's settings). Set up with
the queues section (``kinds/queues``); its plan lines are part of each queue's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bulkops.engine.kind_members import QueueMembersKind
from bulkops.engine.membersetup import MembersSetup
from bulkops.kinds.base import AnyKind
from bulkops.kinds.folder import KindFolder, SetupContext
from bulkops.kinds.members.change import members_change_text
from bulkops.kinds.queues import queue_setup_of

NAME = "queue_members"


class MembersFolder(KindFolder):
    name = NAME
    undo_noun = "queue members"

    def make(self) -> AnyKind:
        return QueueMembersKind()

    async def set_up(self, ctx: SetupContext) -> MembersSetup:
        return queue_setup_of(ctx.setups).members

    def change_text(self, changes: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
        return members_change_text(changes) or None


FOLDER = MembersFolder()
