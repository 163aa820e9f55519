"""What the JSON form states beside each user's skills and fields: the queues each user is a direct
member of (``joinQueues``: a member already in the queue is left as is), each queue's settings
(``queues``, from the queues listing itself) and the org's default utilization
(``utilizationDefault``). All read as state: ``plan`` of them finds nothing to change.

Left out, as no spec can state them as the org holds them: members through a group, team or skill
group (bulkops manages direct members), a member's joined/unjoined flag, a queue's wrap-up codes (a
spec adds and removes codes, it cannot say "only these"), a setting outside the spec's ranges, and
each user's own utilization (one request a user: more than the whole listing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.utilization import get_org_utilization, list_labels
from bulkops.client.requestkind import CATALOGUE, RESOLUTION, request_kind
from bulkops.domain.utilization import Utilization
from bulkops.kinds.queues.intent import (
    MAX_RINGS,
    MEDIA_TYPES,
    SKILL_EVALUATION_METHODS,
    TIMEOUT_PROMPTS,
    WRAPUP_PROMPTS,
    get_path,
    ring_skills,
    ring_timeout,
)


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


QUEUES_PATH = "/api/v2/routing/queues"
QUEUES_PAGE = 100
#: Ranges the spec's queue entries take (``jobspec-v2.schema.json``, ``$defs/queueEntry``): a value the
#: org holds outside them cannot be stated, so it is left out (the queue keeps it).
_ALERTING = (7, 86400)
_ACW_TIMEOUT = (1000, 3600000)
_SL_DURATION = (1000, 604800000)
_RING_TIMEOUT = (0, 259200)


async def list_queues(client: GenesysClient) -> list[dict[str, Any]]:
    """Every active queue, whole as the listing gives it (its settings come with it: no read a queue)."""
    out: list[dict[str, Any]] = []
    with request_kind(CATALOGUE):
        async for page in client.iter_pages(QUEUES_PATH, page_size=QUEUES_PAGE):
            out += [e for e in page.entities if e.get("state", "active") == "active" and isinstance(e.get("name"), str) and isinstance(e.get("id"), str)]
    return out


def queue_entry(body: Mapping[str, Any], skill_names: Mapping[str, str]) -> dict[str, Any] | None:
    """Pure: a queue's settings as a ``queues`` entry (what the spec can state of them), or None when
    it states none. Wrap-up codes are left out: a spec adds and removes codes, it cannot say "only these"."""
    entry: dict[str, Any] = {"queue": body["name"]}
    method = body.get("skillEvaluationMethod")
    if method in SKILL_EVALUATION_METHODS:
        entry["skillEvaluationMethod"] = method
    if acw := _acw(body.get("acwSettings")):
        entry["acw"] = acw
    media = {kind: m for kind in MEDIA_TYPES if (m := _media(get_path(body, f"mediaSettings.{kind}")))}
    if media:
        entry["media"] = media
    if rings := _rings(body, skill_names):
        entry["rings"] = rings
    return entry if len(entry) > 1 else None


def _within(value: Any, bounds: tuple[float, float], *, integer: bool = True) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if integer and float(value) != int(value):
        return False
    return bounds[0] <= value <= bounds[1]


def _acw(acw: Any) -> dict[str, Any]:
    if not isinstance(acw, Mapping) or acw.get("wrapupPrompt") not in WRAPUP_PROMPTS:
        return {}
    out: dict[str, Any] = {"wrapupPrompt": acw["wrapupPrompt"]}
    if acw["wrapupPrompt"] in TIMEOUT_PROMPTS and _within(acw.get("timeoutMs"), _ACW_TIMEOUT):
        out["timeoutMs"] = int(acw["timeoutMs"])
    return out


def _media(media: Any) -> dict[str, Any]:
    if not isinstance(media, Mapping):
        return {}
    out: dict[str, Any] = {}
    if _within(media.get("alertingTimeoutSeconds"), _ALERTING):
        out["alertingTimeoutSeconds"] = int(media["alertingTimeoutSeconds"])
    level = media.get("serviceLevel")
    if isinstance(level, Mapping):
        sl: dict[str, Any] = {}
        if _within(level.get("percentage"), (0, 1), integer=False):
            sl["percentage"] = level["percentage"]
        if _within(level.get("durationMs"), _SL_DURATION):
            sl["durationMs"] = int(level["durationMs"])
        if sl:
            out["serviceLevel"] = sl
    return out


def _rings(body: Mapping[str, Any], skill_names: Mapping[str, str]) -> dict[str, Any]:
    """Each bullseye ring's timeout and the skills it drops (by name; a ring dropping a skill the
    catalogue does not name keeps its skills out of the entry)."""
    rings = get_path(body, "bullseye.rings")
    out: dict[str, Any] = {}
    for number, ring in enumerate(rings if isinstance(rings, list) else [], start=1):
        if number > MAX_RINGS:
            break
        said: dict[str, Any] = {}
        timeout = ring_timeout(ring)
        if timeout is not None and _within(timeout, _RING_TIMEOUT, integer=False):
            said["timeoutSeconds"] = int(timeout) if timeout == int(timeout) else timeout
        ids = ring_skills(ring)
        if all(i in skill_names for i in ids):
            said["skillsToRemove"] = _sorted(skill_names[i] for i in ids)
        if said:
            out[str(number)] = said
    return out
