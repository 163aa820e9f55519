"""Utilization records -> the platform's JSON (``AgentMaxUtilizationResponse``,
``UtilizationResponse``, ``UtilizationLabel``; field names per the SDK's attribute_map)."""

from __future__ import annotations

from typing import Any

from bulkops.simulator.model.utilization import MEDIA_TYPES, LabelSetting, MediaSetting, Setting, UtilizationStore

API = "/api/v2"


def media(x: MediaSetting) -> dict[str, Any]:
    return {"maximumCapacity": x.maximum_capacity, "interruptableMediaTypes": list(x.interruptable), "includeNonAcd": x.include_non_acd}


def label_utilization(x: LabelSetting, name: str) -> dict[str, Any]:
    return {"maximumCapacity": x.maximum_capacity, "interruptingLabelIds": list(x.interrupting), "labelName": name}


def setting(s: Setting, store: UtilizationStore, level: str | None = None) -> dict[str, Any]:
    """A ``UtilizationResponse``; with ``level``, an ``AgentMaxUtilizationResponse``.

    Media types in the SDK's order; labels that no longer exist are never shown."""
    out: dict[str, Any] = {
        "utilization": {mt: media(s.media[mt]) for mt in MEDIA_TYPES if mt in s.media},
        "labelUtilizations": {lid: label_utilization(x, store.labels[lid].name) for lid, x in s.labels.items() if lid in store.labels},
    }
    if s.max_inbound_calls is not None:
        out["maxInboundCalls"] = s.max_inbound_calls
    if level is not None:
        out["level"] = level
    return out


def label(lid: str, name: str) -> dict[str, Any]:
    return {"id": lid, "name": name, "selfUri": f"{API}/routing/utilization/labels/{lid}"}


def label_agent(user_id: str) -> dict[str, Any]:
    """One entry of ``GET .../labels/{id}/agents`` (typed ``list[object]`` by the SDK; the shape
    of the object is a guess: the user's id and its URI)."""
    return {"id": user_id, "selfUri": f"{API}/users/{user_id}"}
