"""Which audit services ``verify`` queries: chosen from the platform's own service mapping.

An audit query names one service. bulkops used to assume ``Directory``, ``PeoplePermissions`` and
``Routing``; a platform that audits, say, skills under another service name would leave those writes
unverifiable ("missing" though made). So the services are chosen from ``GET /api/v2/audits/query/servicemapping``
(``AuditQueryServiceMapping``: services, each with its entity types and their actions): every service
listing an entity type bulkops writes, with one of the actions it causes. Pure; the read is the client's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The services assumed when the mapping cannot be read (and before #27 §4, always).
DEFAULT_SERVICES: tuple[str, ...] = ("Directory", "PeoplePermissions", "Routing")
#: What a bulkops job writes, as the audit names it: entity type -> the actions its writes cause
#: (the simulator's audit subjects, simulator/model/audit/subjects.py; the real names are guesses).
WRITTEN: Mapping[str, tuple[str, ...]] = {
    "User": ("Update", "Move"),
    "AgentRoutingInfo": ("Update",),
    "Queue": ("Update", "MemberAdd", "MemberRemove", "MemberUpdate", "WrapupCodeAdd", "WrapupCodeRemove"),
    "RoutingSkill": ("Create", "Update", "Delete"),
    "SkillGroup": ("Create", "Update", "Delete"),
    "RoutingUtilizationTag": ("Create", "Update", "Delete"),
    "MaxOrgRoutingUtilizationCapacity": ("Update",),
}


@dataclass(frozen=True, slots=True)
class AuditService:
    """One service of the mapping: its entity types and each one's actions."""

    name: str
    entities: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServiceChoice:
    """The services to query, the entity types bulkops writes that no service lists (their writes
    cannot be verified), and whether the choice came from the platform's mapping."""

    services: tuple[str, ...]
    missing: tuple[str, ...] = ()
    from_mapping: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"services_queried": list(self.services), "services_from_mapping": self.from_mapping, "entity_types_unaudited": list(self.missing)}


def _acts(listed: tuple[str, ...], needed: tuple[str, ...]) -> bool:
    """A service's entity covers bulkops's writes when it lists one of their actions (or lists none)."""
    return not listed or bool(set(listed) & set(needed))


def choose_services(mapping: Sequence[AuditService] | None) -> ServiceChoice:
    """The services of ``mapping`` that audit what bulkops writes, in the mapping's order; without a
    mapping (None) or when it lists nothing bulkops writes, ``DEFAULT_SERVICES``."""
    if mapping is None:
        return ServiceChoice(DEFAULT_SERVICES)
    chosen = [s.name for s in mapping if any(t in WRITTEN and _acts(a, WRITTEN[t]) for t, a in s.entities.items())]
    covered = {t for s in mapping if s.name in chosen for t in s.entities}
    missing = tuple(sorted(set(WRITTEN) - covered))
    if not chosen:
        return ServiceChoice(DEFAULT_SERVICES, missing, from_mapping=False)
    return ServiceChoice(tuple(dict.fromkeys(chosen)), missing, from_mapping=True)
