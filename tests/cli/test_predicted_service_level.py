"""Predicted service level in ``plan`` (#31 §2), from the command line in-process against the routing
profile's org over HTTP: a job taking the Spanish speakers from Support ES names its service level
now and predicted (lower, with a top-rank warning, in words that say it is a model, and in
``--json``); a harmless job predicts nothing and warns of nothing; a refused aggregates query makes
the prediction unavailable and the plan exits as before."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result
from helpers.engine import client_for
from helpers.faultproxy import FaultProxy, Via, status

from bulkops.cli.impact import plan_with_impact
from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.engine.plan.impact_text import describe
from bulkops.engine.setup.job import check_locally, resolve_against_org
from bulkops.simulator import SimConfig, Simulator

SPANISH_TO_PORTUGUESE = str(Path(__file__).resolve().parents[2] / "jobs" / "spanish-to-portuguese.json")
AGGREGATES = r"/api/v2/analytics/conversations/aggregates/query"
ROUTING = SimConfig(routing_picture=True, queue_traffic=True)  # the routing profile's org, without its faults


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _levels(line: str) -> tuple[int, int]:
    m = re.search(r"service level now (\d+)% -> predicted (\d+)%", line)
    assert m, line
    return int(m[1]), int(m[2])


def test_plan_predicts_support_es_falls_when_its_spanish_speakers_leave(served):
    sim, url = served
    sim.reset(ROUTING)
    result = invoke(sim, "plan", SPANISH_TO_PORTUGUESE, "--base-url", url)
    assert result.exit_code == exitcodes.OK, result.output
    out = result.output
    assert "predicted service level (Erlang C model, not a forecast" in out
    [line] = [x for x in out.splitlines() if x.strip().startswith("Support ES: service level now")]
    now, predicted = _levels(line)
    assert predicted < now
    assert "warning [critical]: queue 'Support ES' is predicted (Erlang C model) to fall below its service level objective" in out
    as_json = orjson.loads(invoke(sim, "plan", SPANISH_TO_PORTUGUESE, "--base-url", url, "--json").output)["impact"]
    assert as_json["prediction"] == "read"
    [es] = [s for s in as_json["service_levels"] if s["queue"] == "Support ES"]
    assert es["predicted"] < es["now"] and es["agents_after"] < es["agents_now"] and es["falls_below"] and es["objective"] == 0.8
    assert es["offered"] > 0 and es["handle_seconds"] > 0 and es["model"].startswith("Erlang C model")
    assert invoke(sim, "plan", SPANISH_TO_PORTUGUESE, "--base-url", url, "--strict").exit_code == exitcodes.IMPACT


def test_a_harmless_job_predicts_nothing_and_warns_of_nothing(served, tmp_path):
    sim, url = served
    sim.reset(ROUTING)
    spec = tmp_path / "harmless.json"
    users = [{"user": u.email, "languages": {"Portuguese": 4}} for u in list(sim.org.users.values())[:20]]
    spec.write_bytes(orjson.dumps({"version": 1, "mode": "merge", "users": users}))
    result = invoke(sim, "plan", str(spec), "--base-url", url)
    assert result.exit_code == exitcodes.OK, result.output
    assert "warning [" not in result.output and "predicted service level" not in result.output
    assert orjson.loads(invoke(sim, "plan", str(spec), "--base-url", url, "--json").output)["impact"]["service_levels"] == []


def test_without_the_analytics_permission_the_prediction_is_unavailable_and_plan_exits_as_before(served):
    sim, url = served
    sim.reset(SimConfig(routing_picture=True, queue_traffic=True, analytics_forbidden=True))
    result = invoke(sim, "plan", SPANISH_TO_PORTUGUESE, "--base-url", url)
    assert result.exit_code == exitcodes.OK, result.output
    assert "predicted service level: unavailable" in result.output and "service level now" not in result.output
    assert "agents on queue now: not visible" in result.output


@pytest.mark.parametrize("code", [403, 404])
async def test_a_refused_aggregates_query_makes_the_prediction_unavailable_and_the_plan_goes_on(sim, code):
    s = sim.sim
    s.reset(ROUTING)
    async with FaultProxy(sim.base_url) as proxy:
        proxy.inject("POST", AGGREGATES, status(code, {"message": "no", "code": "missing.permissions", "status": code}))
        async with client_for(Via(proxy.base_url, sim.client_id, sim.client_secret), rps=2000) as client:
            resolved = await resolve_against_org(client, check_locally(SPANISH_TO_PORTUGUESE))
            _, impact, _ = await plan_with_impact(client, resolved, detail=0)
        assert proxy.count("POST", AGGREGATES) == 1
    assert impact.prediction.startswith(f"unavailable: the conversation aggregates query was refused (HTTP {code}") and impact.service_levels == ()
    assert not impact.top_rank()  # a notice, so plan exits as before
    out = "\n".join(describe(impact))
    assert "predicted service level: unavailable" in out and "service level now" not in out
    assert "Support ES" in out and "agents on queue now" in out  # the rest of the impact is as before
