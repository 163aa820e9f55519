"""Skill groups as routing sees them: who is a member now, and the queues that reach agents through one.

A skill group's members are derived, never stored: the active users whose current skills and
languages satisfy its conditions (``skilldefs.matches``), so a skill write moves a user in or
out at once. A queue's ``memberGroups`` entry of type SKILLGROUP makes those users members of
the queue *through the group* (``memberBy: group``), next to its direct members, as the SDK's
``Queue.memberGroups`` says: "Queue membership will update to match group membership changes".
GROUP and TEAM member groups keep the members they were given (the simulator has no groups API).

Sources and guesses: docs/simulator.md ("Skill groups and derived queue membership").
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from bulkops.simulator.model import skilldefs
from bulkops.simulator.model.org import MemberGroup, now_iso

if TYPE_CHECKING:
    from bulkops.simulator.model.org import Org, Queue, User


def members(org: Org, group: skilldefs.SkillGroup) -> list[User]:
    """The group's members now, by name (then id), as its member listing orders them."""
    found = [u for u in org.users.values() if skilldefs.matches(org, u, group.conditions)]
    found.sort(key=lambda u: (u.name.lower(), u.id))
    return found


def group_members(org: Org, group: MemberGroup) -> set[str]:
    """A queue member group's users: a skill group's evaluated now (none once the skill group is
    deleted), a plain group's or team's as given."""
    if group.type != "SKILLGROUP":
        return group.members
    sg = org.skilldefs.groups.get(group.id)
    if sg is None:
        return set()
    return {u.id for u in org.users.values() if skilldefs.matches(org, u, sg.conditions)}


def derived_members(org: Org, queue: Queue) -> dict[str, MemberGroup]:
    """Members through a member group (user id -> the first group that makes them one)."""
    out: dict[str, MemberGroup] = {}
    for group in queue.member_groups:
        for uid in group_members(org, group):
            out.setdefault(uid, group)
    return out


def all_members(org: Org, queue: Queue) -> set[str]:
    """Every member, direct or through a group: what ``memberCount`` counts and routing sees."""
    if not queue.member_groups:
        return set(queue.members)
    return set(queue.members) | set(derived_members(org, queue))


def attach(org: Org, queue_id: str, group_id: str) -> MemberGroup:
    """Make skill group ``group_id`` a member group of the queue (what a queue PUT naming it does)."""
    q = org.queue(queue_id)
    sg = org.skilldefs.group(group_id)
    existing = next((g for g in q.member_groups if g.id == sg.id), None)
    if existing is not None:
        return existing
    ref = MemberGroup(sg.id, sg.name, set(), "SKILLGROUP")
    q.member_groups.append(ref)
    q.date_modified = now_iso()
    return ref


# ---------------------------------------------------------------------- the realistic profile
#: Skill groups ``routing_picture`` seeds, by catalogue names: (group, conditions, queue it feeds).
#: Skipped where the org lacks a skill, language or queue a line names (small orgs).
PICTURE: tuple[tuple[str, list[dict[str, Any]], str], ...] = (
    (
        "Billing experts",
        [{"operation": "And", "routingSkillConditions": [{"routingSkill": "Billing", "comparator": "GreaterThanOrEqualTo", "proficiency": 3}]}],
        "Billing",
    ),
    (
        "Spanish speakers",
        [{"operation": "Or", "languageSkillConditions": [{"languageSkill": "Spanish", "comparator": "GreaterThanOrEqualTo", "proficiency": 2}]}],
        "Support ES",
    ),
    (
        "Retention seniors",
        [
            {
                "operation": "And",
                "routingSkillConditions": [
                    {"routingSkill": "Retention", "comparator": "GreaterThanOrEqualTo", "proficiency": 4},
                    {"routingSkill": "Sales", "comparator": "GreaterThan", "proficiency": 1},
                ],
            }
        ],
        "Retention",
    ),
)
#: Share of users on queue now in a seeded org (a guess: a daytime shift of an org's agents).
ON_QUEUE_SHARE = 0.4
ON_QUEUE_STATUSES = ("IDLE", "IDLE", "INTERACTING", "COMMUNICATING", "NOT_RESPONDING")


def seed_picture(org: Org) -> None:
    """A few skill groups feeding queues, and routing statuses (who is on queue now), from the
    org's seed with a generator of their own, so every other seeded value stays as it was."""
    rng = random.Random(f"routing-picture:{org.seed}")
    skills = {s.name for s in org.skills.values()}
    languages = {x.name for x in org.languages.values()}
    queues = {q.name: q.id for q in org.queues.values()}
    for name, conditions, queue in PICTURE:
        named = set(skilldefs.skill_names(conditions))
        spoken = {t["languageSkill"] for c in conditions for t in c.get("languageSkillConditions", [])}
        if not named <= skills or not spoken <= languages or queue not in queues:
            continue
        group = org.skilldefs.add_group(
            org, name=name, conditions=skilldefs.parse_conditions(org, conditions), division_id=org.home_division().id, description="", now=now_iso()
        )
        attach(org, queues[queue], group.id)
    for uid in org.sorted_user_ids:
        if rng.random() < ON_QUEUE_SHARE:
            org.routing_status[uid] = rng.choice(ON_QUEUE_STATUSES)
