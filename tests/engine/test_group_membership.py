"""Queue membership through a group: bulkops manages direct membership only, and says so.

A user who is a member of a queue through a group stays a member after a direct removal
(``POST .../members?delete=true`` leaves it in place), so a leave asked for such a user ends
``failed`` naming the group, never ``applied``; ``plan`` shows it before anything is sent.
"""

from __future__ import annotations

from helpers.engine import client_for, email, run_spec
from test_reorg import write_json

from bulkops.engine.plan.planjob import make_plan
from bulkops.engine.setup.job import check_locally, resolve_against_org
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson


async def test_a_leave_through_a_group_fails_naming_the_group_and_plan_says_so_first(sim, tmp_path):
    s = sim.sim
    s.reset(SimConfig(users=60, seed=4))
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    queue = s.queue_ids_by_name()["Billing"]
    direct = [by_email[email(i)] for i in range(0, 4)]
    grouped = [by_email[email(i)] for i in range(4, 8)]
    both = by_email[email(8)]
    s.org.add_members(s.org.queue(queue), [*direct, both])
    s.add_member_group(queue, "Tier 2", [*grouped, both])
    leavers = [email(i) for i in range(0, 9)]
    spec = write_json(tmp_path / "leave.json", [{"user": e, "leaveQueues": ["Billing"]} for e in leavers])

    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        plan = await make_plan(client, await resolve_against_org(client, opened))
    warning = " ".join(plan.warnings())
    assert "5 queue leave(s) cannot be done" in warning and "through group 'Tier 2'" in warning

    setup, result, _ = await run_spec(sim, spec, tmp_path / "state")
    outcomes = {r["user_id"]: r for r in read_ndjson(setup.paths.audit)}
    for uid in direct:
        assert outcomes[uid]["outcome"] == "applied" and uid not in s.queue_member_ids(queue)
    for uid in [*grouped, both]:
        assert outcomes[uid]["outcome"] == "failed", "a leave bulkops cannot do must never be reported applied"
        assert "member of 'Billing' through group 'Tier 2'; remove the user from that group" in outcomes[uid]["reason"]
        assert uid in s.queue_member_ids(queue)  # still routed to through the group
    assert both not in s.org.queue(queue).members  # its direct membership was removed all the same
    queued = {r["user_id"] for r in read_ndjson(setup.paths.reconciliation)}
    assert queued == {*grouped, both}
