"""A 2xx write answer is believed only when it is the answer the API gives for that write (#25 §2).

The real client and engine, the simulator, and the fault proxy between them answering 30% of
the org's writes itself (never forwarding them) with a 200 and an HTML block page, ``{}`` or an
empty body. After every pass, and after each resume where a pass stopped, no user (and no item)
recorded ``applied`` or ``unchanged`` may differ from the spec in the simulator's org.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.engine import client_for, email
from helpers.faultproxy import BLOCK_PAGE, FaultProxy
from test_malformed_answers import Via
from test_reorg import write_json

from bulkops.client.endpoints.utilization import get_user_utilization
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, open_job, resolve_against_org
from bulkops.errors import MalformedResponseError, PassFailed
from bulkops.kinds.queues import kind as kind_queues
from bulkops.simulator import SimConfig, wire
from bulkops.simulator.model import utilization_wire
from bulkops.state.ndjson import read_ndjson

OPTS = RunOptions(workers=8, conflict_delay=0.0, page_size=100)
#: Five attempts a request: 30% made-up answers spend a request's budget now and then
#: (0.3^5), so a pass stops and a resume has to finish the job.
BUDGET = {"max_attempts": 5, "max_retry_seconds": 30.0}
MAX_PASSES = 40
SHARE = 0.3


@pytest.fixture
def fast_pace(monkeypatch):
    monkeypatch.setattr(kind_queues, "QUEUE_WRITES_PER_SECOND", 1000.0)


async def passes_until_complete(via, spec, tmp_path, check) -> tuple[int, int]:
    """Set-up, then passes (resumes after the first) until the job completes; ``check(setup)``
    after each. Returns (passes, passes stopped by a malformed answer)."""
    async with client_for(via, rps=3000, **BUDGET) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
    stopped = 0
    for n in range(1, MAX_PASSES + 1):
        job = setup if n == 1 else open_job(tmp_path, setup.job_id)
        try:
            async with client_for(via, rps=3000, **BUDGET) as client:
                summary = await execute(client, job, options=OPTS)
        except PassFailed as failed:
            assert isinstance(failed.cause, MalformedResponseError), failed
            stopped += 1
            check(job)
            continue
        assert summary["status"] == "complete", summary
        check(job)
        return n, stopped
    raise AssertionError(f"not complete after {MAX_PASSES} passes")


def last_outcomes(setup, key: str = "user_id") -> dict[str, dict[str, Any]]:
    """The last audit record of each user (or item), over every run of the job."""
    out: dict[str, dict[str, Any]] = {}
    for record in read_ndjson(setup.paths.audit):
        if record.get(key):
            out[record[key]] = record
    return out


# -------------------------------------------------------------------------- 400 users


def user_entries(s) -> list[dict[str, Any]]:
    """400 users: a field (user PATCH), skills (bulk PATCH), a removal of a held skill (DELETE),
    languages (bulk PATCH), a division move (POST, 204) and a queue join (POST, 204)."""
    skills = sorted(s.skill_ids_by_name())
    languages = sorted(s.language_ids_by_name())
    target = sorted(s.division_ids_by_name())[-1]
    ids = {s.user(u)["email"]: u for u in s.user_ids()}
    names = {v: k for k, v in s.skill_ids_by_name().items()}
    out = []
    for i in range(400):
        entry: dict[str, Any] = {"user": email(i), "department": f"Dept {i % 7}", "skills": {skills[i % 11]: 1 + i % 5, skills[11 + i % 7]: 3}}
        held = [names[x["id"]] for x in s.user(ids[email(i)]).get("skills", []) if names[x["id"]] not in entry["skills"]]
        if i % 3 == 0 and held:
            entry["removeSkills"] = [held[0]]
        if i % 2 == 0:
            entry["languages"] = {languages[i % len(languages)]: 2 + i % 3}
        if i % 4 == 0:
            entry["division"] = target
        if i % 5 == 0:
            entry["joinQueues"] = ["Billing"]
        out.append(entry)
    return out


def user_differences(s, entry: dict[str, Any], uid: str) -> list[str]:
    """Where the org's user is not what the spec entry asks."""
    u = s.user(uid)
    skill_ids, language_ids = s.skill_ids_by_name(), s.language_ids_by_name()
    skills = {x["id"]: x["proficiency"] for x in u.get("skills", []) if x.get("state", "active") == "active"}
    languages = {x["id"]: x["proficiency"] for x in u.get("languages", []) if x.get("state", "active") == "active"}
    wrong = [] if u.get("department") == entry["department"] else ["department"]
    wrong += [f"skill {n}" for n, level in entry["skills"].items() if skills.get(skill_ids[n]) != float(level)]
    wrong += [f"removed skill {n}" for n in entry.get("removeSkills", []) if skill_ids[n] in skills]
    wrong += [f"language {n}" for n, level in entry.get("languages", {}).items() if languages.get(language_ids[n]) != float(level)]
    if "division" in entry and u["division"]["id"] != s.division_ids_by_name()[entry["division"]]:
        wrong.append("division")
    if "joinQueues" in entry and uid not in s.queue_member_ids(s.queue_ids_by_name()["Billing"]):
        wrong.append("queue Billing")
    return wrong


@pytest.mark.slow
async def test_made_up_200s_on_30_percent_of_user_writes_leave_no_user_recorded_done_who_differs(sim, tmp_path):
    sim.sim.reset(SimConfig(users=420, seed=25))
    s = sim.sim
    entries = user_entries(s)
    ids = {s.user(u)["email"]: u for u in s.user_ids()}
    by_uid = {ids[e["user"]]: e for e in entries}

    def no_done_user_differs(setup) -> None:
        done = {uid: r for uid, r in last_outcomes(setup).items() if r["outcome"] in ("applied", "unchanged")}
        wrong = {uid: w for uid in done if (w := user_differences(s, by_uid[uid], uid))}
        assert not wrong, f"{len(wrong)} users recorded done but not as the spec asks, e.g. {next(iter(wrong.items()))}"

    async with FaultProxy(sim.base_url) as proxy:
        via = Via(proxy.base_url, sim.client_id, sim.client_secret)
        rule = proxy.answer_writes(share=SHARE, seed=25)
        passes, stopped = await passes_until_complete(via, write_json(tmp_path / "users.json", entries), tmp_path, no_done_user_differs)
    assert rule.injected > 300 and len(rule.action.picked) == 3  # HTML, {} and empty 200s, many of each
    print(f"\n400 users, {rule.injected} made-up answers of {rule.matched} writes: {passes} passes, {stopped} stopped")
    final = last_outcomes(open_job(tmp_path, next(iter(tmp_path.glob("*/state.db"))).parent.name))
    assert len(final) == 400 and {r["outcome"] for r in final.values()} <= {"applied", "unchanged"}
    assert not {uid: w for uid, e in by_uid.items() if (w := user_differences(s, e, uid))}  # every user as the spec asks


# -------------------------------------------------------------------------- items


async def test_made_up_200s_on_queue_utilization_and_create_writes_leave_no_item_recorded_done_that_differs(sim, tmp_path, fast_pace):
    """Queue settings PUTs, user utilization PUTs and a label create, at smaller size."""
    sim.sim.reset(SimConfig(users=60, queues=12, seed=26))
    s = sim.sim
    queues = sorted(s.queue_ids_by_name())
    users = s.user_ids()[:40]
    spec = tmp_path / "items.json"
    spec.write_text(
        json.dumps(
            {
                "version": 2,
                "utilizationLabels": [{"create": "Escalations"}],
                "queues": [{"queue": q, "skillEvaluationMethod": "ALL", "acw": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 45_000}} for q in queues],
                "utilization": [{"user": s.org.user(u).email, "media": {"email": {"maximumCapacity": 3, "interruptableMediaTypes": ["call"]}}} for u in users],
            }
        )
    )
    qids = s.queue_ids_by_name()

    def queue_differs(queue_id: str) -> bool:
        body = wire.queue(s.org.queue(queue_id), s.org)
        acw = body.get("acwSettings") or {}
        return (body.get("skillEvaluationMethod"), acw.get("wrapupPrompt"), acw.get("timeoutMs")) != ("ALL", "MANDATORY_TIMEOUT", 45_000)

    def utilization_differs(user_id: str) -> bool:
        own = wire_setting(user_id)
        email = (own or {}).get("utilization", {}).get("email") or {}
        return (email.get("maximumCapacity"), email.get("interruptableMediaTypes")) != (3, ["call"])

    def wire_setting(user_id: str) -> dict[str, Any] | None:
        own = s.org.utilization.users.get(user_id)
        return None if own is None else utilization_wire.setting(own, s.org.utilization, "Agent")

    def no_done_item_differs(setup) -> None:
        done = [r for r in read_ndjson(setup.paths.audit) if r.get("kind") and r["outcome"] in ("applied", "unchanged")]
        wrong = [r["key"] for r in done if r["kind"] == "queue" and queue_differs(r["key"])]
        wrong += [r["key"] for r in done if r["kind"] == "utilization" and utilization_differs(r["key"])]
        labels = [r for r in done if r["kind"] == "label"]
        assert not labels or any(x.name == "Escalations" for x in s.org.utilization.labels.values())
        assert not wrong, f"{len(wrong)} items recorded done but not as the spec asks: {wrong[:3]}"

    async with FaultProxy(sim.base_url) as proxy:
        via = Via(proxy.base_url, sim.client_id, sim.client_secret)
        create = proxy.inject("POST", r"/api/v2/routing/utilization/labels", BLOCK_PAGE, nth=1)  # the create's first answer made up
        rule = proxy.answer_writes(share=SHARE, seed=26)
        passes, stopped = await passes_until_complete(via, spec, tmp_path, no_done_item_differs)
    # a create is not re-sent blind: its made-up answer is looked up, the label found absent, sent again (#27 §2)
    assert rule.injected > 10 and create.injected == 1
    assert [x.name for x in s.org.utilization.labels.values()].count("Escalations") == 1
    assert not [q for q in queues if queue_differs(qids[q])]
    print(f"\nitems: {rule.injected} made-up answers of {rule.matched} writes: {passes} passes, {stopped} stopped")
    async with client_for(sim, rps=3000) as client:
        for uid in users:
            got = await get_user_utilization(client, uid)
            assert got.level == "Agent" and got.media["email"].maximum_capacity == 3 and got.media["email"].interruptable_media_types == {"call"}
