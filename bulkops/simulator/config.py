"""The simulator's configuration: org size, seed, and the fault/limit knobs."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Knobs that may change at runtime (``Simulator.configure`` / ``POST /__sim/config``).
#: Org sizes and the seed are not among them: changing those means a new org (reset).
RUNTIME_KNOBS = frozenset(
    {
        "rps",
        "rate_per_minute",
        "rate_mode",
        "route_limit_prefix",
        "route_rate_per_minute",
        "error_rate",
        "latency_ms",
        "token_ttl",
        "cursor_ttl",
        "conflict_rate",
        "always_conflict",
        "credentials_revoked",
        "revoked_clients",
        "expand_drop_rate",
        "read_lag_ms",
        "post_write_conflict_rate",
        "bulk_write_conflict_rate",
        "forbidden_divisions",
        "utilization_label_limit",
        "utilization_edit_rate",
        "queue_admin_edit_rate",
        "always_admin_edit_queues",
        "analytics_forbidden",
        "audit_delay_seconds",
        "audit_query_seconds",
        "audits_forbidden",
        "other_org_clients",
        "refusal_status",
        "activity_observation_limit",
        "audit_entity_services",
        "time_scale",
    }
)


@dataclass(frozen=True)
class SimConfig:
    """Everything that defines a simulator run; same config, same org and same faults."""

    users: int = 200
    skills: int = 40
    languages: int = 8
    queues: int = 10
    divisions: int = 3
    seed: int = 1
    rps: float | None = None
    rate_per_minute: int | None = None
    #: "bucket" (refills continuously) or "fixed" (the count resets when the window ends; with
    #: ``rate_per_minute=300`` the platform's default 300 per 60 s).
    rate_mode: str = "bucket"
    #: A family of routes (a path prefix, e.g. "/api/v2/routing/queues") with a lower allowance of
    #: its own, ``route_rate_per_minute`` per 60 s in ``rate_mode``, on top of the general one.
    route_limit_prefix: str | None = None
    route_rate_per_minute: int | None = None
    error_rate: float = 0.0
    latency_ms: float = 0.0
    token_ttl: int = 86400
    cursor_ttl: float = 3600.0
    conflict_rate: float = 0.0
    always_conflict: frozenset[str] = frozenset()
    #: The OAuth client was deleted or its secret rotated: the token endpoint answers 401
    #: invalid_client and every API call 401, fresh token or not.
    credentials_revoked: bool = False
    #: Client ids among the simulator's own (``credentials``) whose credentials were revoked: as
    #: ``credentials_revoked``, for those clients only (``POST /__sim/revoke-client``).
    revoked_clients: frozenset[str] = frozenset()
    #: Share of expanded users whose ``skills`` (or, independently, ``languages``) are left out
    #: of the users listings: the SDK says expansions are "best effort ... not guaranteed".
    expand_drop_rate: float = 0.0
    #: Eventual consistency (``lag.py``): a read this soon after a write to a user sees the user before it.
    read_lag_ms: float = 0.0
    #: Share of user PATCHes soon after a write to the same user that answer a spurious 409.
    post_write_conflict_rate: float = 0.0
    #: Share of writes carrying no version (any write to a user's skills or languages: the bulk
    #: PATCH/PUT, a DELETE, a single add or update) that answer a spurious 409, changing nothing.
    bulk_write_conflict_rate: float = 0.0
    #: Division ids (or "*" for all) the client's role cannot write users in: 403 on any
    #: write to such a user, as a division-scoped role answers.
    forbidden_divisions: frozenset[str] = frozenset()
    #: Utilization labels an org may hold ("up to 100 labels per organization"); a create beyond it is refused.
    utilization_label_limit: int = 100
    #: Share of reads of a user's utilization that another administrator's change to one media
    #: type's capacity lands just before (recorded in ``/__sim/conflicts``, kind ``utilization``).
    utilization_edit_rate: float = 0.0
    #: Share of single-queue GETs after which another administrator changes one setting of that
    #: queue a bulk job is unlikely to name (queueconfig.ADMIN_EDITABLE) before the reader's next
    #: write; the PUT carries no version, so only a client that re-reads before writing keeps it.
    queue_admin_edit_rate: float = 0.0
    #: Queue ids another administrator changes after every GET (a queue that never settles).
    always_admin_edit_queues: frozenset[str] = frozenset()
    #: The client's role lacks analytics:queueObservation:view: the routing activity query answers 403.
    analytics_forbidden: bool = False
    #: A routing activity query group observing more users than this is answered from the first ones
    #: only and says ``truncated`` (activity.py): a platform that cuts its answer short. None: never.
    activity_observation_limit: int | None = None
    #: Seed a routing picture into a new org (skillgroups.seed_picture): a few skill groups feeding
    #: queues as member groups, and who is on queue now. Part of the org, so not a runtime knob.
    routing_picture: bool = False
    #: Seed conditional group routing rules into the first queues of a new org (cgr.seed): their GET
    #: shows rule 0's queue, which a PUT must not carry back. Part of the org, so not a runtime knob.
    conditional_group_routing: bool = False
    #: Seed an offered load into every queue of a new org (traffic.py), sized to who is on queue then:
    #: what the queue observations and conversation aggregates answer from. Part of the org.
    queue_traffic: bool = False
    #: Simulated seconds per second of the simulator's clock for queue traffic (queuetime/live.py):
    #: 600 makes a minute of the clock ten hours of a queue's life. 1 by default (real time); the
    #: ``routing`` profile's 600 shows a queue losing agents fill up within a 20 s watch.
    time_scale: float = 1.0
    #: Seconds before a write's audit entry can be queried (the platform's audit lags its writes;
    #: docs/simulator.md "The audit trail" says why 90), and an audit query takes to succeed.
    audit_delay_seconds: float = 90.0
    audit_query_seconds: float = 1.0
    #: The client's role lacks audits:audit:view: every /api/v2/audits call answers 403.
    audits_forbidden: bool = False
    #: Entity types the platform audits under another service than the simulator's usual one
    #: (audit_subjects.SERVICES), e.g. ``{"RoutingSkill": "RoutingSkills"}``: recorded, queried and
    #: listed in the service mapping under that service. Given as a mapping; kept as sorted pairs.
    audit_entity_services: tuple[tuple[str, str], ...] = ()
    #: Client ids among the simulator's own whose ``GET /api/v2/organizations/me`` answers another org
    #: (organization.py): a pool given a client of the wrong org, refused before any write.
    other_org_clients: frozenset[str] = frozenset()
    #: The status of the refusals the platform does not publish ("in use", "duplicate name"): 409 (with
    #: their 409 codes) or 400 (with specific codes), refusals.py. Which the real one is, is not known.
    refusal_status: int = 409
    client_id: str = "bulkops-sim"
    client_secret: str = "bulkops-sim-secret"
    #: More OAuth clients of the same org, each with its own tokens and so its own allowance:
    #: ``<client_id>-2``/``<client_id>-2-secret`` ... (``credentials``), for a pool of clients.
    extra_clients: int = 0
    state_file: str | None = None

    def __post_init__(self) -> None:
        for name in ("always_conflict", "forbidden_divisions", "always_admin_edit_queues", "revoked_clients", "other_org_clients"):
            if not isinstance(getattr(self, name), frozenset):
                object.__setattr__(self, name, frozenset(getattr(self, name)))
        if isinstance(self.audit_entity_services, Mapping):
            object.__setattr__(self, "audit_entity_services", tuple(sorted(self.audit_entity_services.items())))
        problem = size_problem(self) or rate_problem(self) or knob_problem(self)
        if problem is not None:
            raise ValueError(problem)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["always_conflict"] = sorted(self.always_conflict)
        out["forbidden_divisions"] = sorted(self.forbidden_divisions)
        out["always_admin_edit_queues"] = sorted(self.always_admin_edit_queues)
        out["revoked_clients"] = sorted(self.revoked_clients)
        out["other_org_clients"] = sorted(self.other_org_clients)
        out["audit_entity_services"] = dict(self.audit_entity_services)
        return out

    @property
    def credentials(self) -> dict[str, str]:
        """Every OAuth client the token endpoint accepts: id -> secret, the first one first."""
        extra = {f"{self.client_id}-{n}": f"{self.client_id}-{n}-secret" for n in range(2, self.extra_clients + 2)}
        return {self.client_id: self.client_secret} | extra

    @property
    def audit_services_moved(self) -> dict[str, str]:
        """``audit_entity_services`` as a mapping: entity type -> the service that audits it."""
        return dict(self.audit_entity_services)

    def revoked(self, client_id: str) -> bool:
        """Are ``client_id``'s credentials refused (all of them, or this one)?"""
        return self.credentials_revoked or client_id in self.revoked_clients

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SimConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
        return cls(**data)

    def with_knobs(self, **knobs: Any) -> SimConfig:
        """A copy with runtime knobs changed; choosing rps clears rate_per_minute and vice versa."""
        unknown = set(knobs) - RUNTIME_KNOBS
        if unknown:
            raise ValueError(f"not runtime knobs: {', '.join(sorted(unknown))}")
        if knobs.get("rps") is not None and "rate_per_minute" not in knobs:
            knobs["rate_per_minute"] = None
        if knobs.get("rate_per_minute") is not None and "rps" not in knobs:
            knobs["rps"] = None
        return dataclasses.replace(self, **knobs)


def size_problem(c: SimConfig) -> str | None:
    """What is wrong with the org's sizes, or None."""
    for name in ("users", "skills", "languages", "queues"):
        if getattr(c, name) < 0:
            return f"{name} must be >= 0"
    if c.divisions < 1:
        return "divisions must be >= 1 (the Home division always exists)"
    return None


def rate_problem(c: SimConfig) -> str | None:
    """What is wrong with the allowances (general and a route family's), or None."""
    if c.rps is not None and c.rate_per_minute is not None:
        return "set rps or rate_per_minute, not both"
    if c.rps is not None and c.rps <= 0:
        return "rps must be positive (or None for unlimited)"
    if c.rate_per_minute is not None and c.rate_per_minute <= 0:
        return "rate_per_minute must be positive (or None for unlimited)"
    if c.rate_mode not in ("bucket", "fixed"):
        return "rate_mode must be 'bucket' or 'fixed'"
    if (c.route_limit_prefix is None) != (c.route_rate_per_minute is None):
        return "set route_limit_prefix and route_rate_per_minute together"
    if c.route_rate_per_minute is not None and c.route_rate_per_minute <= 0:
        return "route_rate_per_minute must be positive"
    return None


#: The knobs that are probabilities.
RATES = ("error_rate", "conflict_rate", "expand_drop_rate", "post_write_conflict_rate", "bulk_write_conflict_rate", "queue_admin_edit_rate")


def knob_problem(c: SimConfig) -> str | None:
    """What is wrong with the fault rates, lags, lifetimes, clients and limits, or None."""
    for name in RATES:
        if not 0.0 <= getattr(c, name) <= 1.0:
            return f"{name} must be between 0 and 1"
    if c.latency_ms < 0 or c.read_lag_ms < 0:
        return "latency_ms and read_lag_ms must be >= 0"
    if c.token_ttl <= 0 or c.cursor_ttl <= 0:
        return "token_ttl and cursor_ttl must be positive"
    if c.audit_delay_seconds < 0 or c.audit_query_seconds < 0:
        return "audit_delay_seconds and audit_query_seconds must be >= 0"
    if not 0 <= c.extra_clients <= 99:
        return "extra_clients must be between 0 and 99"
    if c.utilization_label_limit < 0 or not 0.0 <= c.utilization_edit_rate <= 1.0:
        return "utilization_label_limit must be >= 0 and utilization_edit_rate between 0 and 1"
    if c.refusal_status not in (400, 409):
        return "refusal_status must be 400 or 409"
    if not c.time_scale > 0:
        return "time_scale must be positive"
    return None


#: ``bulkops sim serve --profile real`` (and ``profile_config("real")`` in tests): a real org's
#: hard parts switched on at rates a real org plausibly shows. Each knob's source, and which are
#: guesses, is in docs/simulator.md ("A realistic profile").
PROFILES: dict[str, dict[str, Any]] = {
    "real": {
        "rate_mode": "fixed",
        "rate_per_minute": 300,  # the platform's default allowance per OAuth client
        "error_rate": 0.005,  # an occasional 5xx
        "latency_ms": 40.0,
        "conflict_rate": 0.01,  # another administrator now and then
        "expand_drop_rate": 0.02,  # best-effort expand
        "read_lag_ms": 500.0,  # reads lag writes
        "post_write_conflict_rate": 0.05,  # spurious 409 on a user PATCH right after a write
        "conditional_group_routing": True,  # a few queues with conditional group routing rules
    }
}
#: ``--profile routing``: the real profile's knobs, and a routing picture seeded into the org (skill
#: groups feeding queues, agents on queue now) and queue traffic (an offered load per queue, traffic.py). Kept apart from "real" so that profile's org stays the
#: default org (the chaos harness compares it with a plain reference run).
#: Its ``time_scale`` (docs/simulator.md "Queue traffic in simulated time" says why 600): Support ES
#: without its Spanish speakers waits more than 3 conversations within seconds of the clock.
ROUTING_TIME_SCALE = 600.0
PROFILES["routing"] = {**PROFILES["real"], "routing_picture": True, "queue_traffic": True, "time_scale": ROUTING_TIME_SCALE}


def profile_config(name: str, **overrides: Any) -> SimConfig:
    """A ``SimConfig`` with profile ``name``'s knobs, then ``overrides`` (sizes, seed, a faster rate for a test)."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(sorted(PROFILES))}")
    knobs = {**PROFILES[name], **overrides}
    if "rps" in overrides and overrides["rps"] is not None:
        knobs.pop("rate_per_minute", None)
    return SimConfig(**knobs)
