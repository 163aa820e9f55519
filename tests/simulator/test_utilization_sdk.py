"""The official SDK (PureCloudPlatformClientV2 ``RoutingApi``) against the simulator's utilization
and label endpoints: every call the SDK makes is served, and every answer deserializes into the
SDK's models with the values the simulator holds (including the ``level`` enum)."""

from __future__ import annotations

import asyncio
import json

import pytest

PureCloud = pytest.importorskip("PureCloudPlatformClientV2")
from PureCloudPlatformClientV2.rest import ApiException  # noqa: E402


def _routing(handle):
    client = PureCloud.ApiClient(host=handle.base_url).get_client_credentials_token(handle.client_id, handle.client_secret)
    return PureCloud.RoutingApi(client)


def _model(cls, **attrs):
    obj = cls()
    for key, value in attrs.items():
        setattr(obj, key, value)
    return obj


async def test_the_sdk_drives_user_and_org_utilization(sim):
    uid = sim.sim.user_ids()[0]

    def go():
        api = _routing(sim)
        label = api.post_routing_utilization_labels(_model(PureCloud.CreateUtilizationLabelRequest, name="VIP"))
        before = api.get_routing_user_utilization(uid)
        body = _model(
            PureCloud.UtilizationRequest,
            utilization={"email": _model(PureCloud.MediaUtilization, maximum_capacity=3, interruptable_media_types=["call"], include_non_acd=True)},
            label_utilizations={label.id: _model(PureCloud.LabelUtilizationRequest, maximum_capacity=1, interrupting_label_ids=[])},
        )
        put = api.put_routing_user_utilization(uid, body)
        agents = api.get_routing_utilization_label_agents(label.id)
        api.delete_routing_user_utilization(uid)
        after = api.get_routing_user_utilization(uid)
        org = api.put_routing_utilization(_model(PureCloud.UtilizationRequest, utilization={"chat": _model(PureCloud.MediaUtilization, maximum_capacity=6)}))
        org_read = api.get_routing_utilization()
        api.delete_routing_utilization()
        return label, before, put, agents, after, org, org_read

    label, before, put, agents, after, org, org_read = await asyncio.to_thread(go)
    assert before.level == "Organization" and before.utilization["chat"].maximum_capacity == 4
    assert put.level == "Agent"
    assert put.utilization["email"].maximum_capacity == 3 and put.utilization["email"].interruptable_media_types == ["call"]
    assert put.utilization["email"].include_non_acd is True
    assert put.label_utilizations[label.id].maximum_capacity == 1 and put.label_utilizations[label.id].label_name == "VIP"
    assert agents == [{"id": uid, "selfUri": f"/api/v2/users/{uid}"}]
    assert after.level == "Organization"
    assert org.utilization["chat"].maximum_capacity == 6 and org_read.utilization["chat"].maximum_capacity == 6
    assert sim.sim.org.utilization.org.media["chat"].maximum_capacity == 4  # deleted: the system default again


async def test_the_sdk_drives_labels(sim):
    def go():
        api = _routing(sim)
        made = [api.post_routing_utilization_labels(_model(PureCloud.CreateUtilizationLabelRequest, name=n)) for n in ("Gold", "Silver", "Bronze")]
        page = api.get_routing_utilization_labels(page_size=2, page_number=1, sort_order="descending", name="*l*")
        renamed = api.put_routing_utilization_label(made[0].id, _model(PureCloud.UpdateUtilizationLabelRequest, name="Platinum"))
        one = api.get_routing_utilization_label(made[0].id)
        with pytest.raises(ApiException) as dup:
            api.post_routing_utilization_labels(_model(PureCloud.CreateUtilizationLabelRequest, name="SILVER"))
        api.delete_routing_utilization_label(made[1].id, force_delete=True)
        rest = api.get_routing_utilization_labels()
        return page, renamed, one, dup.value, rest

    page, renamed, one, dup, rest = await asyncio.to_thread(go)
    assert [x.name for x in page.entities] == ["Silver", "Gold"] and page.total == 2 and page.page_count == 1
    assert renamed.name == one.name == "Platinum" and one.self_uri == f"/api/v2/routing/utilization/labels/{one.id}"
    assert dup.status == 409 and json.loads(dup.body)["code"] == "general.conflict"
    assert [x.name for x in rest.entities] == ["Bronze", "Platinum"]
