"""``GET /api/v2/organizations/me``: the org the caller's OAuth client belongs to.

Shape: the official SDK's ``Organization`` model (models/organization.py; ``OrganizationApi.get_organizations_me``).
The id and name are derived from the seed, so one seed is one org (stable across resets, saves
and restarts) and two seeds are two orgs. ``other_org_clients`` (a knob) names clients of the
simulator that answer as clients of ANOTHER org: a pool given a client of the wrong org, which
only this endpoint can show (every other endpoint still serves the one seeded org).
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from bulkops.simulator.auth import client_of_request
from bulkops.simulator.httputil import json_response, sim_of

PATH = "/api/v2/organizations/me"
#: The org a client named in ``other_org_clients`` belongs to: the org of this seed offset.
OTHER_ORG_OFFSET = 1_000_003
_NAMESPACE = uuid.UUID("6f1c9a52-3f0e-4c1e-9d7b-2b9a8f1e5c00")
_BRANDS = ("Northwind", "Contoso", "Fabrikam", "Tailspin", "Wingtip", "Litware", "Adatum", "Proseware")


def org_name(seed: int) -> str:
    """``Contoso Contact Centre 7``: readable, and distinct per seed."""
    return f"{_BRANDS[seed % len(_BRANDS)]} Contact Centre {seed}"


def organization(seed: int) -> dict[str, Any]:
    """The SDK's ``Organization`` for the org of ``seed`` (every field the model names)."""
    org_id = str(uuid.uuid5(_NAMESPACE, f"org:{seed}"))
    slug = f"{_BRANDS[seed % len(_BRANDS)].lower()}-cc-{seed}"
    return {
        "id": org_id,
        "name": org_name(seed),
        "defaultLanguage": "en-us",
        "defaultCountryCode": "US",
        "thirdPartyOrgName": slug,
        "thirdPartyURI": f"https://{slug}.example.com",
        "domain": slug,
        "features": {"purecloud": True, "realtimeCIC": False},
        "version": 1,
        "state": "active",
        "defaultSiteId": str(uuid.uuid5(_NAMESPACE, f"site:{seed}")),
        "supportURI": "https://help.mypurecloud.com",
        "voicemailEnabled": True,
        "productPlatform": "GenesysCloud",
        "selfUri": PATH,
    }


async def organizations_me(request: web.Request) -> web.Response:
    sim = sim_of(request)
    seed = sim.org.seed
    if client_of_request(request, "") in sim.config.other_org_clients:
        seed += OTHER_ORG_OFFSET
    return json_response(organization(seed))


def register(app: web.Application) -> None:
    app.router.add_get(PATH, organizations_me)
