"""Queue settings through the one pipeline, over HTTP (#18): a 120-queue job lands exactly and
leaves every setting it does not name as it was; another administrator's edit between plan and
write survives; a queue that keeps changing goes to reconciliation; the pace holds."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from helpers.engine import client_for
from test_plan_replace import bulkops_plan

from bulkops.client.endpoints.routing_config import get_queue_config, queue_wrapup_codes
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.errors import SpecError
from bulkops.kinds.queues import kind as kind_queues
from bulkops.kinds.queues.intent import get_path, unnamed_digests
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson

OPTS = RunOptions(workers=8, conflict_delay=0.0)
#: The paths a full entry (``entry``) names: what may differ after the run.
NAMED = frozenset(
    {
        "skillEvaluationMethod",
        "acwSettings.wrapupPrompt",
        "acwSettings.timeoutMs",
        "mediaSettings.email.serviceLevel.percentage",
        "mediaSettings.email.serviceLevel.durationMs",
        "mediaSettings.chat.alertingTimeoutSeconds",
        "bullseye.rings.1",
    }
)


@pytest.fixture
def fast_pace(monkeypatch):
    """The guide's 5 queue writes a second would make a 120-queue test take over a minute; the
    pace itself is tested on its own (``test_queue_writes_are_paced``)."""
    monkeypatch.setattr(kind_queues, "QUEUE_WRITES_PER_SECOND", 1000.0)


def entry(queue: str, ring_skill: str, add: str, remove: str) -> dict[str, Any]:
    return {
        "queue": queue,
        "skillEvaluationMethod": "ALL",
        "acw": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 45_000},
        "media": {"email": {"serviceLevel": {"percentage": 0.95, "durationMs": 7_200_000}}, "chat": {"alertingTimeoutSeconds": 20}},
        "rings": {"1": {"timeoutSeconds": 30, "skillsToRemove": [ring_skill]}},
        "addWrapupCodes": [add],
        "removeWrapupCodes": [remove],
    }


def write_spec(path, queues, users=()):
    path.write_text(json.dumps({"version": 2, "queues": list(queues), **({"users": list(users)} if users else {})}, indent=1))
    return path


async def snapshot(sim, ids) -> dict[str, tuple[dict[str, Any], set[str]]]:
    """Each queue's body (as a PUT body) and wrap-up code names, read with the knobs off."""
    out = {}
    async with client_for(sim, rps=3000) as client:
        for qid in ids:
            body = (await get_queue_config(client, qid)).request_body()
            out[qid] = (body, {c.name for c in await queue_wrapup_codes(client, qid)})
    return out


async def run_job(sim, spec, tmp_path, options=OPTS, between=None):
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        if between is not None:
            between()
        summary = await execute(client, setup, options=options)
    return setup, summary


def queue_items(setup) -> list[dict[str, Any]]:
    return [r for r in read_ndjson(setup.paths.audit) if r.get("kind") == "queue"]


async def test_a_120_queue_job_lands_exactly_and_changes_nothing_it_does_not_name(sim, tmp_path, fast_pace):
    sim.sim.reset(SimConfig(users=100, queues=130, seed=18))
    s = sim.sim
    queues = sorted(s.queue_ids_by_name().items())[:120]
    ring_skill = sorted(s.skill_ids_by_name())[0]
    codes = s.org.queueconfig.wrapup_codes
    by_name = {c.name: c.id for c in codes.values()}
    before = await snapshot(sim, [qid for _, qid in queues])
    # one code each queue lacks, one it holds
    spec_entries = []
    for name, qid in queues:
        held = before[qid][1]
        spec_entries.append(entry(name, ring_skill, sorted(set(by_name) - held)[0], sorted(held)[0]))
    spec = write_spec(tmp_path / "q.json", spec_entries)
    setup, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete", summary
    assert summary["items"]["queue"] == {"applied": 120}
    after = await snapshot(sim, [qid for _, qid in queues])
    for (name, qid), e in zip(queues, spec_entries):
        body, held = after[qid]
        assert unnamed_digests(body, NAMED) == unnamed_digests(before[qid][0], NAMED), name
        assert body["skillEvaluationMethod"] == "ALL" and body["acwSettings"] == {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 45_000}
        assert get_path(body, "mediaSettings.email.serviceLevel") == {"percentage": 0.95, "durationMs": 7_200_000}
        assert get_path(body, "mediaSettings.chat.alertingTimeoutSeconds") == 20
        assert get_path(body, "mediaSettings.call") == get_path(before[qid][0], "mediaSettings.call")
        ring = body["bullseye"]["rings"][0]
        assert ring["expansionCriteria"] == [{"type": "TIMEOUT_SECONDS", "threshold": 30.0}]
        assert [x["name"] for x in ring["actions"]["skillsToRemove"]] == [ring_skill]
        assert held == (before[qid][1] | set(e["addWrapupCodes"])) - set(e["removeWrapupCodes"])
    items = queue_items(setup)
    assert len(items) == 120 and {r["outcome"] for r in items} == {"applied"}
    one = items[0]
    assert one["changes"]["settings"]["skillEvaluationMethod"] == {"before": "BEST", "after": "ALL"}
    assert one["before"]["settings"]["skillEvaluationMethod"] == "BEST" and one["after"]["settings"]["skillEvaluationMethod"] == "ALL"
    # run again: every queue is already so, nothing is written
    puts = s.stats()
    _, again = await run_job(sim, write_spec(tmp_path / "q2.json", spec_entries), tmp_path / "again")
    assert again["items"]["queue"] == {"unchanged": 120}
    assert puts is not None


async def test_an_edit_to_an_unnamed_setting_between_plan_and_write_survives(sim, tmp_path, fast_pace):
    sim.sim.reset(SimConfig(users=50, queues=12, seed=5))
    s = sim.sim
    queues = sorted(s.queue_ids_by_name().items())
    spec = write_spec(tmp_path / "q.json", [{"queue": n, "skillEvaluationMethod": "NONE"} for n, _ in queues])
    before = await snapshot(sim, [qid for _, qid in queues])

    def other_admin() -> None:  # after set-up read every queue, before the run writes
        s.configure(queue_admin_edit_rate=1.0)
        s.org.queueconfig.settings_of(queues[0][1])["enableTranscription"] = True
        s.org.queueconfig.settings_of(queues[1][1])["callingPartyName"] = "Help Desk"
        s.configure(queue_admin_edit_rate=0.0)

    setup, summary = await run_job(sim, spec, tmp_path, between=other_admin)
    assert summary["items"]["queue"] == {"applied": 12}, summary
    after = await snapshot(sim, [qid for _, qid in queues])
    assert after[queues[0][1]][0]["enableTranscription"] is True
    assert after[queues[1][1]][0]["callingPartyName"] == "Help Desk"
    for _, qid in queues[2:]:
        assert unnamed_digests(after[qid][0], {"skillEvaluationMethod"}) == unnamed_digests(before[qid][0], {"skillEvaluationMethod"})
    assert all(after[qid][0]["skillEvaluationMethod"] == "NONE" for _, qid in queues)
    audit = {r["name"]: r for r in queue_items(setup)}
    assert audit[queues[0][0]]["before"]["changedSincePlan"] == ["enableTranscription"]
    assert audit[queues[1][0]]["before"]["changedSincePlan"] == ["callingPartyName"]
    assert "changedSincePlan" not in audit[queues[2][0]]["before"]


async def test_a_queue_another_administrator_keeps_changing_goes_to_reconciliation(sim, tmp_path, fast_pace):
    sim.sim.reset(SimConfig(users=50, queues=6, seed=7))
    s = sim.sim
    queues = sorted(s.queue_ids_by_name().items())
    busy_name, busy = queues[0]
    spec = write_spec(tmp_path / "q.json", [{"queue": n, "media": {"call": {"alertingTimeoutSeconds": 15}}} for n, _ in queues])

    def other_admin() -> None:  # changes it after set-up's read, and again after every read since
        s.org.queueconfig.settings_of(busy)["enableAudioMonitoring"] = True
        s.configure(always_admin_edit_queues=frozenset({busy}))

    setup, summary = await run_job(sim, spec, tmp_path, between=other_admin)
    s.configure(always_admin_edit_queues=frozenset())
    assert summary["items"]["queue"] == {"applied": 5, "reconciliation": 1}, summary
    busy_line = next(r for r in queue_items(setup) if r["name"] == busy_name)
    assert busy_line["outcome"] == "reconciliation" and busy_line["attempts"] == OPTS.conflict_attempts
    assert "another administrator is editing it" in busy_line["error"]["message"]
    recon = [json.loads(line) for line in setup.paths.reconciliation.read_text().splitlines() if line.strip()]
    assert [(r["kind"], r["key"]) for r in recon] == [("queue", busy)] and "user_id" not in recon[0]  # an item, not a user
    after = await snapshot(sim, [busy])
    assert get_path(after[busy][0], "mediaSettings.call.alertingTimeoutSeconds") != 15  # never overwritten


async def test_names_are_resolved_at_set_up_with_every_problem_located(sim, tmp_path):
    sim.sim.reset(SimConfig(users=20, queues=4, seed=3))
    name = sorted(sim.sim.queue_ids_by_name())[0]
    spec = write_spec(
        tmp_path / "q.json",
        [
            {"queue": "Nowhere", "skillEvaluationMethod": "ALL"},
            {"queue": name, "rings": {"3": {"timeoutSeconds": 5, "skillsToRemove": ["No Such Skill"]}}, "addWrapupCodes": ["Resolvd"]},
        ],
    )
    async with client_for(sim, rps=3000) as client:
        with pytest.raises(SpecError) as err:
            await resolve_against_org(client, check_locally(spec))
    messages = [(p.line, p.message) for p in err.value.problems]
    assert any(line == 4 and "queue 'Nowhere' is not in the org" in m for line, m in messages), messages
    assert any("skill 'No Such Skill' is not in the org" in m for _, m in messages), messages
    assert any("wrap-up code 'Resolvd' is not in the org (did you mean 'Resolved'" in m for _, m in messages), messages
    assert any("ring 3 cannot be set" in m for _, m in messages), messages


async def test_queue_writes_are_paced(sim, tmp_path):
    sim.sim.reset(SimConfig(users=20, queues=8, seed=4))
    queues = sorted(sim.sim.queue_ids_by_name())
    spec = write_spec(tmp_path / "q.json", [{"queue": n, "skillEvaluationMethod": "NONE"} for n in queues])
    started = time.monotonic()
    _, summary = await run_job(sim, spec, tmp_path)
    assert summary["items"]["queue"] == {"applied": 8}
    assert time.monotonic() - started >= 7 / kind_queues.QUEUE_WRITES_PER_SECOND  # 8 PUTs, 0.2 s apart


async def test_plan_shows_each_setting_before_and_after_in_names(sim, tmp_path):
    sim.sim.reset(SimConfig(users=20, queues=4, seed=9))
    s = sim.sim
    name = sorted(s.queue_ids_by_name())[0]
    skill = sorted(s.skill_ids_by_name())[1]
    spec = write_spec(
        tmp_path / "q.json",
        [
            {
                "queue": name,
                "skillEvaluationMethod": "ALL",
                "media": {"email": {"serviceLevel": {"percentage": 0.8}}},
                "rings": {"1": {"timeoutSeconds": 12, "skillsToRemove": [skill]}},
                "addWrapupCodes": ["Escalated"],
            }
        ],
    )
    text = await bulkops_plan(sim, spec)
    assert (
        f"queue {name!r}: skillEvaluationMethod BEST -> ALL; bullseye.rings.1.timeoutSeconds (none) -> 12.0; "
        f"bullseye.rings.1.skillsToRemove (none) -> [{skill}]; add wrap-up code 'Escalated'; already so: mediaSettings.email.serviceLevel.percentage"
    ) in text, text
    out = json.loads(await bulkops_plan(sim, spec, "--json"))
    assert out["queue_settings"][0]["settings"][0] == {"setting": "skillEvaluationMethod", "before": "BEST", "after": "ALL"}
    assert s.org.queueconfig.settings_of(s.queue_ids_by_name()[name])["skillEvaluationMethod"] == "BEST"  # plan writes nothing


async def test_the_example_job_runs_against_the_default_org(sim, tmp_path, fast_pace):
    spec = Path(__file__).resolve().parents[2] / "jobs" / "queues-reorg.json"
    setup, summary = await run_job(sim, spec, tmp_path)
    assert summary["items"]["queue"] == {"applied": 3}, summary
    s = sim.sim
    support = s.org.queueconfig.settings_of(s.queue_ids_by_name()["Support EN"])
    assert support["skillEvaluationMethod"] == "ALL" and support["bullseye"]["rings"][0]["expansionCriteria"][0]["threshold"] == 30.0


async def test_plan_diffs_wrap_up_codes_against_what_the_queue_holds(sim, tmp_path, fast_pace):
    """#28 §5: after the job added and removed its codes, plan lists none to do (the run agrees:
    unchanged), and says they are already so."""
    sim.sim.reset(SimConfig(users=20, queues=4, seed=9))
    s = sim.sim
    name, qid = sorted(s.queue_ids_by_name().items())[0]
    held = (await snapshot(sim, [qid]))[qid][1]
    names = sorted(c.name for c in s.org.queueconfig.wrapup_codes.values())
    add, remove = sorted(set(names) - held)[0], sorted(held)[0]
    spec = write_spec(tmp_path / "q.json", [{"queue": name, "addWrapupCodes": [add], "removeWrapupCodes": [remove]}])
    before = json.loads(await bulkops_plan(sim, spec, "--json"))["queue_settings"][0]
    assert (before["add_codes"], before["remove_codes"]) == ([add], [remove]), before
    _, summary = await run_job(sim, spec, tmp_path)
    assert summary["items"]["queue"] == {"applied": 1}, summary
    after = json.loads(await bulkops_plan(sim, spec, "--json"))["queue_settings"][0]
    assert (after["add_codes"], after["remove_codes"]) == ([], []), after
    assert f"wrap-up code {add!r} on the queue" in after["already"] and f"wrap-up code {remove!r} off the queue" in after["already"]
    text = await bulkops_plan(sim, spec)
    assert "add wrap-up code" not in text and "remove wrap-up code" not in text and f"already so: wrap-up code {add!r} on the queue" in text, text
    _, again = await run_job(
        sim, write_spec(tmp_path / "q2.json", [{"queue": name, "addWrapupCodes": [add], "removeWrapupCodes": [remove]}]), tmp_path / "again"
    )
    assert again["items"]["queue"] == {"unchanged": 1}, again
