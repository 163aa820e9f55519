"""What the JSON form states beside each user's skills and fields: the queues each user is a direct
member of (``joinQueues``: a member already in the queue is left as is) and the org's default
utilization (``utilizationDefault``). Both read as state: ``plan`` of them finds nothing to change.

Left out, as no spec can state them as the org holds them: members through a group, team or skill
group (bulkops manages direct members), a member's joined/unjoined flag, each user's own
utilization (one request a user: more than the whole listing), queue settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.utilization import get_org_utilization, list_labels
from bulkops.client.requestkind import RESOLUTION, request_kind
from bulkops.domain.queuesettings import MEDIA_TYPES
from bulkops.domain.utilization import Utilization


async def direct_memberships(client: GenesysClient, queues: Mapping[str, str]) -> dict[str, list[str]]:
    """user id -> the names of the queues (``queues``: name -> id) the user is a direct member of,
    from each queue's ``memberBy=user`` listing (100 members a request)."""
    held: dict[str, list[str]] = {}
    with request_kind(RESOLUTION):
        for name in sorted(queues, key=str.casefold):
            async for page in client.iter_queue_members(queues[name], member_by="user"):
                for member in page.entities:
                    if isinstance(member.get("id"), str):
                        held.setdefault(member["id"], []).append(name)
    return held


async def utilization_default(client: GenesysClient) -> dict[str, Any]:
    """The org's default utilization as a ``utilizationDefault`` section: labels by name (one read of
    the labels besides the setting's)."""
    with request_kind(RESOLUTION):
        setting = await get_org_utilization(client)
        names = {label.id: label.name for label in await list_labels(client)} if setting.labels else {}
    return default_section(setting, names)


def default_section(setting: Utilization, names: Mapping[str, str]) -> dict[str, Any]:
    """Pure: a setting as the spec writes one (media types bulkops knows; labels the org names)."""
    media = {
        kind: {
            "maximumCapacity": part.maximum_capacity,
            "interruptableMediaTypes": _sorted(t for t in part.interruptable_media_types if t in MEDIA_TYPES),
            "includeNonAcd": part.include_non_acd,
        }
        for kind, part in sorted(setting.media.items())
        if kind in MEDIA_TYPES
    }
    labels = {
        names[lid]: {"maximumCapacity": part.maximum_capacity, "interruptingLabels": _sorted(names[i] for i in part.interrupting_label_ids if i in names)}
        for lid, part in setting.labels.items()
        if lid in names
    }
    section: dict[str, Any] = {"media": media}
    if labels:
        section["labels"] = dict(sorted(labels.items(), key=lambda kv: kv[0].casefold()))
    return section


def _sorted(names: Iterable[str]) -> list[str]:
    return sorted(names, key=str.casefold)
