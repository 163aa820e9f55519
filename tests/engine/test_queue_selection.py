"""Queues by name pattern or division, over HTTP (#18): one entry expanded in set-up to every
queue it matches, each shown in plan; a queue's own entry wins over a selection; two selections
that set different things on one queue, and a selection that matches nothing, are problems."""

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
from bulkops.kinds.queues.select import matches
from bulkops.simulator import SimConfig

OPTS = RunOptions(workers=4, conflict_delay=0.0)


@pytest.fixture
def fast_pace(monkeypatch):
    monkeypatch.setattr(kind_queues, "QUEUE_WRITES_PER_SECOND", 1000.0)


def write_spec(path, queues):
    """One entry a line, the first on line 2."""
    path.write_text('{"version": 2, "queues": [\n' + ",\n".join(json.dumps(q) for q in queues) + "\n]}\n")
    return path


def test_a_pattern_is_literal_but_for_its_stars_and_ignores_case() -> None:
    assert matches("Support *", "support EN") and matches("*Tier 2", "Technical Support Tier 2") and matches("S*s", "Sales")
    assert not matches("Support *", "Technical Support Tier 2") and not matches("Sales", "Sales 2")
    assert matches("a.b (1)*", "A.B (1) x") and not matches("a.b", "axb")


async def test_a_pattern_and_a_division_expand_and_an_explicit_entry_wins(sim, tmp_path, fast_pace):
    sim.sim.reset(SimConfig(users=60, queues=20, seed=41))
    s = sim.sim
    org = s.org
    support = sorted(n for n in s.queue_ids_by_name() if n.lower().startswith("support "))
    assert len(support) >= 3
    own = support[0]
    division = org.divisions[org.queues[s.queue_ids_by_name()["Billing"]].division_id].name
    in_division = sorted(q.name for q in org.queues.values() if org.divisions[q.division_id].name == division and q.name not in support)
    spec = write_spec(
        tmp_path / "q.json",
        [
            {"queues": {"namePattern": "support *"}, "skillEvaluationMethod": "ALL"},
            {"queue": own, "skillEvaluationMethod": "NONE"},
            {"queues": {"division": division}, "media": {"email": {"serviceLevel": {"percentage": 0.5}}}},
        ],
    )
    text = await bulkops_plan(sim, spec)
    for name in support[1:]:
        assert f"queue {name!r} (by name pattern 'support *' (line 2)): skillEvaluationMethod BEST -> ALL" in text, text
    assert f"queue {own!r}: skillEvaluationMethod BEST -> NONE; its own entry wins over name pattern 'support *' (line 2)" in text
    for name in in_division:
        assert f"queue {name!r} (by division {division!r} (line 4)): mediaSettings.email.serviceLevel.percentage" in text, text
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        summary = await execute(client, setup, options=OPTS)
    assert summary["items"]["queue"] == {"applied": len(support) + len(in_division)}, summary
    ids = s.queue_ids_by_name()
    assert [org.queueconfig.settings_of(ids[n])["skillEvaluationMethod"] for n in support] == ["NONE"] + ["ALL"] * (len(support) - 1)
    assert {org.queueconfig.settings_of(ids[n])["mediaSettings"]["email"]["serviceLevel"]["percentage"] for n in in_division} == {0.5}


async def test_two_selections_at_odds_on_one_queue_and_a_selection_matching_nothing_are_problems(sim, tmp_path):
    sim.sim.reset(SimConfig(users=60, queues=20, seed=42))
    s = sim.sim
    division = s.org.divisions[s.org.queues[s.queue_ids_by_name()["Support ES"]].division_id].name
    spec = write_spec(
        tmp_path / "q.json",
        [
            {"queues": {"namePattern": "Support *"}, "skillEvaluationMethod": "ALL"},
            {"queues": {"division": division}, "skillEvaluationMethod": "NONE"},
            {"queues": {"namePattern": "Nothing like it*"}, "skillEvaluationMethod": "NONE"},
            {"queues": {"division": "Atlantis"}, "skillEvaluationMethod": "NONE"},
        ],
    )
    async with client_for(sim, rps=3000) as client:
        with pytest.raises(SpecError) as err:
            await resolve_against_org(client, check_locally(spec))
    messages = [(p.line, p.message) for p in err.value.problems]
    assert any(
        line == 3 and m.startswith("queue 'Support ES' is matched by the entry on line 2 and by this one") and "give the queue an entry of its own" in m
        for line, m in messages
    ), messages
    assert (4, "queues by name pattern 'Nothing like it*' match no queue in the org") in messages
    assert any(line == 5 and m.startswith("division 'Atlantis' is not in the org") for line, m in messages), messages
