"""``verify`` chooses its audit services from the platform's service mapping (#27 §4), over HTTP: a
platform that audits skills and skill groups under another service name is still covered, which the
three services verify used to assume would not be."""

from __future__ import annotations

import pytest
from helpers.clients import client_for
from test_verify import FAST, reorg, run_job, verify, write_json

from bulkops.client.endpoints.audits import service_mapping
from bulkops.domain.auditservices import DEFAULT_SERVICES, WRITTEN, AuditService, ServiceChoice, choose_services
from bulkops.domain.verification import Verification
from bulkops.engine.verify import verifyrun
from bulkops.engine.verify.verifyrun import Pending

MOVED = {"RoutingSkill": "RoutingSkills", "SkillGroup": "RoutingSkills"}


async def test_a_skill_created_under_another_audit_service_is_still_verified(sim, tmp_path):
    s = sim.sim
    s.configure(audit_delay_seconds=0.0, audit_query_seconds=0.05, audit_entity_services=MOVED)
    async with client_for(sim) as client:
        mapping = {x.name: x for x in await service_mapping(client)}
    assert "RoutingSkill" in mapping["RoutingSkills"].entities and "RoutingSkill" not in mapping["Routing"].entities
    spec = write_json(tmp_path / "reorg.json", reorg(sim), version=2, skills=[{"create": "Crypto Care"}])
    setup, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete"
    v = await verify(sim, setup)
    assert isinstance(v, Verification) and v.verified, v.to_json()
    assert "skill_create" in {f.op for o in v.owners for f in o.confirmed}
    assert v.extra["services_queried"] == ["Directory", "PeoplePermissions", "Routing", "RoutingSkills"]
    assert v.extra["services_from_mapping"] is True and v.extra["entity_types_unaudited"] == []


async def test_the_three_assumed_services_miss_that_skill(sim, tmp_path, monkeypatch):
    """What #27 §4 fixes: the fixed services never see a skill audited under another name, so verify
    takes the platform's audit for one that has not caught up (exit 11, and again, for ever)."""
    s = sim.sim
    s.configure(audit_delay_seconds=0.0, audit_query_seconds=0.05, audit_entity_services=MOVED)
    spec = write_json(tmp_path / "new.json", [], version=2, skills=[{"create": "Crypto Care"}])
    setup, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete"

    async def assumed(client):
        return ServiceChoice(DEFAULT_SERVICES)

    monkeypatch.setattr(verifyrun, "audit_services", assumed)
    v = await verify(sim, setup, FAST)
    assert isinstance(v, Pending) and "shows nothing" in v.reason


@pytest.mark.parametrize(
    ("mapping", "services", "missing", "from_mapping"),
    [
        (None, DEFAULT_SERVICES, (), False),
        ([], DEFAULT_SERVICES, tuple(sorted(WRITTEN)), False),
        ([AuditService("Presence", {"UserPresence": ("Update",)})], DEFAULT_SERVICES, tuple(sorted(WRITTEN)), False),
        (
            [
                AuditService("Directory", {"User": ("Update",), "Group": ("Create",)}),
                AuditService("Groups", {"User": ("Create",)}),  # lists User, but no action bulkops causes
                AuditService("Routing", {"Queue": (), "AgentRoutingInfo": ("Update",)}),  # no actions listed: counted
                AuditService("RoutingSkills", {"RoutingSkill": ("Delete",)}),
            ],
            ("Directory", "Routing", "RoutingSkills"),
            ("MaxOrgRoutingUtilizationCapacity", "RoutingUtilizationTag", "SkillGroup"),
            True,
        ),
    ],
)
def test_services_are_chosen_from_the_mapping(mapping, services, missing, from_mapping):
    choice = choose_services(mapping)
    assert (choice.services, choice.missing, choice.from_mapping) == (services, missing, from_mapping)
