"""A routing picture in the simulator's org for impact tests: a queue fed only by a skill group."""

from __future__ import annotations

from bulkops.simulator import Simulator
from bulkops.simulator.model import skillgroups


def at_least(skill: str, level: int) -> list[dict]:
    """Skill group conditions: ``skill`` at ``level`` or more."""
    return [{"operation": "And", "routingSkillConditions": [{"routingSkill": skill, "comparator": "GreaterThanOrEqualTo", "proficiency": level}]}]


def holders(sim: Simulator, skill: str, level: float) -> list[str]:
    """Active users holding ``skill`` at ``level`` or more: the members of an ``at_least`` group."""
    sid = sim.skill_ids_by_name()[skill]
    return sorted(uid for uid, u in sim.org.users.items() if u.state == "active" and u.skills.get(sid, -1) >= level)


def only_through(sim: Simulator, queue: str, group_name: str, skill: str, level: int) -> tuple[str, list[str]]:
    """A queue whose only members are a skill group's (its direct members removed): its id and members."""
    qid = sim.queue_ids_by_name()[queue]
    sim.org.remove_members(sim.org.queue(qid), list(sim.org.queue(qid).members))
    group = sim.add_skill_group(group_name, at_least(skill, level))
    skillgroups.attach(sim.org, qid, group.id)
    return qid, holders(sim, skill, level)
