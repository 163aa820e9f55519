"""The parts of a job beside its users, as a reader that carries none of them answers for them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class UsersOnly:
    """A reader of users alone: it carries no section of another kind. A form that carries one (the
    skill definitions CSV, the queues CSV, utilization columns) overrides ``sections``; the JSON
    document reads every kind's section through the kind's folder (``kinds/registry.py``)."""

    def sections(self) -> Mapping[str, Any]:
        """The sections of the registry's kinds this form carries, by kind name: none."""
        return {}
