"""items.csv's change column for queue items (#18): settings before and after, ring skills and
wrap-up codes by name; who a member activation activated and deactivated. Pure, then over HTTP."""

from __future__ import annotations

import csv
import html
import json

import pytest
from helpers.engine import client_for

from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.kinds.queues import kind as kind_queues
from bulkops.report.files import write_report, write_results
from bulkops.report.itemchange import change_text
from bulkops.simulator import SimConfig


def test_a_queue_change_in_words() -> None:
    changes = {
        "settings": {
            "skillEvaluationMethod": {"before": "BEST", "after": "ALL"},
            "bullseye.rings.1.skillsToRemove": {"before": None, "after": ["s2", "s1"]},
        },
        "addWrapupCodes": ["c1"],
        "removeWrapupCodes": ["c2"],
        "wrapupCodeNames": {"c1": "Resolved", "c2": "Wrong Number"},
    }
    assert change_text("queue", changes, {"s1": "Billing", "s2": "Sales"}) == (
        "skillEvaluationMethod BEST -> ALL; bullseye.rings.1.skillsToRemove (none) -> [Billing, Sales]; "
        "add wrap-up codes Resolved; remove wrap-up codes Wrong Number"
    )
    assert change_text("queue_members", {"activate": [f"u{i}@x" for i in range(12)], "deactivate": ["v@x"]}, {}) == (
        "activate 12: " + ", ".join(f"u{i}@x" for i in range(10)) + " ... and 2 more; deactivate 1: v@x"
    )
    assert change_text("skill", {"op": "create", "division": "Home"}, {}) == "create Home"
    assert change_text("queue", {}, {}) is None


@pytest.fixture
def fast_pace(monkeypatch):
    monkeypatch.setattr(kind_queues, "QUEUE_WRITES_PER_SECOND", 1000.0)


async def test_items_csv_says_what_each_queue_item_changed(sim, tmp_path, fast_pace):
    sim.sim.reset(SimConfig(users=200, queues=4, seed=51))
    s = sim.sim
    name = "Billing"
    q = s.org.queues[s.queue_ids_by_name()[name]]
    member = sorted(q.members)[0]
    q.members[member] = False
    held = {s.org.queueconfig.wrapup_codes[c].name for c in s.org.queueconfig.queue_codes[q.id]}
    add = sorted({c.name for c in s.org.queueconfig.wrapup_codes.values()} - held)[0]
    email = s.org.users[member].email
    spec = tmp_path / "q.json"
    spec.write_text(
        json.dumps({"version": 2, "queues": [{"queue": name, "skillEvaluationMethod": "NONE", "addWrapupCodes": [add], "members": {"activate": [email]}}]})
    )
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        await execute(client, setup, options=RunOptions(workers=2, conflict_delay=0.0))
    results = write_results(setup.paths)
    with open(results.folder / "items.csv", encoding="utf-8-sig") as f:
        rows = {r["kind"]: r for r in csv.DictReader(f)}
    assert rows["queue"]["change"] == f"skillEvaluationMethod BEST -> NONE; add wrap-up codes {add}"
    assert rows["queue_members"]["change"] == f"activate 1: {email}"
    assert rows["queue"]["outcome"] == rows["queue_members"]["outcome"] == "applied"
    # #28 §5: the report puts each kind under its own heading, with the change items.csv has
    page = write_report(setup.paths).read_text(encoding="utf-8")
    assert "Skill definitions" not in page
    queue_at, members_at = page.index('<h2 id="items-queue">Queue settings</h2>'), page.index('<h2 id="items-queue_members">Queue members</h2>')
    assert queue_at < members_at
    assert (
        f'<tr data-item="queue:{q.id}"><td>{name}</td><td>skillEvaluationMethod BEST -&gt; NONE; add wrap-up codes {html.escape(add)}</td><td>applied</td>'
        in page
    )
    assert f"<td>activate 1: {email}</td><td>applied</td>" in page[members_at:]
