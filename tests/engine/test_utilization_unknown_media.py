"""Utilization with a media type bulkops does not know (``workitem``, which the platform serves beside
the five ``MediaUtilization`` documents), over HTTP (#27 §6): read, kept and written back unchanged by
a user job, an org default job and their undo; an interrupting type bulkops does not know is kept too."""

from __future__ import annotations

import json

from helpers.engine import client_for, run_job, undo_job

from bulkops.client.endpoints.utilization import decode_utilization, encode_utilization, get_org_utilization, get_user_utilization
from bulkops.domain.utilization import MEDIA_TYPES
from bulkops.simulator import SimConfig

WORKITEM = {"maximumCapacity": 3, "interruptableMediaTypes": ["call"], "includeNonAcd": True}
EMAIL = {"maximumCapacity": 1, "interruptableMediaTypes": ["call", "workitem"], "includeNonAcd": False}


def test_any_media_type_and_interrupting_type_survives_decode_and_encode():
    raw = {
        "utilization": {"call": {"maximumCapacity": 1}, "futuremedia": {"maximumCapacity": 2, "interruptableMediaTypes": ["call", "hologram"]}},
        "labelUtilizations": {},
    }
    setting = decode_utilization(raw, level="Organization")
    assert encode_utilization(setting)["utilization"]["futuremedia"] == {
        "maximumCapacity": 2,
        "interruptableMediaTypes": ["call", "hologram"],
        "includeNonAcd": False,
    }
    assert "workitem" not in MEDIA_TYPES  # the point: bulkops does not know it


async def _put(sim, path, body):
    async with client_for(sim, rps=3000) as client:
        await client.request("PUT", path, json=body)


async def test_a_user_job_and_its_undo_keep_a_media_type_bulkops_does_not_know(sim, tmp_path):
    sim.sim.reset(SimConfig(users=6, seed=11))
    uid = sim.sim.user_ids()[0]
    await _put(sim, f"/api/v2/routing/users/{uid}/utilization", {"utilization": {"workitem": WORKITEM, "email": EMAIL, "chat": {"maximumCapacity": 2}}})
    spec = tmp_path / "u.json"
    spec.write_text(json.dumps({"version": 2, "utilization": [{"user": uid, "media": {"chat": {"maximumCapacity": 4}}}]}))
    setup, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete", summary
    async with client_for(sim, rps=3000) as client:
        after = await get_user_utilization(client, uid)
    assert after.media["chat"].maximum_capacity == 4
    wire = sim.sim.org.utilization.users[uid].media
    assert (wire["workitem"].maximum_capacity, wire["workitem"].interruptable, wire["workitem"].include_non_acd) == (3, ("call",), True)
    assert wire["email"].interruptable == ("call", "workitem")
    await undo_job(sim, tmp_path, setup.job_id)
    wire = sim.sim.org.utilization.users[uid].media
    assert wire["chat"].maximum_capacity == 2 and wire["workitem"].maximum_capacity == 3 and wire["email"].interruptable == ("call", "workitem")


async def test_an_org_default_job_keeps_a_media_type_bulkops_does_not_know(sim, tmp_path):
    sim.sim.reset(SimConfig(users=6, seed=12))
    await _put(sim, "/api/v2/routing/utilization", {"utilization": {"workitem": WORKITEM, "email": EMAIL}})
    spec = tmp_path / "o.json"
    spec.write_text(json.dumps({"version": 2, "utilizationDefault": {"media": {"call": {"maximumCapacity": 2}}}}))
    _, summary = await run_job(sim, spec, tmp_path)
    assert summary["status"] == "complete", summary
    async with client_for(sim, rps=3000) as client:
        org = await get_org_utilization(client)
    assert org.media["call"].maximum_capacity == 2
    assert org.media["workitem"].maximum_capacity == 3 and org.media["workitem"].interruptable_media_types == {"call"} and org.media["workitem"].include_non_acd
    assert org.media["email"].interruptable_media_types == {"call", "workitem"}
