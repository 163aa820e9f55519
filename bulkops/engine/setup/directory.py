"""The org catalogue a spec resolves against (skills, languages, queues, divisions), from the
real paged listings. Users are read separately, once, by ``userread``."""

from __future__ import annotations

from collections.abc import Iterable

from bulkops.client.api import GenesysClient
from bulkops.spec.resolve import OrgDirectory

CATALOGUE_PAGE = 100


CATALOGUES = ("skills", "languages", "queues", "divisions")


async def build_catalogue(client: GenesysClient, needed: Iterable[str] = CATALOGUES) -> OrgDirectory:
    """The catalogues ``needed`` (the others stay empty: the spec names nothing in them)."""
    directory = OrgDirectory()
    wanted = set(needed)
    for name, path, table in (
        ("skills", "/api/v2/routing/skills", directory.skills),
        ("languages", "/api/v2/routing/languages", directory.languages),
        ("queues", "/api/v2/routing/queues", directory.queues),
        ("divisions", "/api/v2/authorization/divisions", directory.divisions),
    ):
        if name not in wanted:
            continue
        async for page in client.iter_pages(path, page_size=CATALOGUE_PAGE):
            for entity in page.entities:
                if entity.get("state", "active") == "active" and entity.get("name"):
                    table[entity["name"]] = entity["id"]
    return directory
