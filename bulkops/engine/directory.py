"""Build the ``OrgDirectory`` the spec resolves against, from the real paged listings (reads only)."""

from __future__ import annotations

from bulkops.client.api import GenesysClient
from bulkops.spec.resolve import OrgDirectory

CATALOGUE_PAGE = 100


async def build_directory(client: GenesysClient, *, page_size: int = 500) -> OrgDirectory:
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
    async for page in client.iter_users(expand=(), page_size=page_size):
        for user in page.entities:
            directory.users.add(user["id"], user.get("email"), user.get("username"))
    return directory
