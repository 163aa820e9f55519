"""Agent utilization and utilization labels: typed calls on a ``GenesysClient``.

Endpoints (PureCloudPlatformClientV2 ``RoutingApi``): ``/api/v2/routing/users/{userId}/utilization``
(GET/PUT/DELETE), ``/api/v2/routing/utilization`` (GET/PUT), ``/api/v2/routing/utilization/labels``
(GET paged, POST), ``.../labels/{labelId}`` (GET/PUT/DELETE ``forceDelete``), ``.../labels/{labelId}/agents``.
The decoders are shape checks too: a 2xx that is not the documented shape is a ``ShapeError``,
which the client retries as a malformed answer and never takes as a setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from bulkops.client.api import GenesysClient, Shape
from bulkops.client.createonce import create_once
from bulkops.client.echo import named_echo
from bulkops.client.refusals import is_duplicate_name, is_in_use
from bulkops.client.wire import ShapeError, is_int, json_object
from bulkops.domain.utilization import (
    AGENT,
    ORGANIZATION,
    DeleteToInherit,
    LabelUtilization,
    Level,
    MediaUtilization,
    NothingToDo,
    PutSetting,
    Utilization,
    UtilizationWrite,
)
from bulkops.errors import ApiError, BadRequestError, ConflictError, MalformedResponseError

LABELS_PATH = "/api/v2/routing/utilization/labels"
ORG_PATH = "/api/v2/routing/utilization"
#: The labels listing's page: an org holds at most 100 labels, so one page in practice.
LABELS_PAGE = 100


class DuplicateLabelError(ConflictError):
    """A label with that name (compared as the API compares names) already exists."""


class LabelInUseError(ConflictError):
    """DELETE refused: agents' settings name the label (``forceDelete`` removes it from them)."""


class LabelLimitError(BadRequestError):
    """The org holds as many labels as it may; the refusal carries the limit."""

    limit: int | None = None


@dataclass(frozen=True, slots=True)
class UtilizationLabel:
    id: str
    name: str


def user_path(user_id: str) -> str:
    return f"/api/v2/routing/users/{_q(user_id)}/utilization"


# -- wire <-> domain -----------------------------------------------------------------------


def decode_utilization(data: Any, *, level: Level | None = None) -> Utilization:
    """An ``AgentMaxUtilizationResponse`` (its ``level`` says whose setting it is) or, with
    ``level``, a ``UtilizationResponse`` (the org default, which has none)."""
    if not isinstance(data, dict):
        raise ShapeError(f"expected a utilization object, got {type(data).__name__}")
    read_level = data.get("level") if level is None else level
    if read_level not in (AGENT, ORGANIZATION):
        raise ShapeError(f"utilization level {read_level!r} is neither {AGENT} nor {ORGANIZATION}")
    media_raw = _mapping(data, "utilization")
    media: dict[str, MediaUtilization] = {}
    for mt, raw in media_raw.items():
        # every type is kept, one this version does not know too (e.g. a newer ``workitem``): a
        # merged PUT that left it out would reset it to the org default
        media[mt] = _media(mt, raw)
    labels: dict[str, LabelUtilization] = {}
    names: dict[str, str] = {}
    for lid, raw in _mapping(data, "labelUtilizations").items():
        labels[lid] = _label_utilization(lid, raw)
        if isinstance(raw.get("labelName"), str):
            names[lid] = raw["labelName"]
    calls = data.get("maxInboundCalls")
    if calls is not None and not is_int(calls):
        raise ShapeError("maxInboundCalls is not an integer")
    return Utilization(media=media, labels=labels, level=read_level, max_inbound_calls=calls, label_names=names)


def encode_utilization(setting: Utilization) -> dict[str, Any]:
    """The ``UtilizationRequest`` body that makes ``setting`` the whole setting (lists sorted, so
    the same setting is always the same bytes)."""
    body: dict[str, Any] = {
        "utilization": {
            mt: {
                "maximumCapacity": m.maximum_capacity,
                "interruptableMediaTypes": sorted(m.interruptable_media_types),
                "includeNonAcd": m.include_non_acd,
            }
            for mt, m in sorted(setting.media.items())
        },
        "labelUtilizations": {
            lid: {"maximumCapacity": x.maximum_capacity, "interruptingLabelIds": sorted(x.interrupting_label_ids)} for lid, x in sorted(setting.labels.items())
        },
    }
    if setting.max_inbound_calls is not None:
        body["maxInboundCalls"] = setting.max_inbound_calls
    return body


def encode_label_utilization(x: LabelUtilization) -> dict[str, Any]:
    return {"maximumCapacity": x.maximum_capacity, "interruptingLabelIds": sorted(x.interrupting_label_ids)}


def decode_label(data: Any) -> UtilizationLabel:
    """A ``UtilizationLabel``: an id and a name."""
    obj = json_object(data, needs=("id", "name"))
    if not isinstance(obj["name"], str):
        raise ShapeError("label whose 'name' is not a string")
    return UtilizationLabel(obj["id"], obj["name"])


def decode_label_agents(data: Any) -> tuple[str, ...]:
    """``GET .../labels/{id}/agents``: a bare JSON array (the SDK types it ``list[object]``);
    each entry an object with the user's ``id``, or the id itself."""
    if not isinstance(data, list):
        raise ShapeError(f"expected a JSON array of agents, got {type(data).__name__}")
    ids: list[str] = []
    for entry in data:
        uid = entry.get("id") if isinstance(entry, dict) else entry
        if not isinstance(uid, str) or not uid:
            raise ShapeError("agent entry without a string id")
        ids.append(uid)
    return tuple(ids)


def same_label_name(a: str, b: str) -> bool:
    """Names compared as the API is assumed to compare them: ignoring case (the conservative
    reading: 'VIP' exists, so 'vip' is not created beside it)."""
    return a.casefold() == b.casefold()


# -- calls ---------------------------------------------------------------------------------


async def get_user_utilization(client: GenesysClient, user_id: str) -> Utilization:
    resp = await client.request("GET", user_path(user_id), shape=decode_utilization)
    result: Utilization = resp.data
    return result


async def put_user_utilization(client: GenesysClient, user_id: str, setting: Utilization) -> Utilization:
    """PUT ``setting`` as the user's whole setting; returns the setting the API answers with.

    A PUT is idempotent (same body, same result), so a retried one is harmless."""
    resp = await client.request("PUT", user_path(user_id), json=encode_utilization(setting), shape=_showing(setting, AGENT))
    result: Utilization = resp.data
    return result


async def delete_user_utilization(client: GenesysClient, user_id: str) -> None:
    """Back to the org default."""
    await client.request("DELETE", user_path(user_id), no_content=True)


async def write_user_utilization(client: GenesysClient, user_id: str, write: UtilizationWrite) -> Utilization | None:
    """Send what ``domain.utilization.merge`` decided: nothing, a DELETE or a PUT. Returns the
    PUT's answer (None otherwise)."""
    if isinstance(write, NothingToDo):
        return None
    if isinstance(write, DeleteToInherit):
        await delete_user_utilization(client, user_id)
        return None
    assert isinstance(write, PutSetting)
    return await put_user_utilization(client, user_id, write.body)


async def get_org_utilization(client: GenesysClient) -> Utilization:
    resp = await client.request("GET", ORG_PATH, shape=lambda d: decode_utilization(d, level=ORGANIZATION))
    result: Utilization = resp.data
    return result


async def put_org_utilization(client: GenesysClient, setting: Utilization) -> Utilization:
    """Replaces the org default (omitted media types take the system default's values)."""
    resp = await client.request("PUT", ORG_PATH, json=encode_utilization(setting), shape=_showing(setting, ORGANIZATION))
    result: Utilization = resp.data
    return result


async def list_labels(client: GenesysClient, *, name: str | None = None) -> list[UtilizationLabel]:
    """Every label (or those ``name`` matches: exact ignoring case, ``*`` a wildcard), by name."""
    params = {"name": name} if name else None
    return [decode_label(e) async for page in client.iter_pages(LABELS_PATH, params=params, page_size=LABELS_PAGE) for e in page.entities]


async def find_label(client: GenesysClient, name: str) -> UtilizationLabel | None:
    """The label named ``name`` as the API compares names, or None. Label names cannot hold
    ``*``, so the name filter asks for exactly this name."""
    return next((x for x in await list_labels(client, name=name) if same_label_name(x.name, name)), None)


async def get_label(client: GenesysClient, label_id: str) -> UtilizationLabel:
    resp = await client.request("GET", f"{LABELS_PATH}/{_q(label_id)}", shape=decode_label)
    result: UtilizationLabel = resp.data
    return result


async def create_label(client: GenesysClient, name: str, *, utilization: LabelUtilization | None = None) -> UtilizationLabel:
    """POST a label (with its org-level utilization, if given), never re-sent blind: after a lost
    answer the name is looked up and the label found adopted (``createonce``)."""
    return await create_once(
        lambda: _post_label(client, name, utilization), lambda: find_label(client, name), what=f"label {name!r}", rounds=client.config.max_attempts
    )


async def _post_label(client: GenesysClient, name: str, utilization: LabelUtilization | None) -> UtilizationLabel:
    body: dict[str, Any] = {"name": name}
    if utilization is not None:
        body["utilization"] = encode_label_utilization(utilization)
    try:
        resp = await client.request("POST", LABELS_PATH, json=body, shape=named_echo(name), once=True)
    except (ConflictError, BadRequestError) as exc:
        raise _create_refusal(exc) from None
    try:
        return decode_label(resp.data)
    except ShapeError as exc:
        error = MalformedResponseError(resp.status, f"malformed response: {exc}", correlation_id=resp.correlation_id, method="POST", path=LABELS_PATH)
        error.attempts = resp.attempts
        raise error from None


async def rename_label(client: GenesysClient, label_id: str, name: str) -> UtilizationLabel:
    try:
        resp = await client.request("PUT", f"{LABELS_PATH}/{_q(label_id)}", json={"name": name}, shape=_renamed(label_id, name))
    except (ConflictError, BadRequestError) as exc:
        raise _retyped(DuplicateLabelError, exc) if is_duplicate_name(exc) else exc from None
    result: UtilizationLabel = resp.data
    return result


async def delete_label(client: GenesysClient, label_id: str, *, force: bool = False) -> None:
    """Without ``force`` a label agents use is refused (``LabelInUseError``); with it, the label
    leaves every setting that names it."""
    try:
        await client.request("DELETE", f"{LABELS_PATH}/{_q(label_id)}", params={"forceDelete": True} if force else None, no_content=True)
    except (ConflictError, BadRequestError) as exc:
        raise _retyped(LabelInUseError, exc) if is_in_use(exc) else exc from None


async def label_agents(client: GenesysClient, label_id: str) -> tuple[str, ...]:
    """Ids of the users whose own setting names the label."""
    resp = await client.request("GET", f"{LABELS_PATH}/{_q(label_id)}/agents", shape=decode_label_agents)
    result: tuple[str, ...] = resp.data
    return result


# -- what a write's answer must show (client.echo) -----------------------------------------


def shows(written: Utilization, answered: Utilization) -> list[str]:
    """What of ``written`` the answer does not show: each media type and label written, and the
    inbound call cap when one was written. Types the answer adds (the API's defaults) are not compared."""
    wrong = [f"utilization.{mt}" for mt, m in written.media.items() if answered.media.get(mt) != m]
    wrong += [f"labelUtilizations.{lid}" for lid, x in written.labels.items() if answered.labels.get(lid) != x]
    if written.max_inbound_calls is not None and answered.max_inbound_calls != written.max_inbound_calls:
        wrong.append("maxInboundCalls")
    return wrong


def _showing(written: Utilization, level: Level) -> Shape:
    """A utilization PUT answers the setting: at the level written (the user's own, or the org's),
    showing every value written."""

    def check(data: Any) -> Utilization:
        answered = decode_utilization(data, level=ORGANIZATION if level == ORGANIZATION else None)
        if answered.level != level:
            raise ShapeError(f"utilization answered at level {answered.level!r}, not {level!r}")
        wrong = shows(written, answered)
        if wrong:
            raise ShapeError(f"utilization answer does not show what was written at {', '.join(wrong[:5])}")
        return answered

    return check


def _renamed(label_id: str, name: str) -> Shape:
    def check(data: Any) -> UtilizationLabel:
        named_echo(name, entity_id=label_id)(data)
        return decode_label(data)

    return check


# -- helpers -------------------------------------------------------------------------------


def _mapping(data: Mapping[str, Any], key: str) -> dict[str, dict[str, Any]]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ShapeError(f"{key} is not an object of objects")
    return value


def _capacity(where: str, raw: Mapping[str, Any]) -> int:
    cap = raw.get("maximumCapacity")
    if not isinstance(cap, int) or isinstance(cap, bool):
        raise ShapeError(f"{where}: maximumCapacity is not an integer")
    return cap


def _strings(where: str, value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ShapeError(f"{where} is not a list of strings")
    return frozenset(value)


def _media(mt: str, raw: Mapping[str, Any]) -> MediaUtilization:
    non_acd = raw.get("includeNonAcd", False)
    if not isinstance(non_acd, bool):
        raise ShapeError(f"utilization.{mt}.includeNonAcd is not a boolean")
    return MediaUtilization(
        _capacity(f"utilization.{mt}", raw), _strings(f"utilization.{mt}.interruptableMediaTypes", raw.get("interruptableMediaTypes")), non_acd
    )


def _label_utilization(lid: str, raw: Mapping[str, Any]) -> LabelUtilization:
    return LabelUtilization(
        _capacity(f"labelUtilizations.{lid}", raw), _strings(f"labelUtilizations.{lid}.interruptingLabelIds", raw.get("interruptingLabelIds"))
    )


def _retyped(cls: type[ApiError], exc: ApiError) -> ApiError:
    """``exc`` as the more precise ``cls``: same status, code, message and request."""
    out = cls(exc.status, exc.message, code=exc.code, correlation_id=exc.correlation_id, method=exc.method, path=exc.path, body=exc.body)
    out.attempts = exc.attempts
    return out


def _create_refusal(exc: ApiError) -> ApiError:
    """A create's refusal typed: the duplicate name (409, or a 400 saying so), the label limit (a 400
    with a ``limit``), or as it came."""
    limited = _limit_error(exc) if isinstance(exc, BadRequestError) else exc
    if limited is not exc:
        return limited
    return _retyped(DuplicateLabelError, exc) if is_duplicate_name(exc) else exc


def _limit_error(exc: BadRequestError) -> ApiError:
    """A 400 whose body carries a ``limit`` is the org's label limit; any other 400 stays as it is."""
    try:
        body = orjson.loads(exc.body) if exc.body else None
    except orjson.JSONDecodeError:
        body = None
    limit = body.get("limit") if isinstance(body, dict) else None
    if not isinstance(limit, dict):
        return exc
    out = _retyped(LabelLimitError, exc)
    assert isinstance(out, LabelLimitError)
    value = limit.get("value")
    out.limit = value if is_int(value) else None
    return out


def _q(segment: str) -> str:
    return quote(segment, safe="")
