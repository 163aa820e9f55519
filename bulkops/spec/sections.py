"""The parts of a job beside its users, as a reader that carries none of them answers for them."""

from __future__ import annotations

from bulkops.domain.orgutil import OrgUtilizationIntent
from bulkops.domain.queuesettings import QueueSettingsIntent
from bulkops.domain.skilldefs import SkillDefinitionIntent
from bulkops.domain.userutil import UserUtilizationIntent
from bulkops.domain.utilabels import LabelIntent


class UsersOnly:
    """A reader of users alone: every other section is empty. A form that carries one (the skill
    definitions CSV, the queues CSV, utilization columns) overrides its method; the JSON document
    answers for all of them itself."""

    def definitions(self) -> list[SkillDefinitionIntent]:
        return []

    def queue_settings(self) -> list[QueueSettingsIntent]:
        return []

    def utilization_labels(self) -> list[LabelIntent]:
        return []

    def user_utilization(self) -> list[UserUtilizationIntent]:
        return []

    def utilization_default(self) -> OrgUtilizationIntent | None:
        return None
