"""The engine end to end: real client, real HTTP, the simulator's org as the witness."""

from helpers.engine import email, run_spec, write_wide_csv

from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson


def skills_of(sim, uid):
    return {s["id"]: s["proficiency"] for s in sim.user(uid)["skills"]}


async def test_a_skill_matrix_is_applied_without_dropping_unnamed_skills(sim, tmp_path):
    s = sim.sim
    names = list(s.skill_ids_by_name())[:3]
    ids = s.skill_ids_by_name()
    users = s.user_ids()
    by_email = {s.user(u)["email"]: u for u in users}
    before = {u: skills_of(s, u) for u in users}
    rows = [[email(i), "4", "2.5", ""] for i in range(40)]
    spec = write_wide_csv(tmp_path / "m.csv", ["user", *names], rows)
    setup, result, stats = await run_spec(sim, spec, tmp_path / "state")

    for i in range(40):
        uid = by_email[email(i)]
        after = skills_of(s, uid)
        assert after[ids[names[0]]] == 4.0 and after[ids[names[1]]] == 2.5
        for sid, prof in before[uid].items():  # nothing the spec does not name was dropped
            if sid not in (ids[names[0]], ids[names[1]]):
                assert after[sid] == prof
    outcomes = result.counters.outcomes
    assert outcomes["applied"] + outcomes["unchanged"] == 40
    # One PATCH per changed user plus its share of the two listings: the figure that matters.
    assert result.requests <= outcomes["applied"] * 1.0 + 2 + 1
    audit = [r for r in read_ndjson(setup.paths.audit)]
    assert len(audit) == 40 and {r["user_id"] for r in audit} == {by_email[email(i)] for i in range(40)}
    assert all(r["job_id"] == setup.job_id and r["run_id"] for r in audit)


async def test_running_the_same_spec_again_as_a_new_job_writes_nothing(sim, tmp_path):
    names = list(sim.sim.skill_ids_by_name())[:2]
    spec = write_wide_csv(tmp_path / "m.csv", ["user", *names], [[email(i), "5", "-"] for i in range(10)])
    await run_spec(sim, spec, tmp_path / "state")
    writes_before = _writes(sim.sim)
    _, result, _ = await run_spec(sim, spec, tmp_path / "state", job_id="again")
    assert result.counters.outcomes == {"unchanged": 10}
    assert _writes(sim.sim) == writes_before


def _writes(s):
    routes = s.stats()["byRoute"]
    return sum(v["total"] for k, v in routes.items() if not k.startswith("GET ") and " /api/v2" in k)


async def test_concurrent_admin_changes_survive_the_fetch_merge_retry(sim, tmp_path):
    sim.sim.reset(SimConfig(users=120, conflict_rate=0.3, seed=5))
    s = sim.sim
    names = list(s.skill_ids_by_name())[:2]
    ids = s.skill_ids_by_name()
    spec = write_wide_csv(tmp_path / "m.csv", ["user", *names], [[email(i), "3", "1"] for i in range(120)])
    setup, result, _ = await run_spec(sim, spec, tmp_path / "state")
    assert result.counters.conflicts > 0
    edits = s.conflicts()
    assert edits
    for edit in edits:  # another administrator's change is still there after our writes
        user = s.user(edit["userId"])
        if edit["field"] == "skills":
            assert {x["id"]: x["proficiency"] for x in user["skills"]}[edit["id"]] == edit["after"]
        elif edit["field"] == "languages":
            assert {x["id"]: x["proficiency"] for x in user["languages"]}[edit["id"]] == edit["after"]
    last_title = {e["userId"]: e["after"] for e in edits if e["field"] == "title"}
    for uid, title in last_title.items():
        assert s.user(uid)["title"] == title
    outcomes = result.counters.outcomes
    assert outcomes["applied"] + outcomes["unchanged"] + outcomes["reconciliation"] == 120
    reconciled = {r["user_id"] for r in read_ndjson(setup.paths.reconciliation)}
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    for i in range(120):  # everyone not handed to a person got the change
        uid = by_email[email(i)]
        if uid not in reconciled:
            held = {x["id"]: x["proficiency"] for x in s.user(uid)["skills"]}
            assert held[ids[names[0]]] == 3.0 and held[ids[names[1]]] == 1.0


async def test_missing_skills_are_refused_with_suggestions_or_created_first_on_request(sim, tmp_path):
    import pytest
    from helpers.engine import client_for

    from bulkops.engine.setup.job import add_missing_skills, check_locally, resolve_against_org
    from bulkops.errors import SpecError

    spec = write_wide_csv(tmp_path / "new.csv", ["user", "Bilingual Billing", "Biling"], [[email(0), "4", "2"]])
    opened = check_locally(spec)
    async with client_for(sim, rps=2000) as client:
        with pytest.raises(SpecError) as err:
            await resolve_against_org(client, opened)
        text = "\n".join(str(p) for p in err.value.problems)
        assert "Bilingual Billing" in text and "Billing" in text and "new.csv:1:" in text
        assert "Bilingual Billing" not in sim.sim.skill_ids_by_name()  # refused: nothing created
        resolved = await resolve_against_org(client, opened, allow_missing_skills=True)
        assert resolved.users == 0 and resolved.missing_skills == ("Bilingual Billing", "Biling")
        planned = await add_missing_skills(client, resolved, create=False)  # as plan does: nothing created
        assert planned.users == 1 and "Bilingual Billing" not in sim.sim.skill_ids_by_name()
        assert planned.missing_skills == () and resolved.missing_skills == ("Bilingual Billing", "Biling")
        created = await add_missing_skills(client, resolved, create=True)
        assert created.users == 1
    assert {"Bilingual Billing", "Biling"} <= set(sim.sim.skill_ids_by_name())


async def test_a_user_that_vanishes_after_validation_is_reported_failed_not_forgotten(sim, tmp_path):
    from helpers.engine import client_for

    from bulkops.engine.run.execute import execute
    from bulkops.engine.run.options import RunOptions
    from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org

    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    name = next(iter(s.skill_ids_by_name()))
    spec = write_wide_csv(tmp_path / "m.csv", ["user", name], [[email(i), "5"] for i in range(5)])
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        setup = create_job(await resolve_against_org(client, opened), state_dir=tmp_path)
        gone = by_email[email(2)]
        version = s.user(gone)["version"]
        await client.patch_user(gone, {"state": "inactive", "version": version})  # another admin deactivates them
        # States older than state_max_age are read again by id before the write: here, all of them.
        summary = await execute(client, setup, options=RunOptions(workers=2, conflict_delay=0.0, state_max_age=0))
    users = summary["users"]
    assert users["failed"] == 1 and users.get("applied", 0) + users.get("unchanged", 0) == 4
    line = [r for r in read_ndjson(setup.paths.audit) if r["user_id"] == gone]
    assert len(line) == 1 and line[0]["outcome"] == "failed" and "not found by id" in line[0]["reason"]
    setup.store.close()
