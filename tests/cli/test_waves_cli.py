"""``run --waves/--gate/--watch/--rollback-on-breach`` (#31 §3), from the command line in-process
against the routing profile's org over HTTP: every bad gate refused before anything is written, a
harmless job through every wave (exit 0), a job taking Support ES's Spanish speakers breaching in
its first wave (exit 13, naming the queue, the reading and the wave), its rollback putting every
user of the wave back, and holding back a user someone changed during the watch."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result
from helpers.cli import writes_counted
from helpers.faultproxy import EMPTY_OBJECT, HTML_PAGE, Answer, Rewrite, Seen
from helpers.simthread import proxy_thread

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.client.endpoints.queue_observations import OBSERVATIONS_PATH
from bulkops.domain.rollout.waves import wave_of
from bulkops.simulator import SimConfig, Simulator
from bulkops.state.auditline import audit_lines
from bulkops.state.records import ItemOutcome
from bulkops.state.waveslog import GateReading, WaveEvent, read_log

SPANISH_TO_PORTUGUESE = Path(__file__).resolve().parents[2] / "jobs" / "spanish-to-portuguese.json"
#: The routing profile's org without its faults, its queues' time 10x the profile's (#31 §1: 600), so that
#: Support ES, left 10 of 14 agents by the first wave, passes 3 waiting within a 2 s watch (about 0.4 s).
ROUTING = SimConfig(routing_picture=True, queue_traffic=True, time_scale=6000.0)
HALVES = (0.5, 1.0)


def org_writes(sim: Simulator) -> int:
    """Requests that could change the org: ``writes_counted`` less the analytics queries (POSTs that read)."""
    stats = sim.stats()
    queries = sum(v["total"] for k, v in stats["byRoute"].items() if k.startswith("POST") and "/analytics/" in k)
    return writes_counted(stats) - int(queries)


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def run_waves(sim: Simulator, url: str, state: Path, spec: Path | str, *extra: str) -> Result:
    return invoke(sim, "run", str(spec), "--base-url", url, "--state-dir", str(state), "--job", "j", "--yes", "--accept-impact", "--waves", "50%,100%", *extra)


def spec_users(sim: Simulator, spec: Path) -> list[str]:
    by_email = {u.email: uid for uid, u in sim.org.users.items()}
    return [by_email[u["user"]] for u in orjson.loads(spec.read_bytes())["users"]]


def languages(sim: Simulator, ids: list[str]) -> dict[str, dict[str, float]]:
    return {uid: dict(sim.org.users[uid].languages) for uid in ids}


@pytest.fixture
def routing(served):
    sim, url = served
    sim.reset(ROUTING)
    return sim, url


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--gate", "abandoned<=3"), "not a metric the client reads"),
        (("--gate", "waiting<="), "is not a number"),
        (("--gate", "waiting"), "no comparison"),
        (("--gate", "serviceLevel>=2"), "a share between 0 and 1"),
        (("--gate", "No Such Queue:waiting<=3"), "the org lacks: 'No Such Queue'"),
        (("--waves", "50%,40%"), "must rise"),
        (("--watch", "soon"), "not a duration"),
    ],
)
def test_a_bad_gate_is_refused_before_anything_is_written(routing, tmp_path, args, says):
    sim, url = routing
    before, org_writes_before = sim.stats(), org_writes(sim)
    result = run_waves(sim, url, tmp_path, SPANISH_TO_PORTUGUESE, "--watch", "2s", *args)
    assert result.exit_code == exitcodes.USAGE, result.output
    assert says in result.output
    assert org_writes(sim) == org_writes_before
    if args[1] != "No Such Queue:waiting<=3":  # read from the org (its queues), never written
        assert sim.stats()["total"] == before["total"]  # refused before anything is sent
    assert not (tmp_path / "j").exists() or not (tmp_path / "j" / "state.db").exists()


def test_a_gate_the_client_may_not_read_is_refused_before_anything_is_written(served, tmp_path):
    sim, url = served
    sim.reset(SimConfig(routing_picture=True, queue_traffic=True, analytics_forbidden=True))
    before = org_writes(sim)
    result = run_waves(sim, url, tmp_path, SPANISH_TO_PORTUGUESE, "--gate", "waiting<=3", "--watch", "2s")
    assert result.exit_code == exitcodes.AUTH_CONFIG, result.output
    assert "the gate cannot be read" in result.output and "nothing was written" in result.output
    assert org_writes(sim) == before and not (tmp_path / "j" / "state.db").exists()


def test_gate_without_waves_is_a_usage_error(routing, tmp_path):
    sim, url = routing
    result = invoke(sim, "run", str(SPANISH_TO_PORTUGUESE), "--base-url", url, "--state-dir", str(tmp_path), "--gate", "waiting<=3")
    assert result.exit_code == exitcodes.USAGE and "need --waves" in result.output


def test_a_harmless_job_goes_through_every_wave(routing, tmp_path):
    sim, url = routing
    spec = tmp_path / "harmless.json"
    users = [{"user": u.email, "skills": {"Waves Canary": 3}} for u in list(sim.org.users.values())[:30]]
    spec.write_bytes(orjson.dumps({"version": 1, "mode": "merge", "users": users}))
    result = run_waves(sim, url, tmp_path, spec, "--create-missing-skills", "--gate", "waiting<=3", "--gate", "Support ES:onQueue>=3", "--watch", "1s")
    assert result.exit_code == exitcodes.OK, result.output
    events = [(e.wave, e.event) for e in read_log(tmp_path / "j") if isinstance(e, WaveEvent)]
    assert [e for e in events if e[1] in ("start", "passed")] == [(0, "start"), (0, "passed"), (1, "start"), (1, "passed")]
    readings = [r for r in read_log(tmp_path / "j") if isinstance(r, GateReading)]
    assert readings and {r.queue for r in readings} == {"Support ES"} and not any(r.breaches for r in readings)
    skill = sim.skill_ids_by_name()["Waves Canary"]
    assert all(skill in sim.org.users[uid].skills for uid in spec_users(sim, spec))


def test_a_breach_stops_the_run_in_its_first_wave_naming_queue_reading_and_wave(routing, tmp_path):
    sim, url = routing
    ids = spec_users(sim, SPANISH_TO_PORTUGUESE)
    spanish = sim.language_ids_by_name()["Spanish"]
    result = run_waves(sim, url, tmp_path, SPANISH_TO_PORTUGUESE, "--gate", "waiting<=3", "--watch", "2s")
    assert result.exit_code == exitcodes.BREACH, result.output
    assert "breach in wave 1 of 2" in result.output and "queue 'Support ES': waiting" in result.output and "fails waiting<=3" in result.output
    first = {uid for uid in ids if wave_of(uid, HALVES) == 0}
    assert first and first != set(ids)
    for uid in ids:  # the first wave written, the second not
        assert (spanish in sim.org.users[uid].languages) == (uid not in first)
    info = orjson.loads(invoke(sim, "status", "j", "--state-dir", str(tmp_path), "--json").output)
    assert info["waves"]["wave"] == 0 and info["waves"]["phase"] == "breached" and info["waves"]["last_readings"]
    text = invoke(sim, "status", "j", "--state-dir", str(tmp_path)).output
    assert "waves: wave 1 of 2 (to 50% of the users), breached" in text and "last reading" in text and "Support ES: waiting" in text
    assert "bulkops undo j" in text and "bulkops resume j" not in text
    page = (tmp_path / "j" / "results" / "report.html").read_text()
    assert '<h2 id="waves">' in page and 'data-chart="waves-waiting"' in page and 'data-mark="wave 1"' in page and 'data-mark="breach"' in page
    assert "Support ES: waiting" in page  # a point's tooltip
    again = invoke(sim, "resume", "j", "--base-url", url, "--state-dir", str(tmp_path))
    assert again.exit_code == exitcodes.BREACH and "breach in wave 1" in again.output  # a breached job is not carried on


def test_rollback_puts_every_user_of_the_wave_back(routing, tmp_path):
    sim, url = routing
    ids = spec_users(sim, SPANISH_TO_PORTUGUESE)
    before = languages(sim, ids)
    result = run_waves(sim, url, tmp_path, SPANISH_TO_PORTUGUESE, "--gate", "waiting<=3", "--watch", "2s", "--rollback-on-breach")
    assert result.exit_code == exitcodes.BREACH, result.output
    assert "queue 'Support ES'" in result.output and "rollback: job j-undo: complete" in result.output
    assert languages(sim, ids) == before


def test_rollback_holds_back_a_user_changed_during_the_watch(routing, tmp_path):
    sim, url = routing
    ids = spec_users(sim, SPANISH_TO_PORTUGUESE)
    before = languages(sim, ids)
    portuguese = sim.language_ids_by_name()["Portuguese"]
    changed = sorted(uid for uid in ids if wave_of(uid, HALVES) == 0)[0]

    def someone_changes_a_user(request: Seen, answer: Answer) -> Answer:
        user = sim.org.users[changed]  # the simulator's thread is idle: its answer is in the proxy
        if user.languages.get(portuguese) == 4:
            user.languages[portuguese] = 1.0
            user.version += 1
        return answer

    with proxy_thread(url) as proxy:
        proxy.inject("POST", OBSERVATIONS_PATH, Rewrite(someone_changes_a_user))
        result = run_waves(sim, proxy.base_url, tmp_path, SPANISH_TO_PORTUGUESE, "--gate", "waiting<=3", "--watch", "2s", "--rollback-on-breach")
    assert result.exit_code == exitcodes.BREACH, result.output
    assert "reconcile list j-undo" in result.output
    after = languages(sim, ids)
    assert after[changed][portuguese] == 1.0  # what someone else wrote stays
    assert {uid: v for uid, v in after.items() if uid != changed} == {uid: v for uid, v in before.items() if uid != changed}
    queue = (tmp_path / "j-undo" / "reconciliation.ndjson").read_text()
    assert changed in queue


def canary_spec(sim: Simulator, tmp_path: Path, users: int = 20) -> Path:
    spec = tmp_path / "canary.json"
    rows = [{"user": u.email, "skills": {"Waves Canary": 3}} for u in list(sim.org.users.values())[:users]]
    spec.write_bytes(orjson.dumps({"version": 1, "mode": "merge", "users": rows}))
    return spec


def test_an_answer_without_the_queue_is_unread_never_zero(routing, tmp_path):
    sim, url = routing
    spec = canary_spec(sim, tmp_path)
    with proxy_thread(url) as proxy:
        rule = proxy.inject("POST", OBSERVATIONS_PATH, EMPTY_OBJECT)
        result = run_waves(sim, proxy.base_url, tmp_path, spec, "--create-missing-skills", "--gate", "Support ES:onQueue>=3", "--watch", "1s")
        assert rule.injected >= 3  # the reading before the first write, and each watch's
    assert result.exit_code == exitcodes.OK, result.output  # zero agents on queue would have breached onQueue>=3
    readings = [r for r in read_log(tmp_path / "j") if isinstance(r, GateReading)]
    assert readings and all(set(r.values.values()) == {None} and not r.breaches for r in readings)


def test_a_watch_the_api_cannot_answer_stops_resumably_and_resume_watches_on(routing, tmp_path):
    sim, url = routing
    spec = canary_spec(sim, tmp_path)
    with proxy_thread(url) as proxy:
        proxy.inject("POST", OBSERVATIONS_PATH, HTML_PAGE, from_nth=2)  # the reading before the first write passes
        result = run_waves(
            sim, proxy.base_url, tmp_path, spec, "--create-missing-skills", "--gate", "Support ES:waiting<=100", "--watch", "1s", "--retry-budget", "1"
        )
    assert result.exit_code not in (exitcodes.OK, exitcodes.BREACH), result.output
    assert "the watch stopped" in result.output and "bulkops resume j" in result.output
    info = orjson.loads(invoke(sim, "status", "j", "--state-dir", str(tmp_path), "--json").output)
    assert (info["waves"]["wave"], info["waves"]["phase"]) == (0, "watching")
    writes = org_writes(sim)
    again = invoke(sim, "resume", "j", "--base-url", url, "--state-dir", str(tmp_path))
    assert again.exit_code == exitcodes.OK, again.output
    second = [uid for uid in spec_users(sim, spec) if wave_of(uid, HALVES) == 1]
    assert org_writes(sim) - writes == len(second)  # the second wave's users only: the first is not applied again
    events = [(e.wave, e.event) for e in read_log(tmp_path / "j") if isinstance(e, WaveEvent)]
    assert events.count((0, "start")) == 1 and (0, "passed") in events and (1, "passed") in events


def test_items_go_with_the_first_wave_and_late_items_with_the_last(served, tmp_path):
    sim, url = served
    sim.reset(SimConfig())
    spec = Path(__file__).resolve().parents[2] / "jobs" / "skills-reorg.json"
    result = run_waves(sim, url, tmp_path, spec, "--watch", "0s")
    assert result.exit_code == exitcodes.OK, result.output
    lines = list(audit_lines(tmp_path / "j" / "audit.ndjson"))
    runs = list(dict.fromkeys(line.run_id for line in lines))
    assert len(runs) == 2  # one pass a wave
    items = {r.record.key: r.run_id for r in lines if isinstance(r.record, ItemOutcome) and r.record.kind == "skill"}
    created, deleted = items["create:billing tier 2"], items["delete:retention"]
    assert created == runs[0]  # before any user needs it
    assert deleted == runs[1]  # once every wave's users are through
