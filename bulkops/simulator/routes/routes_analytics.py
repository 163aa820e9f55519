"""Queue analytics: the queue observations and conversation aggregates queries (queue_analytics.py).

Both need an analytics view permission; while ``analytics_forbidden`` they answer 403 as the
routing activity query does (the role lacks the analytics permissions).
"""

from __future__ import annotations

from aiohttp import web

from bulkops.simulator.errors import SimApiError
from bulkops.simulator.httputil import json_body, json_response, sim_of
from bulkops.simulator.model.analytics import queues as queue_analytics
from bulkops.simulator.routes.routes_skillgroups import MISSING_PERMISSIONS

OBSERVATIONS_PATH = "/api/v2/analytics/queues/observations/query"
AGGREGATES_PATH = "/api/v2/analytics/conversations/aggregates/query"


def _check_permission(request: web.Request, permission: str) -> None:
    if sim_of(request).config.analytics_forbidden:
        raise SimApiError(403, MISSING_PERMISSIONS, f"You are missing the following permission(s): [{permission}]")


async def observations_query(request: web.Request) -> web.Response:
    """``QueueObservationQueryResponse`` for the queues the filter names."""
    _check_permission(request, "analytics:queueObservation:view")
    query = queue_analytics.parse_observation_query(await json_body(request))
    return json_response(queue_analytics.observation_response(sim_of(request).queue_time, query))


async def aggregates_query(request: web.Request) -> web.Response:
    """``ConversationAggregateQueryResponse`` for a past interval, grouped by queue."""
    _check_permission(request, "analytics:conversationAggregate:view")
    query = queue_analytics.parse_aggregate_query(await json_body(request))
    return json_response(queue_analytics.aggregate_response(sim_of(request).queue_time, query))


def register(app: web.Application) -> None:
    app.router.add_post(OBSERVATIONS_PATH, observations_query)
    app.router.add_post(AGGREGATES_PATH, aggregates_query)
