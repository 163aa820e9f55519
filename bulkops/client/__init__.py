"""The async Genesys Cloud client: the only way bulkops talks to the API."""

from bulkops.client.api import GenesysClient
from bulkops.client.connect.config import ClientConfig
from bulkops.client.pagination import Page

__all__ = ["ClientConfig", "GenesysClient", "Page"]
