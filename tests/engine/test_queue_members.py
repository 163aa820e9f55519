"""Member activation through the one pipeline, over HTTP (#18): only the members whose ``joined``
differs are written, 100 a request; ``activateAll`` with exceptions; a listed user who is not a
direct member is a set-up problem at the entry's line, not a pair the API drops silently."""

from __future__ import annotations

import json

import pytest
from helpers.engine import client_for
from test_plan_replace import bulkops_plan

from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.errors import SpecError
from bulkops.kinds.queues import kind as kind_queues
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson

OPTS = RunOptions(workers=4, conflict_delay=0.0)
PATCH = "PATCH /api/v2/routing/queues/{queueId}/members"


@pytest.fixture
def fast_pace(monkeypatch):
    monkeypatch.setattr(kind_queues, "QUEUE_WRITES_PER_SECOND", 1000.0)


def write_spec(path, queues):
    path.write_text(json.dumps({"version": 2, "queues": list(queues)}, indent=1))
    return path


async def run_job(sim, spec, tmp_path):
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        summary = await execute(client, setup, options=OPTS)
    return setup, summary


def routes(sim) -> dict[str, int]:
    return {k: v["total"] for k, v in sim.sim.stats()["byRoute"].items()}


def a_queue(s, at_least: int):
    """The first queue (by name) with at least ``at_least`` direct members, and its direct member ids."""
    for name, qid in sorted(s.queue_ids_by_name().items()):
        q = s.org.queues[qid]
        if len(q.members) >= at_least:
            return name, q
    raise AssertionError("no queue that big")


async def test_only_members_whose_joined_differs_are_written_and_a_rerun_writes_nothing(sim, tmp_path, fast_pace):
    sim.sim.reset(SimConfig(users=200, queues=4, seed=31))
    s = sim.sim
    name, q = a_queue(s, 6)
    ids = sorted(q.members)
    q.members[ids[0]] = False  # to activate
    q.members[ids[1]] = True  # to activate: already joined
    q.members[ids[2]] = True  # to deactivate
    q.members[ids[3]] = False  # to deactivate: already unjoined
    untouched = {u: q.members[u] for u in ids[4:]}
    email = {u: s.org.users[u].email for u in ids}
    spec = write_spec(
        tmp_path / "m.json",
        [{"queue": name, "members": {"activate": [email[ids[0]], ids[1]], "deactivate": [email[ids[2]].upper(), email[ids[3]]]}}],
    )
    before = routes(sim).get(PATCH, 0)
    setup, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete", summary
    assert summary["items"]["queue_members"] == {"applied": 1}
    assert [q.members[u] for u in ids[:4]] == [True, True, False, False]
    assert {u: q.members[u] for u in ids[4:]} == untouched
    assert routes(sim)[PATCH] - before == 1
    line = [r for r in read_ndjson(setup.paths.audit) if r.get("kind") == "queue_members"][0]
    assert {k: v for k, v in line["changes"].items() if k != "members"} == {"activate": [email[ids[0]]], "deactivate": [email[ids[2]]]}
    assert {u: m["joined"] for u, m in line["changes"]["members"].items()} == {ids[0]: True, ids[2]: False}  # by id: what an undo flips back
    assert "queue" not in summary["items"]  # members only: no queue settings item
    _, again = await run_job(sim, write_spec(tmp_path / "m2.json", json.loads(spec.read_text())["queues"]), tmp_path / "again")
    assert again["items"]["queue_members"] == {"unchanged": 1}
    assert routes(sim)[PATCH] - before == 1


async def test_activate_all_with_exceptions_in_batches_of_100(sim, tmp_path, fast_pace):
    sim.sim.reset(SimConfig(users=1500, queues=3, seed=32))
    s = sim.sim
    name, q = a_queue(s, 160)
    ids = sorted(q.members)
    for u in ids:
        q.members[u] = False
    keep_off = ids[:3]
    spec = write_spec(tmp_path / "m.json", [{"queue": name, "members": {"activateAll": True, "deactivate": [s.org.users[u].email for u in keep_off]}}])
    before = routes(sim).get(PATCH, 0)
    _, summary = await run_job(sim, spec, tmp_path)
    assert summary["items"]["queue_members"] == {"applied": 1}, summary
    assert [u for u in ids if not q.members[u]] == keep_off
    assert routes(sim)[PATCH] - before == -(-(len(ids) - 3) // 100)  # 100 a request


async def test_activate_all_reads_only_the_unjoined(sim, tmp_path, fast_pace):
    sim.sim.reset(SimConfig(users=1500, queues=3, seed=33))
    s = sim.sim
    name, q = a_queue(s, 150)
    spec = write_spec(tmp_path / "m.json", [{"queue": name, "members": {"activateAll": True}}])
    unjoined = sum(1 for j in q.members.values() if not j)
    assert 0 < unjoined < 100
    members_get = "GET /api/v2/routing/queues/{queueId}/members"
    before = routes(sim).get(members_get, 0)
    _, summary = await run_job(sim, spec, tmp_path)
    assert summary["items"]["queue_members"] == {"applied": 1}
    assert all(q.members.values())
    assert routes(sim)[members_get] - before == 2  # set-up's read and the run's: one page each


async def test_a_user_who_is_not_a_direct_member_or_not_in_the_org_is_a_set_up_problem(sim, tmp_path):
    sim.sim.reset(SimConfig(users=200, queues=4, seed=34))
    s = sim.sim
    name, q = a_queue(s, 2)
    outsider = next(u for u in sorted(s.org.users.values(), key=lambda u: u.email) if u.id not in q.members)
    spec = write_spec(
        tmp_path / "m.json",
        [
            {"queue": name, "skillEvaluationMethod": "ALL"},
            {"queue": sorted(s.queue_ids_by_name())[-1], "members": {"activate": ["nobody@example.com"]}},
        ],
    )
    spec.write_text(spec.read_text().replace('"skillEvaluationMethod": "ALL"', f'"members": {{"deactivate": ["{outsider.email}"]}}'))
    async with client_for(sim, rps=3000) as client:
        with pytest.raises(SpecError) as err:
            await resolve_against_org(client, check_locally(spec))
    messages = [(p.line, p.message) for p in err.value.problems]
    assert (
        4,
        f"user {outsider.email!r} is not a direct member of queue {name!r}: joined is set for direct members only (add the user to the queue first)",
    ) in messages
    assert any("user 'nobody@example.com' is not an active user in the org" in m for _, m in messages), messages


async def test_plan_shows_who_is_activated_and_deactivated(sim, tmp_path):
    sim.sim.reset(SimConfig(users=200, queues=4, seed=35))
    s = sim.sim
    name, q = a_queue(s, 4)
    ids = sorted(q.members)
    q.members[ids[0]], q.members[ids[1]] = False, True
    a, b = s.org.users[ids[0]].email, s.org.users[ids[1]].email
    spec = write_spec(tmp_path / "m.json", [{"queue": name, "skillEvaluationMethod": "NONE", "members": {"activate": [a], "deactivate": [b]}}])
    text = await bulkops_plan(sim, spec)
    assert f"queue {name!r}: skillEvaluationMethod BEST -> NONE; activate 1 member(s): {a}; deactivate 1 member(s): {b}" in text, text
    out = json.loads(await bulkops_plan(sim, spec, "--json"))
    assert out["queue_settings"][0]["members"] == {"activate": [a], "activate_count": 1, "deactivate": [b], "deactivate_count": 1, "already": 0}
    assert (q.members[ids[0]], q.members[ids[1]]) == (False, True)  # plan writes nothing
