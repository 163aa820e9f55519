"""Whole-setting utilization writes over HTTP (#19): an entry with ``"whole": true`` is PUT without
reading the user's setting first, one request a user; what the user had (labels, other capacities,
``maxInboundCalls``) is gone; a PUT already sent before a kill is sent again on resume and the
user ends exactly as named."""

from __future__ import annotations

import json

from helpers.engine import client_for

from bulkops.client.endpoints.utilization import get_user_utilization
from bulkops.domain.utilization import MEDIA_TYPES
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.simulator import SimConfig
from bulkops.state.store import INFLIGHT

OPTS = RunOptions(workers=8, conflict_delay=0.0)
WHOLE = {
    "call": {"maximumCapacity": 1},
    "callback": {"maximumCapacity": 1},
    "chat": {"maximumCapacity": 2, "interruptableMediaTypes": ["call"]},
    "email": {"maximumCapacity": 3, "interruptableMediaTypes": ["call", "chat"], "includeNonAcd": True},
    "message": {"maximumCapacity": 0},
}


def whole_spec(tmp_path, emails, *, label: bool = True):
    entries = [{"user": e, "whole": True, "media": WHOLE, **({"labels": {"VIP": {"maximumCapacity": 1}}} if label else {})} for e in emails]
    spec = tmp_path / "whole.json"
    spec.write_text(json.dumps({"version": 2, "utilizationLabels": [{"create": "VIP"}] if label else [], "utilization": entries}))
    return spec


def assert_exactly_named(setting, vip):
    assert setting.level == "Agent"
    assert set(setting.media) == set(MEDIA_TYPES) | {"workitem"}  # one bulkops does not know: the org default's (the PUT left it out)
    for mt, want in WHOLE.items():
        got = setting.media[mt]
        assert got.maximum_capacity == want["maximumCapacity"], mt
        assert got.interruptable_media_types == set(want.get("interruptableMediaTypes", [])), mt
        assert got.include_non_acd == want.get("includeNonAcd", False), mt
    assert set(setting.labels) == ({vip} if vip else set())
    assert setting.max_inbound_calls is None


async def test_a_whole_setting_is_written_without_a_read_and_replaces_what_the_user_had(sim, tmp_path):
    sim.sim.reset(SimConfig(users=80, seed=7))
    s = sim.sim
    ids = s.user_ids()[:60]
    old = s.org.utilization.create_label("Legacy", None, limit=100)
    for uid in ids[:20]:  # their own setting: a label and maxInboundCalls, which the whole setting drops
        s.set_user_utilization(
            uid, {"utilization": {"chat": {"maximumCapacity": 5}}, "labelUtilizations": {old.id: {"maximumCapacity": 2}}, "maxInboundCalls": 2}
        )
    spec = whole_spec(tmp_path, [s.org.user(uid).email for uid in ids])
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        before = client.stats.requests
        summary = await execute(client, setup, options=OPTS)
        spent = client.stats.requests - before
    assert summary["status"] == "complete", summary
    assert summary["items"]["utilization"] == {"applied": 60}
    # 60 PUTs, the label's listing and its create, the utilization phase's one label listing
    assert spent == 60 + 3, summary["this_run"]
    assert "GET /api/v2/routing/users/{userId}/utilization" not in s.stats()["byRoute"]
    vip = next(x.id for x in s.org.utilization.labels.values() if x.name == "VIP")
    async with client_for(sim, rps=3000) as client:
        for uid in ids:
            assert_exactly_named(await get_user_utilization(client, uid), vip)
    assert s.org.utilization.label_users(old.id) == []


async def test_a_whole_setting_already_sent_before_a_kill_is_sent_again_and_ends_exact(sim, tmp_path):
    """The kill came between the PUT and the checkpoint: the items are in flight, the users already
    have the setting (and one has since been changed by someone else). Resume writes each once more."""
    sim.sim.reset(SimConfig(users=30, seed=8))
    s = sim.sim
    ids = s.user_ids()[:20]
    spec = whole_spec(tmp_path, [s.org.user(uid).email for uid in ids], label=False)
    body = {"utilization": WHOLE}
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
    for uid in ids[:10]:  # the PUTs that went out before the kill
        s.set_user_utilization(uid, body)
        setup.store.mark_item("utilization", uid, INFLIGHT)
    s.set_user_utilization(ids[0], {"utilization": {**WHOLE, "email": {"maximumCapacity": 9}}})
    async with client_for(sim, rps=3000) as client:
        summary = await execute(client, setup, options=OPTS)
    assert summary["items"]["utilization"] == {"applied": 20}
    routes = {k: v["total"] for k, v in s.stats()["byRoute"].items()}
    assert routes["PUT /api/v2/routing/users/{userId}/utilization"] == 20  # one PUT a user
    assert "GET /api/v2/routing/users/{userId}/utilization" not in routes  # and no read
    async with client_for(sim, rps=3000) as client:
        for uid in ids:
            assert_exactly_named(await get_user_utilization(client, uid), None)


async def test_a_whole_setting_naming_a_label_the_org_lost_is_refused_named(sim, tmp_path):
    sim.sim.reset(SimConfig(users=10, seed=9))
    s = sim.sim
    s.org.utilization.create_label("VIP", None, limit=100)
    uid = s.user_ids()[0]
    spec = tmp_path / "w.json"
    spec.write_text(json.dumps({"version": 2, "utilization": [{"user": uid, "whole": True, "media": WHOLE, "labels": {"VIP": {"maximumCapacity": 1}}}]}))
    async with client_for(sim, rps=3000) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path)
        for lid in list(s.org.utilization.labels):
            s.org.utilization.delete_label(lid, force=True)
        summary = await execute(client, setup, options=OPTS)
    assert summary["items"]["utilization"] == {"failed": 1}
    assert uid not in s.org.utilization.users
