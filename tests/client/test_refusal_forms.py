""" "In use" and "duplicate name" refusals in either form, over HTTP (#27 §3): the simulator answers
them as 409 or as 400 with a specific code (``refusal_status``), and the client types them the same."""

from __future__ import annotations

import pytest
from helpers.clients import make_client

from bulkops.client.endpoints.routing_config import DuplicateSkillError, SkillInUseError, create_skill_definition, delete_skill_definition
from bulkops.client.endpoints.utilization import DuplicateLabelError, LabelInUseError, LabelLimitError, create_label, delete_label, rename_label
from bulkops.client.refusals import is_duplicate_name, is_in_use
from bulkops.errors import ApiError, BadRequestError, ConflictError
from bulkops.simulator import SimConfig
from bulkops.simulator.refusals import CODES_400

FORMS = [409, 400]


@pytest.fixture
async def org_client(sim):
    client = make_client(sim, rps=3000)
    yield client
    await client.close()


@pytest.mark.parametrize("status", FORMS)
async def test_a_skill_in_use_and_a_duplicate_skill_are_typed_in_either_form(sim, org_client, status):
    sim.sim.reset(SimConfig(users=5, queues=2, seed=3, refusal_status=status))
    s = sim.sim
    skill_id = next(iter(s.org.skills))
    qid = next(iter(s.org.queues))
    ring = {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 10.0}], "actions": {"skillsToRemove": [{"id": skill_id}]}}
    s.org.queueconfig.settings_of(qid)["bullseye"] = {"rings": [ring]}
    with pytest.raises(SkillInUseError) as used:
        await delete_skill_definition(org_client, skill_id)
    assert used.value.status == status and used.value.code == ("general.conflict" if status == 409 else CODES_400["in_use"])
    assert s.org.skills[skill_id].state == "active"  # refused: nothing changed
    with pytest.raises(DuplicateSkillError) as dup:
        await create_skill_definition(org_client, s.org.skills[skill_id].name.upper())
    assert dup.value.status == status and isinstance(dup.value, ConflictError)  # a conflict: the engine reads again


@pytest.mark.parametrize("status", FORMS)
async def test_a_duplicate_label_and_a_label_in_use_are_typed_in_either_form(sim, org_client, status):
    sim.sim.reset(SimConfig(users=5, seed=4, refusal_status=status))
    vip = await create_label(org_client, "VIP")
    calm = await create_label(org_client, "Calm")
    with pytest.raises(DuplicateLabelError) as created:
        await create_label(org_client, "vip")
    with pytest.raises(DuplicateLabelError) as renamed:
        await rename_label(org_client, calm.id, "Vip")
    assert created.value.status == renamed.value.status == status
    uid = sim.sim.user_ids()[0]
    await org_client.request("PUT", f"/api/v2/routing/users/{uid}/utilization", json={"labelUtilizations": {vip.id: {"maximumCapacity": 1}}})
    with pytest.raises(LabelInUseError) as used:
        await delete_label(org_client, vip.id)
    assert used.value.status == status and used.value.code == "utilization.label.in.use"
    assert vip.id in sim.sim.org.utilization.labels
    await delete_label(org_client, vip.id, force=True)
    assert vip.id not in sim.sim.org.utilization.labels


@pytest.mark.parametrize("status", FORMS)
async def test_other_refusals_keep_their_type(sim, org_client, status):
    sim.sim.reset(SimConfig(users=5, seed=5, refusal_status=status, utilization_label_limit=1))
    with pytest.raises(BadRequestError) as bad:
        await create_label(org_client, "a*b")  # a name the API refuses for its characters
    assert not isinstance(bad.value, DuplicateLabelError | LabelLimitError)
    await create_label(org_client, "One")
    with pytest.raises(LabelLimitError):
        await create_label(org_client, "Two")


@pytest.mark.parametrize(
    ("status", "code", "message", "in_use", "duplicate"),
    [
        (409, "general.conflict", "anything", True, True),  # on a DELETE or a create, a 409 can only be this
        (400, "general.conflict", "x", True, True),
        (400, "resource.in.use", "x", True, False),
        (400, "duplicate.value", "x", False, True),
        (400, "bad.request", "The skill cannot be deleted because it is in use.", True, False),
        (400, "bad.request", "A label named 'VIP' already exists.", False, True),
        (400, "bad.request", "name is invalid", False, False),
        (404, "not.found", "in use", False, False),
        (403, "general.conflict", "x", False, False),
    ],
)
def test_what_counts_as_the_refusal(status, code, message, in_use, duplicate):
    exc = ApiError(status, message, code=code)
    assert (is_in_use(exc), is_duplicate_name(exc)) == (in_use, duplicate)
