"""The queue example jobs run against the default org (#18): queues by pattern and division with
member activation (jobs/queues-by-pattern.json), and the CSV form (jobs/queues-settings.csv)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.engine import client_for

from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.kinds.queues import kind as kind_queues

JOBS = Path(__file__).resolve().parents[2] / "jobs"


@pytest.fixture
def fast_pace(monkeypatch):
    monkeypatch.setattr(kind_queues, "QUEUE_WRITES_PER_SECOND", 1000.0)


async def run(sim, name, tmp_path):
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(JOBS / name)), state_dir=tmp_path)
        return await execute(client, setup, options=RunOptions(workers=4, conflict_delay=0.0))


def queue(s, name):
    return s.org.queues[s.queue_ids_by_name()[name]]


async def test_queues_by_pattern_and_division(sim, tmp_path, fast_pace):
    summary = await run(sim, "queues-by-pattern.json", tmp_path)
    assert summary["items"]["queue"] == {"applied": 7}, summary  # Support DE/EN/ES, Billing, Tier 2, VIP, Support FR
    assert summary["items"]["queue_members"] == {"applied": 4}
    s = sim.sim
    settings = {n: s.org.queueconfig.settings_of(queue(s, n).id) for n in s.queue_ids_by_name()}
    assert {n for n, x in settings.items() if x["mediaSettings"]["email"]["serviceLevel"]["percentage"] == 0.9} == {
        "Support DE",
        "Support EN",
        "Support ES",
        "Support FR",
    }
    assert settings["Support FR"]["skillEvaluationMethod"] == "ALL" and settings["Support FR"]["acwSettings"]["timeoutMs"] != 120000
    assert all(settings[n]["acwSettings"] == {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 120000} for n in ("Billing", "VIP", "Technical Support Tier 2"))
    assert all(all(queue(s, n).members.values()) for n in ("Support DE", "Support EN", "Support ES", "Support FR"))


async def test_queue_settings_csv(sim, tmp_path, fast_pace):
    summary = await run(sim, "queues-settings.csv", tmp_path)
    assert summary["items"] == {"queue": {"applied": 3}, "queue_members": {"applied": 2}}, summary
    s = sim.sim
    retention = queue(s, "Retention")
    by_email = {s.org.users[u].email: j for u, j in retention.members.items()}
    assert by_email["agent00030@example.com"] is True and by_email["agent00004@example.com"] is False
    assert s.org.queueconfig.settings_of(queue(s, "Collections").id)["mediaSettings"]["email"]["serviceLevel"] == {"percentage": 0.85, "durationMs": 3600000}
