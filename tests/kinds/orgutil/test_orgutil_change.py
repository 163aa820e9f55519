"""items.csv's change column for the two utilization kinds (#26 §1: it was empty for both): pure, then
over HTTP."""

from __future__ import annotations

import csv
import json

import pytest
from helpers.engine import client_for

from bulkops.client.endpoints.utilization import get_user_utilization, put_user_utilization
from bulkops.domain.utilization import AGENT, MediaUtilization, Utilization
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.report.files import write_results
from bulkops.report.itemchange import change_text
from bulkops.simulator import SimConfig

PUT = {
    "write": "PUT",
    "body": {
        "utilization": {
            "call": {"maximumCapacity": 1, "interruptableMediaTypes": [], "includeNonAcd": False},
            "email": {"maximumCapacity": 2, "interruptableMediaTypes": ["call", "chat"], "includeNonAcd": False},
        },
        "labelUtilizations": {"l-vip": {"maximumCapacity": 1, "interruptingLabelIds": ["l-gold"]}},
    },
}


@pytest.mark.parametrize("kind", ["utilization_default", "utilization"])
@pytest.mark.parametrize(
    ("changes", "names", "said"),
    [
        (PUT, {"l-vip": "VIP", "l-gold": "Gold"}, "PUT call 1, email 2 (interrupts call, chat); label VIP 1 (interrupts Gold)"),
        (PUT, {}, "PUT call 1, email 2 (interrupts call, chat); label l-vip 1 (interrupts l-gold)"),
        ({"write": "PUT", "body": {"utilization": {}, "labelUtilizations": {}}}, {}, "PUT (nothing named)"),
        ({"write": "DELETE"}, {}, "DELETE (back to the org default)"),
        ({"write": "none"}, {}, None),
        ({}, {}, None),
    ],
)
def test_a_utilization_write_says_what_it_wrote(kind, changes, names, said):
    assert change_text(kind, changes, names) == said


def test_the_other_kinds_say_what_they_said_before():
    assert change_text("skill", {"op": "create", "division": "Home"}, {}) == "create Home"
    assert change_text("label", {"op": "delete"}, {}) == "delete"
    assert change_text(None, {"op": "create"}, {}) == "create"


async def test_items_csv_says_what_each_utilization_item_wrote(sim, tmp_path):
    sim.sim.reset(SimConfig(users=10, seed=5))
    s = sim.sim
    merged, back = s.user_ids()[:2]
    async with client_for(sim, rps=3000) as client:
        mine = await get_user_utilization(client, back)
        await put_user_utilization(client, back, Utilization({**mine.media, "chat": MediaUtilization(5)}, {}, level=AGENT))
    spec = tmp_path / "u.json"
    spec.write_text(
        json.dumps(
            {
                "version": 2,
                "utilizationLabels": [{"create": "VIP"}],
                "utilizationDefault": {
                    "media": {"email": {"maximumCapacity": 2, "interruptableMediaTypes": ["call"]}},
                    "labels": {"VIP": {"maximumCapacity": 1}},
                },
                "utilization": [{"user": merged, "media": {"email": {"maximumCapacity": 3}}}, {"user": back, "inherit": True}],
            }
        )
    )
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        summary = await execute(client, setup, options=RunOptions(workers=2, conflict_delay=0.0))
    assert summary["items"]["utilization"] == {"applied": 2} and summary["items"]["utilization_default"] == {"applied": 1}, summary
    results = write_results(setup.paths)
    with open(results.folder / "items.csv", encoding="utf-8-sig") as f:
        rows = {(r["kind"], r["key"]): r["change"] for r in csv.DictReader(f)}
    vip = next(x.id for x in s.org.utilization.labels.values() if x.name == "VIP")
    default = rows[("utilization_default", "org")]
    assert default.startswith("PUT ") and "email 2 (interrupts call)" in default and default.endswith(f"; label {vip} 1")
    assert rows[("utilization", back)] == "DELETE (back to the org default)"
    assert rows[("utilization", merged)].startswith("PUT ") and "email 3" in rows[("utilization", merged)]
