"""``plan``'s "Impact on routing" and ``run``'s refusal, from the command line in-process against the
simulator over HTTP: the plan names the users who leave a skill group and the queues they leave through
it; ``plan --strict`` and ``run`` (by default, #28 §2) refuse a job that empties a queue (exit 12,
nothing written) unless ``run --accept-impact``; a job that only adds reads no impact; the live picture
with and without the analytics permission."""

from __future__ import annotations

import orjson
from click.testing import CliRunner, Result
from helpers.routing import only_through

from bulkops.cli.impact import question_lines
from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.engine.plan.impact import CRITICAL, Impact, ImpactWarning, QueueImpact
from bulkops.simulator import Simulator


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def csv(path, skill: str, rows: dict[str, str]) -> str:
    path.write_text("\n".join([f"email,{skill}", *(f"{e},{v}" for e, v in rows.items())]) + "\n", encoding="utf-8")
    return str(path)


def test_plan_names_who_leaves_a_skill_group_and_the_queue_they_leave(org, tmp_path):
    sim, url = org
    qid, pros = only_through(sim, "Retention", "Retention pros", "Retention", 4)
    leaving = pros[:2]
    emails = [sim.org.users[u].email for u in leaving]
    on_queue = pros[:3]
    for uid in on_queue:
        sim.org.routing_status[uid] = "IDLE"
    result = invoke(sim, "plan", csv(tmp_path / "r.csv", "Retention", dict.fromkeys(emails, "2")), "--base-url", url)
    assert result.exit_code == exitcodes.OK, result.output
    out = result.output
    assert "Impact on routing (2 user(s) change skills, languages or queues" in out
    assert f"skill group 'Retention pros': {len(pros)} members -> {len(pros) - 2}; leave: {', '.join(sorted(emails))} (feeds 'Retention')" in out
    assert f"queue 'Retention': {len(pros)} members (0 direct) -> {len(pros) - 2} (0 direct); leave through skill group 'Retention pros'" in out
    assert "Retention: 3 agents on queue now; after this job 2 of them leave it" in out
    as_json = invoke(sim, "plan", str(tmp_path / "r.csv"), "--base-url", url, "--json")
    impact = orjson.loads(as_json.output)["impact"]
    assert impact["groups"][0]["leaving"] == sorted(emails) and impact["queues"][0]["on_queue_leaving"] == 2 and impact["analytics"] == "read"


#: Requests that change the org (the token, the analytics and search queries are reads).
READ_POSTS = ("/oauth/token", "/query", "/search")


def writes(sim: Simulator) -> int:
    """Requests that change the org, counted at the simulator so far."""
    routes = sim.stats()["byRoute"]
    return sum(r["total"] for key, r in routes.items() if not key.startswith(("GET ", "HEAD ")) and not (key.startswith("POST ") and key.endswith(READ_POSTS)))


def routes_hit(sim: Simulator) -> dict[str, int]:
    return {key: r["total"] for key, r in sim.stats()["byRoute"].items()}


def impact_reads(spent: dict[str, int]) -> list[str]:
    """The routes only the impact reads: skill groups, the queue listing, the activity query."""
    return sorted(key for key in spent if "skillgroups" in key or "analytics" in key or key == "GET /api/v2/routing/queues")


def test_run_refuses_by_default_a_job_that_empties_a_queue_and_writes_nothing(org, tmp_path):
    sim, url = org
    qid, pros = only_through(sim, "Collections", "Collections pros", "Collections", 4)
    spec = csv(tmp_path / "c.csv", "Collections", {sim.org.users[u].email: "-" for u in pros})
    before, written = sim.dump(), writes(sim)
    plain = invoke(sim, "plan", spec, "--base-url", url)
    assert plain.exit_code == exitcodes.OK and "warning [critical]: queue 'Collections' would be left with no member" in plain.output
    strict = invoke(sim, "plan", spec, "--base-url", url, "--strict")
    assert strict.exit_code == exitcodes.IMPACT == 12
    assert "refused: queue 'Collections' would be left with no member" in strict.output
    for flags in ((), ("--strict",)):  # refusing is the default; --strict is still accepted and means it
        seen = routes_hit(sim)
        run = invoke(sim, "run", spec, "--base-url", url, "--yes", "--state-dir", str(tmp_path / "st"), "--job", "c", *flags)
        assert run.exit_code == exitcodes.IMPACT, run.output
        assert "refused: queue 'Collections' would be left with no member" in run.output
        assert "nothing was written; change the job, or pass --accept-impact to run it anyway" in run.output
        assert writes(sim) == written  # not one write reached the org
        spent = impact_reads({k: n for k, n in routes_hit(sim).items() if n != seen.get(k)})
        assert spent and not [k for k in spent if "analytics" in k], spent  # the check read the impact; with --yes not who is on queue
        assert sim.dump() == before and sim.queue_member_ids(qid) == set(pros)
        assert not (tmp_path / "st" / "c").exists()
    both = invoke(sim, "run", spec, "--base-url", url, "--yes", "--strict", "--accept-impact")
    assert both.exit_code == exitcodes.USAGE and "contradict" in both.output
    # with --accept-impact the run goes ahead, says what it accepted, and the queue is empty after it
    ran = invoke(sim, "run", spec, "--base-url", url, "--yes", "--accept-impact", "--state-dir", str(tmp_path / "st"), "--job", "c")
    assert ran.exit_code == exitcodes.OK, ran.output
    assert "accepted (--accept-impact): queue 'Collections' would be left with no member" in ran.output
    assert sim.queue_member_ids(qid) == set() and writes(sim) > written


def test_lowering_a_proficiency_below_a_group_s_condition_is_checked_too(org, tmp_path):
    sim, url = org
    qid, pros = only_through(sim, "Retention", "Retention pros", "Retention", 4)
    spec = csv(tmp_path / "r.csv", "Retention", {sim.org.users[u].email: "2" for u in pros})  # a set, not a removal
    written = writes(sim)
    run = invoke(sim, "run", spec, "--base-url", url, "--yes", "--state-dir", str(tmp_path / "st"))
    assert run.exit_code == exitcodes.IMPACT, run.output
    assert writes(sim) == written and sim.queue_member_ids(qid) == set(pros)


def test_a_job_that_only_adds_skills_reads_no_impact(org, tmp_path):
    sim, url = org
    only_through(sim, "Retention", "Retention pros", "Retention", 4)  # a group that adding cannot empty
    sid = sim.skill_ids_by_name()["Retention"]
    lacking = [u.email for uid, u in sorted(sim.org.users.items()) if u.state == "active" and sid not in u.skills][:5]
    spec = csv(tmp_path / "a.csv", "Retention", dict.fromkeys(lacking, "5"))
    before = routes_hit(sim)
    ran = invoke(sim, "run", spec, "--base-url", url, "--yes", "--state-dir", str(tmp_path / "st"))
    assert ran.exit_code == exitcodes.OK, ran.output
    after = routes_hit(sim)
    spent = {key: n - before.get(key, 0) for key, n in after.items() if n != before.get(key, 0)}
    assert impact_reads(spent) == [], spent
    assert sim.queue_member_ids(sim.queue_ids_by_name()["Retention"]) >= {u for u, x in sim.org.users.items() if x.email in lacking}


def test_without_analytics_the_plan_says_what_it_could_not_see(org, tmp_path):
    sim, url = org
    _, pros = only_through(sim, "Retention", "Retention pros", "Retention", 4)
    sim.configure(analytics_forbidden=True)
    result = invoke(sim, "plan", csv(tmp_path / "r.csv", "Retention", {sim.org.users[pros[0]].email: "1"}), "--base-url", url)
    assert result.exit_code == exitcodes.OK, result.output
    assert "agents on queue now: not visible: the OAuth client may not read analytics (HTTP 403; needs analytics:queueObservation:view)" in result.output
    assert "agents on queue now;" not in result.output


def test_the_question_shows_five_queues_three_warnings_and_escapes_org_names():
    queues = tuple(QueueImpact(f"Q{i}", 3, 3, (), ("a@x",), 0, 1, ()) for i in range(7)) + (QueueImpact("Evil\n  org: fake", 1, 1, (), ("a@x",), 0, 1, ()),)
    warnings = tuple(ImpactWarning(CRITICAL, f"w{i}") for i in range(4))
    lines = question_lines(Impact(queues=queues, warnings=warnings, users_moving=1), why="a user leaves a queue")
    assert lines[0] == "queues: 'Q0' 3 -> 2, 'Q1' 3 -> 2, 'Q2' 3 -> 2, 'Q3' 3 -> 2, 'Q4' 3 -> 2 and 3 more"
    assert lines[1:] == ("warning [critical]: w0", "warning [critical]: w1", "warning [critical]: w2", "... and 1 more warning(s): `bulkops plan` shows them")
    named = question_lines(Impact(queues=queues[-1:], users_moving=1), why="")
    assert "\n" not in named[0] and "Evil" in named[0]
    assert question_lines(Impact(users_moving=1, requests=4), why="a skill or language is removed") == (
        "routing: no queue loses a member (a skill or language is removed; impact read: 4 request(s))",
    )
