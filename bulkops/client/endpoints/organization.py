"""The org an OAuth client belongs to (``GET /api/v2/organizations/me``, the SDK's ``Organization``).

A pool checks that its clients share one org before it writes (``pool.ClientPool.check_one_org``);
a job may record the org it ran in. Only the fields bulkops can use are kept, typed; the others of the
model (features, support URI, ...) are left out rather than carried untyped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bulkops.client.wire import ShapeError, is_int, json_object

ORGANIZATION_PATH = "/api/v2/organizations/me"


@dataclass(frozen=True, slots=True)
class Organization:
    """An org as ``organizations/me`` answers it: ``id`` and ``name`` always, the rest when given."""

    id: str
    name: str
    state: str | None = None
    domain: str | None = None
    third_party_org_name: str | None = None
    default_language: str | None = None
    default_country_code: str | None = None
    product_platform: str | None = None
    version: int | None = None

    def describe(self) -> str:
        """``Contoso Contact Centre 7 (id 1b2c...)``: how an error names the org."""
        return f"{self.name} (id {self.id})"


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ShapeError(f"organization {key!r} is not a string")
    return value


def organization(data: Any) -> Organization:
    """The ``Organization`` in an answer; a ShapeError without a string id and name."""
    obj = json_object(data, needs=("id", "name"))
    if not isinstance(obj["name"], str):
        raise ShapeError("organization 'name' is not a string")
    version = obj.get("version")
    if version is not None and not is_int(version):
        raise ShapeError("organization 'version' is not an integer")
    return Organization(
        id=obj["id"],
        name=obj["name"],
        state=_text(obj, "state"),
        domain=_text(obj, "domain"),
        third_party_org_name=_text(obj, "thirdPartyOrgName"),
        default_language=_text(obj, "defaultLanguage"),
        default_country_code=_text(obj, "defaultCountryCode"),
        product_platform=_text(obj, "productPlatform"),
        version=version,
    )
