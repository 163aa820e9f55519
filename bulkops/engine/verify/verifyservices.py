"""The audit services ``verify`` queries, from the platform's service mapping (#27 §4).

A platform that does not serve the mapping (404), answers it malformed or refuses it as a bad
request leaves the default services (``auditservices.DEFAULT_SERVICES``); a missing permission
(403) is the same refusal the audit queries would meet, so it is raised as they would raise it.
"""

from __future__ import annotations

import structlog

from bulkops.client.api import GenesysClient
from bulkops.client.endpoints.audits import service_mapping
from bulkops.domain.auditservices import ServiceChoice, choose_services
from bulkops.errors import BadRequestError, MalformedResponseError, NotFoundError

log = structlog.get_logger("bulkops.verify")


async def audit_services(client: GenesysClient) -> ServiceChoice:
    """The services to query, chosen from the mapping; logged when it leaves some writes unaudited."""
    try:
        mapping = await service_mapping(client)
    except (NotFoundError, BadRequestError, MalformedResponseError) as exc:
        log.warning("verify.service_mapping_unread", error=str(exc), services=list(choose_services(None).services))
        return choose_services(None)
    choice = choose_services(mapping)
    if choice.missing:
        log.warning("verify.unaudited_entity_types", entity_types=list(choice.missing), detail="no audit service lists them: their writes cannot be verified")
    return choice
