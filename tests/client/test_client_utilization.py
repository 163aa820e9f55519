"""The utilization calls of the real client against the simulator over loopback HTTP, and their
decoders on their own."""

from __future__ import annotations

import pytest
from helpers.clients import make_client, no_backoff
from helpers.faultproxy import status

from bulkops.client.endpoints.utilization import (
    DuplicateLabelError,
    LabelInUseError,
    LabelLimitError,
    create_label,
    decode_label_agents,
    decode_utilization,
    delete_label,
    delete_user_utilization,
    encode_utilization,
    find_label,
    get_label,
    get_org_utilization,
    get_user_utilization,
    label_agents,
    list_labels,
    put_org_utilization,
    put_user_utilization,
    rename_label,
    write_user_utilization,
)
from bulkops.client.wire import ShapeError
from bulkops.domain.utilization import (
    AGENT,
    ORGANIZATION,
    DeleteToInherit,
    LabelUtilization,
    MediaUtilization,
    NothingToDo,
    PutSetting,
    Utilization,
    UtilizationChange,
    merge,
)
from bulkops.errors import BadRequestError, ConflictError, MalformedResponseError, NotFoundError


async def test_read_merge_write_changes_email_and_a_label_and_keeps_the_rest(sim, client):
    uid = sim.sim.user_ids()[0]
    vip = await create_label(client, "VIP")
    calm = await create_label(client, "Calm")
    sim.sim.set_user_utilization(uid, {"utilization": {"chat": {"maximumCapacity": 3}}, "labelUtilizations": {calm.id: {"maximumCapacity": 2}}})
    current = await get_user_utilization(client, uid)
    assert current.level == AGENT and current.media["chat"] == MediaUtilization(3) and current.label_names == {calm.id: "Calm"}
    want = UtilizationChange(media={"email": MediaUtilization(3, frozenset({"call"}))}, labels={vip.id: LabelUtilization(1, frozenset({calm.id}))})
    write = merge(current, want)
    answered = await write_user_utilization(client, uid, write)
    after = await get_user_utilization(client, uid)
    assert answered == after
    assert after.media["email"] == MediaUtilization(3, frozenset({"call"}))
    assert after.media["chat"] == MediaUtilization(3)  # not named: kept
    assert after.labels == {calm.id: LabelUtilization(2), vip.id: LabelUtilization(1, frozenset({calm.id}))}
    # the same change again: nothing to write
    assert merge(after, want) == NothingToDo()
    assert await write_user_utilization(client, uid, NothingToDo()) is None


async def test_a_user_on_the_org_default_gets_only_the_named_parts_and_inherit_returns_them(sim, client):
    uid = sim.sim.user_ids()[1]
    current = await get_user_utilization(client, uid)
    assert current.level == ORGANIZATION and set(current.media) == {"call", "callback", "chat", "email", "message", "workitem"}
    write = merge(current, UtilizationChange(media={"email": MediaUtilization(3)}))
    assert isinstance(write, PutSetting) and set(write.body.media) == {"email"}
    after = await write_user_utilization(client, uid, write)
    assert after is not None and after.level == AGENT and after.media["email"].maximum_capacity == 3
    assert after.media["chat"] == current.media["chat"]  # the org default's value
    inherit = merge(after, UtilizationChange(inherit=True))
    assert inherit == DeleteToInherit()
    await write_user_utilization(client, uid, inherit)
    back = await get_user_utilization(client, uid)
    assert back.level == ORGANIZATION and back == current
    await delete_user_utilization(client, uid)  # already inheriting: no error


async def test_refusals_are_typed(sim, client):
    uid = sim.sim.user_ids()[0]
    with pytest.raises(BadRequestError) as bad:
        await put_user_utilization(client, uid, Utilization({"email": MediaUtilization(26)}))
    assert bad.value.status == 400 and bad.value.code == "bad.request" and bad.value.attempts == 1
    with pytest.raises(NotFoundError):
        await get_user_utilization(client, "no-such-user")
    with pytest.raises(NotFoundError):
        await get_label(client, "no-such-label")


async def test_the_org_default_round_trips(sim, client):
    org = await get_org_utilization(client)
    assert org.level == ORGANIZATION and org.media["chat"].maximum_capacity == 4
    changed = Utilization({**org.media, "message": MediaUtilization(5)}, {}, max_inbound_calls=2)
    after = await put_org_utilization(client, changed)
    assert after.media["message"].maximum_capacity == 5 and after.max_inbound_calls == 2
    assert (await get_org_utilization(client)) == after


async def test_labels_create_find_rename_and_duplicates(sim, client):
    made = await create_label(client, "Priority", utilization=LabelUtilization(2))
    assert (await get_label(client, made.id)) == made
    assert (await find_label(client, "PRIORITY")) == made
    assert (await find_label(client, "Prior")) is None
    with pytest.raises(DuplicateLabelError) as dup:
        await create_label(client, "priority")
    assert isinstance(dup.value, ConflictError) and dup.value.status == 409
    other = await create_label(client, "Other")
    with pytest.raises(DuplicateLabelError):
        await rename_label(client, other.id, "PRIORITY")
    renamed = await rename_label(client, other.id, "Renamed")
    assert renamed.name == "Renamed"
    with pytest.raises(BadRequestError) as bad:
        await create_label(client, "bad:name")
    assert not isinstance(bad.value, LabelLimitError)
    assert [x.name for x in await list_labels(client)] == ["Priority", "Renamed"]
    org = await get_org_utilization(client)
    assert org.labels[made.id] == LabelUtilization(2)


async def test_the_label_limit_is_its_own_error(sim, client):
    sim.sim.configure(utilization_label_limit=1)
    await create_label(client, "only")
    with pytest.raises(LabelLimitError) as full:
        await create_label(client, "second")
    assert full.value.limit == 1 and full.value.status == 400


async def test_a_label_in_use_is_refused_then_deleted_with_force(sim, client):
    u1, u2 = sim.sim.user_ids()[:2]
    vip = await create_label(client, "VIP")
    for uid in (u1, u2):
        await put_user_utilization(client, uid, Utilization({}, {vip.id: LabelUtilization(1)}))
    assert sorted(await label_agents(client, vip.id)) == sorted([u1, u2])
    with pytest.raises(LabelInUseError) as in_use:
        await delete_label(client, vip.id)
    assert in_use.value.code == "utilization.label.in.use"
    await delete_label(client, vip.id, force=True)
    assert (await find_label(client, "VIP")) is None
    assert (await get_user_utilization(client, u1)).labels == {}


async def test_many_labels_page_through(sim, client):
    sim.sim.configure(utilization_label_limit=300)
    for i in range(130):
        sim.sim.org.utilization.create_label(f"label {i:03d}", None, limit=300)
    names = [x.name for x in await list_labels(client)]
    assert names == [f"label {i:03d}" for i in range(130)]


async def test_a_malformed_utilization_answer_is_retried_then_refused(sim, proxy):
    uid = sim.sim.user_ids()[0]
    rule = proxy.inject("GET", r"/api/v2/routing/users/[^/]+/utilization", status(200, {"utilization": [], "level": "Agent"}))
    async with make_client(sim, via=proxy, backoff=no_backoff, max_attempts=3) as c:
        with pytest.raises(MalformedResponseError) as bad:
            await get_user_utilization(c, uid)
    assert bad.value.attempts == 3 and rule.injected == 3


def test_the_decoders_refuse_what_the_contract_does_not_document():
    good = {"utilization": {"email": {"maximumCapacity": 1}}, "labelUtilizations": {}, "level": "Agent"}
    assert decode_utilization(good).media["email"] == MediaUtilization(1)
    # a media type this version does not know is kept, so a merged PUT carries it back unchanged
    newer = decode_utilization({**good, "utilization": {"email": {"maximumCapacity": 1}, "workitem": {"maximumCapacity": 2}}})
    assert newer.media["workitem"] == MediaUtilization(2)
    assert encode_utilization(newer)["utilization"]["workitem"]["maximumCapacity"] == 2
    for bad in (
        [],
        {**good, "level": "Team"},
        {**good, "utilization": {"email": {"maximumCapacity": "1"}}},
        {**good, "utilization": {"email": {"maximumCapacity": 1, "interruptableMediaTypes": "call"}}},
        {**good, "utilization": {"email": {"maximumCapacity": 1, "includeNonAcd": "no"}}},
        {**good, "labelUtilizations": {"x": {"interruptingLabelIds": []}}},
        {**good, "maxInboundCalls": "2"},
    ):
        with pytest.raises(ShapeError):
            decode_utilization(bad)
    assert decode_label_agents([{"id": "a"}, "b"]) == ("a", "b")
    for bad_agents in ({"entities": []}, [{"name": "x"}], [""]):
        with pytest.raises(ShapeError):
            decode_label_agents(bad_agents)


def test_the_encoder_writes_the_whole_setting_in_one_stable_order():
    setting = Utilization(
        {"email": MediaUtilization(3, frozenset({"chat", "call"}), True), "call": MediaUtilization(1)},
        {"l2": LabelUtilization(1), "l1": LabelUtilization(2, frozenset({"l2"}))},
        max_inbound_calls=1,
    )
    body = encode_utilization(setting)
    assert body == {
        "utilization": {
            "call": {"maximumCapacity": 1, "interruptableMediaTypes": [], "includeNonAcd": False},
            "email": {"maximumCapacity": 3, "interruptableMediaTypes": ["call", "chat"], "includeNonAcd": True},
        },
        "labelUtilizations": {"l1": {"maximumCapacity": 2, "interruptingLabelIds": ["l2"]}, "l2": {"maximumCapacity": 1, "interruptingLabelIds": []}},
        "maxInboundCalls": 1,
    }
    assert list(body["utilization"]) == ["call", "email"]
    assert decode_utilization({**body, "level": "Agent"}) == setting
