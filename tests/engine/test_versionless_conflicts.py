"""A 409 on a write that carries no version is sent again as it was, with nothing read between,
when that write carries everything the intent names.

Only ``PATCH /api/v2/users/{id}`` carries a version; its 409 needs the user read again. The bulk
skills and languages PATCH and the replace PUT name no version: when the write carries the whole
intent (every skill it names, at the level it names), sending it again puts everything right and
re-reading would cost a request for nothing. When the intent names more (a field, a removal, a
skill already right and so not in the write), the other writer the 409 stands for may have changed
that too: the user is read again (``worker.resend_is_enough``). The simulator's
``bulk_write_conflict_rate`` answers version-less writes a spurious 409 (nothing applied).
"""

from __future__ import annotations

import json
from typing import Any

from helpers.engine import client_for, email

from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson

USERS = 60
GET_USER = "GET /api/v2/users/{userId}"


def write_json(path: Any, users: list[dict[str, Any]], mode: str = "merge") -> Any:
    path.write_text(json.dumps({"version": 1, "mode": mode, "users": users}), encoding="utf-8")
    return path


async def run(sim: Any, spec: Any, state_dir: Any, options: RunOptions) -> tuple[Any, dict[str, Any]]:
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        setup = create_job(await resolve_against_org(client, opened), state_dir=state_dir)
        summary = await execute(client, setup, options=options)
    return setup, summary


def by_route(sim: Any) -> dict[str, dict[str, int]]:
    return {k: v["byStatus"] for k, v in sim.stats()["byRoute"].items()}


def writes(sim: Any) -> tuple[int, int]:
    """(user writes sent, of them answered 409) at the simulator."""
    sent = conflicts = 0
    for route, statuses in by_route(sim).items():
        if route.split(" ")[0] in ("PATCH", "PUT", "DELETE") and " /api/v2/users/" in route:
            sent += sum(statuses.values())
            conflicts += statuses.get("409", 0)
    return sent, conflicts


async def test_a_conflict_on_a_versionless_write_is_re_sent_once_with_no_read(sim, tmp_path):
    sim.sim.reset(SimConfig(users=USERS, seed=13, bulk_write_conflict_rate=0.3))
    s = sim.sim
    ids = s.skill_ids_by_name()
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}

    def other(i: int) -> float:  # a level the user does not hold now: the write carries the whole intent
        held = {x["id"]: x["proficiency"] for x in s.user(by_email[email(i)])["skills"]}
        return next(float(v) for v in (1, 2, 3, 4, 5) if held.get(ids["Billing"]) != v and held.get(ids["Sales"]) != v)

    levels = {i: other(i) for i in range(USERS)}
    users = [{"user": email(i), "skills": {"Billing": levels[i], "Sales": levels[i]}} for i in range(USERS)]
    setup, summary = await run(sim, write_json(tmp_path / "j.json", users), tmp_path / "state", RunOptions(workers=4, conflict_delay=0.0, conflict_attempts=20))

    sent, conflicts = writes(s)
    this = summary["this_run"]
    assert conflicts > 5, "the knob produced too few 409s to measure"
    assert GET_USER not in by_route(s)  # not one user read again
    assert this["conflicts_409"] == this["conflict_resends"] == conflicts and this["conflict_refetches"] == 0
    assert this["requests_by_kind"]["refetches"] == 0
    audit = list(read_ndjson(setup.paths.audit))
    # Each 409 cost exactly one more request: the same write again.
    needed = sum(op["requests"] for r in audit for op in r["ops"] if op["ok"])
    assert sent == needed + conflicts == USERS + conflicts
    assert summary["users"].get("applied", 0) == USERS
    for r in audit:  # each refused attempt is in the audit, then the write that went through
        assert sum(1 for op in r["ops"] if not op["ok"] and op["status"] == 409) == r["conflicts"]
        assert r["attempts"] == 1 + r["conflicts"] and "first_changes" not in r
    for i in range(USERS):
        held = {x["id"]: x["proficiency"] for x in s.user(by_email[email(i)])["skills"]}
        assert held[ids["Billing"]] == held[ids["Sales"]] == levels[i]
    setup.store.close()


async def test_a_conflict_where_the_intent_names_more_than_the_write_reads_the_user_again(sim, tmp_path):
    """Another administrator edits what the write does not carry and answers 409: the job's title,
    written a moment before by its own PATCH, is changed back. Only a read sees it."""
    sim.sim.reset(SimConfig(users=USERS, seed=5, conflict_rate=0.4))
    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    users = [{"user": email(i), "skills": {"Billing": 1 + i % 5}, "removeSkills": ["Sales"], "title": f"T{i}"} for i in range(USERS)]
    setup, summary = await run(sim, write_json(tmp_path / "m.json", users), tmp_path / "state", RunOptions(workers=4, conflict_delay=0.0, conflict_attempts=8))
    outcomes = {r["user_id"]: r["outcome"] for r in read_ndjson(setup.paths.audit)}
    assert summary["this_run"]["conflict_refetches"] > 0 and summary["this_run"]["conflict_resends"] == 0
    for i in range(USERS):
        u = s.user(by_email[email(i)])
        if outcomes[u["id"]] == "applied":
            assert u["title"] == f"T{i}", i
    setup.store.close()


async def test_a_replace_put_that_conflicts_is_re_sent_and_ends_exactly_as_the_spec_says(sim, tmp_path):
    sim.sim.reset(SimConfig(users=30, seed=5, bulk_write_conflict_rate=0.4))
    s = sim.sim
    ids = s.skill_ids_by_name()
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    users = [{"user": email(i), "skills": {"Billing": 3, "Sales": 1 + i % 5}} for i in range(30)]
    setup, summary = await run(
        sim, write_json(tmp_path / "r.json", users, mode="replace"), tmp_path / "state", RunOptions(workers=4, conflict_delay=0.0, conflict_attempts=20)
    )
    assert summary["this_run"]["conflict_resends"] > 0 and GET_USER not in by_route(s)
    for i in range(30):
        assert {x["id"]: x["proficiency"] for x in s.user(by_email[email(i)])["skills"]} == {ids["Billing"]: 3.0, ids["Sales"]: float(1 + i % 5)}
    setup.store.close()


async def test_a_versionless_write_that_keeps_conflicting_goes_to_reconciliation_without_a_read(sim, tmp_path):
    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    stuck = by_email[email(2)]
    s.configure(always_conflict=[stuck])
    users = [{"user": email(i), "skills": {"Billing": 4}} for i in range(5)]
    setup, summary = await run(sim, write_json(tmp_path / "j.json", users), tmp_path / "state", RunOptions(workers=2, conflict_delay=0.0, conflict_attempts=3))
    assert summary["users"]["reconciliation"] == 1 and summary["users"]["applied"] == 4
    assert GET_USER not in by_route(s)
    assert by_route(s)["PATCH /api/v2/users/{userId}/routingskills/bulk"]["409"] == 3  # conflict_attempts in all
    (line,) = [r for r in read_ndjson(setup.paths.audit) if r["user_id"] == stuck]
    assert line["outcome"] == "reconciliation" and line["attempts"] == 3 and line["conflicts"] == 3
    assert [op["ok"] for op in line["ops"]] == [False, False, False]
    setup.store.close()


async def test_a_conflict_on_the_user_patch_still_reads_the_fresh_version(sim, tmp_path):
    # Another administrator edits users (a version bump and a 409) on user PATCHes and skills writes alike.
    sim.sim.reset(SimConfig(users=40, seed=8, conflict_rate=0.3))
    s = sim.sim
    ids = s.skill_ids_by_name()
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    users = [{"user": email(i), "department": "Retention", "skills": {"Billing": 2}} for i in range(40)]
    setup, summary = await run(sim, write_json(tmp_path / "j.json", users), tmp_path / "state", RunOptions(workers=4, conflict_delay=0.0, conflict_attempts=20))
    this = summary["this_run"]
    routes = by_route(s)
    patch_409s = routes["PATCH /api/v2/users/{userId}"].get("409", 0)
    bulk_409s = routes["PATCH /api/v2/users/{userId}/routingskills/bulk"].get("409", 0)
    assert patch_409s > 0 and bulk_409s > 0
    # The intent names a field besides the skill: every 409 reads the user again, the skills write's too.
    assert this["conflict_refetches"] == patch_409s + bulk_409s == sum(routes[GET_USER].values()) == this["requests_by_kind"]["refetches"]
    assert this["conflict_resends"] == 0
    for i in range(40):
        u = s.user(by_email[email(i)])
        assert u["department"] == "Retention" and {x["id"]: x["proficiency"] for x in u["skills"]}[ids["Billing"]] == 2
    setup.store.close()
