"""The org catalogue a spec resolves against (skills, languages, queues, divisions), from the
real paged listings. Users are read separately, once, by ``userread``."""

from __future__ import annotations

from bulkops.client.api import GenesysClient
from bulkops.spec.resolve import OrgDirectory

CATALOGUE_PAGE = 100


async def build_catalogue(client: GenesysClient) -> OrgDirectory:
    directory = OrgDirectory()
    for path, table in (
        ("/api/v2/routing/skills", directory.skills),
        ("/api/v2/routing/languages", directory.languages),
        ("/api/v2/routing/queues", directory.queues),
        ("/api/v2/authorization/divisions", directory.divisions),
    ):
        async for page in client.iter_pages(path, page_size=CATALOGUE_PAGE):
            for entity in page.entities:
                if entity.get("state", "active") == "active" and entity.get("name"):
                    table[entity["name"]] = entity["id"]
    return directory
