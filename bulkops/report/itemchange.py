"""The ``change`` cell of ``items.csv``: what an item of another kind changed, in a few words.

Each kind says it of its own items (``KindFolder.change_text``, in ``kinds/<kind>/``): a skill
definition its action (and division); a queue its settings before and after and the wrap-up codes
added and removed; a queue's member activation who it activated and deactivated; a utilization
write (the org default's or a user's) what it PUT or that it went back to the default. Built from
the item's last audit line (``changes``), the audit keeping ids where the job's catalogue
(``names``) has the name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bulkops.kinds.folder import KindFolder
from bulkops.kinds.registry import folder_of


def change_text(kind: str | None, changes: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
    return (folder_of(kind) or KindFolder()).change_text(changes, names)
