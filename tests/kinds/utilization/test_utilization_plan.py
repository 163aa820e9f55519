"""What plan says of utilization (#19), over HTTP: the users' settings in counts (which media type,
which label, whole settings, returns to the default), the org default before and after in names,
and the requests the run will spend, which the run then does not exceed."""

from __future__ import annotations

import json

from helpers.engine import client_for

from bulkops.domain.utilization import MEDIA_TYPES
from bulkops.engine.plan.planjob import make_plan
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.kinds.orgutil.plan import describe_default_line
from bulkops.kinds.utilization.plan import describe_utilization_line
from bulkops.simulator import SimConfig


async def test_plan_counts_the_users_settings_and_shows_the_default_before_and_after(sim, tmp_path):
    sim.sim.reset(SimConfig(users=40, seed=12))
    s = sim.sim
    ids = s.user_ids()[:30]
    entries = [{"user": uid, "media": {"email": {"maximumCapacity": 3}}, "labels": {"VIP": {"maximumCapacity": 1}}} for uid in ids[:20]]
    entries += [{"user": uid, "whole": True, "media": {m: {"maximumCapacity": 2} for m in MEDIA_TYPES}} for uid in ids[20:28]]
    entries += [{"user": uid, "inherit": True} for uid in ids[28:]]
    default = {
        "media": {"chat": {"maximumCapacity": 4}, "email": {"maximumCapacity": 2, "interruptableMediaTypes": ["call"]}},
        "labels": {"VIP": {"maximumCapacity": 2}},
    }
    spec = tmp_path / "u.json"
    spec.write_text(json.dumps({"version": 2, "utilizationLabels": [{"create": "VIP"}], "utilizationDefault": default, "utilization": entries}))
    async with client_for(sim, rps=3000) as client:
        resolved = await resolve_against_org(client, check_locally(spec))
        plan = await make_plan(client, resolved)
        planned = plan.run_requests(client.stats.requests)
    assert plan.sections["utilization"] == {
        "users": 30,
        "merged": 20,
        "whole": 8,
        "inherit": 2,
        "media": {
            "call": {"users": 8, "capacities": {"2": 8}},
            "callback": {"users": 8, "capacities": {"2": 8}},
            "chat": {"users": 8, "capacities": {"2": 8}},
            "email": {"users": 28, "capacities": {"2": 8, "3": 20}},
            "message": {"users": 8, "capacities": {"2": 8}},
        },
        "labels": {"VIP": 20},
        "requests": 20 * 2 + 8 + 2 * 2 + 1,
    }
    assert describe_utilization_line(plan.sections["utilization"]).startswith(
        "30 user(s): 20 merged into their setting (read, PUT), 8 given a whole setting (PUT, no read), 2 back to the org default (read, DELETE); "
        "call for 8 (capacity 2: 8); "
    )
    assert plan.sections["utilization_default"] == {
        "line": 1,
        "changes": [
            {
                "setting": "email",
                "before": {"maximumCapacity": 1, "interruptableMediaTypes": ["call", "callback", "chat", "message"], "includeNonAcd": False},
                "after": {"maximumCapacity": 2, "interruptableMediaTypes": ["call"], "includeNonAcd": False},
            },
            {"setting": "label VIP", "before": None, "after": {"maximumCapacity": 2, "interruptingLabels": []}},
        ],
        "already": ["chat"],
        "reads": 2,
    }
    assert describe_default_line(plan.sections["utilization_default"]) == (
        "email maximumCapacity 1 -> 2, interruptableMediaTypes [call, callback, chat, message] -> [call]; "
        "label 'VIP' (none) -> maximumCapacity 2, interruptingLabels []; already so: chat"
    )
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        summary = await execute(client, setup, options=RunOptions(workers=4, conflict_delay=0.0))
        spent = client.stats.requests
    assert summary["status"] == "complete", summary
    assert spent <= planned, (spent, planned)
