"""Utilization labels through the one pipeline, over HTTP (#19): creates before the users, deletes
last; a label that exists is never created twice (names compared ignoring case); the org's label
limit is checked before the first create; a label in use is refused for delete unless forced, at
set-up and again just before the write; plan shows who uses it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.engine import client_for

from bulkops.engine.plan.planjob import make_plan
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.errors import SpecError
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson

OPTS = RunOptions(workers=4, conflict_delay=0.0)


def write_spec(path, labels):
    """One entry a line, the first on line 2."""
    path.write_text('{"version": 2, "utilizationLabels": [\n' + ",\n".join(json.dumps(x) for x in labels) + "\n]}\n")
    return path


def labels_of(sim) -> dict[str, str]:
    return {x.name: x.id for x in sim.sim.org.utilization.labels.values()}


def seed_label(sim, name: str) -> str:
    return sim.sim.org.utilization.create_label(name, None, limit=1000).id


async def run_job(sim, spec, tmp_path, between=None):
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        if between is not None:
            between()
        summary = await execute(client, setup, options=OPTS)
    return setup, summary


async def setup_problems(sim, spec) -> list[str]:
    async with client_for(sim, rps=3000) as client:
        with pytest.raises(SpecError) as err:
            await resolve_against_org(client, check_locally(spec))
    return [f"{p.line}: {p.message}" for p in err.value.problems]


def label_items(setup) -> list[dict[str, Any]]:
    return [r for r in read_ndjson(setup.paths.audit) if r.get("kind") == "label"]


async def test_creates_run_before_the_users_and_a_label_that_exists_is_not_created_twice(sim, tmp_path):
    sim.sim.reset(SimConfig(users=20, seed=19))
    vip = seed_label(sim, "VIP")
    spec = write_spec(tmp_path / "l.json", [{"create": "vip"}, {"create": "Spanish Escalations", "maximumCapacity": 2}])
    async with client_for(sim, rps=3000) as client:
        resolved = await resolve_against_org(client, check_locally(spec))
        plan = await make_plan(client, resolved)
    assert [(x["label"], x.get("exists_already")) for x in plan.sections["label"]] == [("vip", "VIP"), ("Spanish Escalations", None)]
    setup, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete", summary
    assert summary["items"]["label"] == {"unchanged": 1, "applied": 1}
    after = labels_of(sim)
    assert set(after) == {"VIP", "Spanish Escalations"} and after["VIP"] == vip
    assert sim.sim.org.utilization.org.labels[after["Spanish Escalations"]].maximum_capacity == 2
    created = next(r for r in label_items(setup) if r["outcome"] == "applied")
    assert created["name"] == "Spanish Escalations" and created["after"] == {"id": after["Spanish Escalations"], "name": "Spanish Escalations"}
    # the same job again: nothing is created
    _, again = await run_job(sim, write_spec(tmp_path / "l2.json", [{"create": "vip"}, {"create": "Spanish Escalations"}]), tmp_path / "again")
    assert again["items"]["label"] == {"unchanged": 2}
    assert len(labels_of(sim)) == 2


async def test_a_duplicate_label_in_the_spec_is_refused_before_anything_is_read(tmp_path):
    spec = write_spec(tmp_path / "l.json", [{"create": "VIP"}, {"create": "vip", "maximumCapacity": 1}])
    with pytest.raises(SpecError) as err:
        check_locally(spec)
    assert [(p.line, p.message) for p in err.value.problems] == [
        (3, "label 'vip' is already in the entry on line 2 (as 'VIP'; names are compared ignoring case): one entry per label")
    ]


async def test_the_label_limit_is_checked_before_the_first_create(sim, tmp_path):
    sim.sim.reset(SimConfig(users=5, seed=3))
    for n in range(98):
        seed_label(sim, f"L{n}")
    spec = write_spec(tmp_path / "l.json", [{"create": "A"}, {"create": "L1"}, {"create": "B"}, {"create": "C"}])
    problems = await setup_problems(sim, spec)
    assert problems == [
        "2: the org holds 98 utilization label(s) of at most 100: the 3 this job creates would pass the limit "
        "(deletes run after every other change, so they free no room for this job's creates)"
    ]
    assert len(labels_of(sim)) == 98  # nothing was created


async def test_a_label_in_use_is_refused_for_delete_and_deleted_with_force(sim, tmp_path):
    sim.sim.reset(SimConfig(users=20, seed=7))
    s = sim.sim
    old = seed_label(sim, "Old")
    unused = seed_label(sim, "Unused")
    users = s.user_ids()[:3]
    for uid in users:
        s.set_user_utilization(uid, {"labelUtilizations": {old: {"maximumCapacity": 1}}})
    emails = {s.org.user(uid).email for uid in users}
    # without force: refused at set-up, naming who uses it
    problems = await setup_problems(sim, write_spec(tmp_path / "a.json", [{"delete": "old"}]))
    assert len(problems) == 1 and problems[0].startswith("2: label 'Old' is used by 3 agent(s) (")
    assert all(e in problems[0] for e in emails) and '"force": true' in problems[0]
    assert "Old" in labels_of(sim)
    # with force: plan shows who uses it, the run deletes it and it leaves their settings
    spec = write_spec(tmp_path / "b.json", [{"delete": "Old", "force": True}, {"delete": "Unused"}])
    async with client_for(sim, rps=3000) as client:
        plan = await make_plan(client, await resolve_against_org(client, check_locally(spec)))
    old_line = next(x for x in plan.sections["label"] if x["label"] == "Old")
    assert old_line["agents"] == 3 and set(old_line["used_by"]) == emails and old_line["force"] is True
    setup, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete", summary
    assert summary["items"]["label"] == {"applied": 2}
    assert set(labels_of(sim)) == set()
    assert all(old not in s.org.utilization.users.get(uid).labels for uid in users)
    assert unused not in labels_of(sim).values()


async def test_a_label_someone_starts_using_after_the_plan_is_not_deleted(sim, tmp_path):
    sim.sim.reset(SimConfig(users=10, seed=11))
    s = sim.sim
    label = seed_label(sim, "Temp")
    uid = s.user_ids()[0]
    spec = write_spec(tmp_path / "l.json", [{"delete": "Temp"}])

    def other_admin() -> None:
        s.set_user_utilization(uid, {"labelUtilizations": {label: {"maximumCapacity": 2}}})

    setup, summary = await run_job(sim, spec, tmp_path, between=other_admin)
    assert summary["items"]["label"] == {"failed": 1}
    (item,) = label_items(setup)
    assert item["outcome"] == "failed" and item["reason"].startswith("label 'Temp' is used by 1 agent(s)")
    assert "Temp" in labels_of(sim)


async def test_a_delete_of_a_label_not_in_the_org_is_a_problem_at_its_line(sim, tmp_path):
    sim.sim.reset(SimConfig(users=5, seed=2))
    seed_label(sim, "Escalations")
    problems = await setup_problems(sim, write_spec(tmp_path / "l.json", [{"delete": "Escalation"}]))
    assert problems == ["2: utilization label 'Escalation' is not in the org (did you mean 'Escalations'?)"]
