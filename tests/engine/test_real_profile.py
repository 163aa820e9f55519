"""A reorganization against the simulator's realistic profile (``--profile real``): fixed rate window,
5xx, latency, another administrator, dropped expansions, lagging reads and spurious 409s at once."""

from __future__ import annotations

import json

from helpers.engine import email, run_spec

from bulkops.engine.run.options import RunOptions

USERS = 120


async def test_a_reorganization_lands_whole_on_a_realistic_org(real_sim, tmp_path):
    s = real_sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    sales = s.skill_ids_by_name()["Sales"]
    users = [{"user": email(i), "skills": {"Billing": 1 + i % 5}, "removeSkills": ["Sales"], "department": "Reorg"} for i in range(USERS)]
    spec = tmp_path / "job.json"
    spec.write_text(json.dumps({"version": 1, "mode": "merge", "users": users}))

    # 1.2 s between a 409 and the re-fetch: longer than the profile's 0.5 s read lag and 1 s conflict window.
    setup, result, _ = await run_spec(real_sim, spec, tmp_path / "state", rps=200, options=RunOptions(workers=8, conflict_delay=1.2))

    assert result.error is None
    outcomes = result.counters.outcomes
    assert outcomes["applied"] + outcomes["unchanged"] + outcomes["reconciliation"] == USERS
    billing = s.skill_ids_by_name()["Billing"]
    queued = (
        {line["user_id"] for line in map(json.loads, setup.paths.reconciliation.read_text().splitlines())} if setup.paths.reconciliation.exists() else set()
    )
    for i in range(USERS):
        u = s.user(by_email[email(i)])
        if u["id"] in queued:
            continue  # handed to a person, never half-applied silently
        held = {x["id"]: x["proficiency"] for x in u["skills"]}
        assert held[billing] == 1 + i % 5 and sales not in held and u["department"] == "Reorg"
    assert len(queued) <= 3
