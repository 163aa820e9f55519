"""The hooks through which the run, the undo, verify and plan reach a kind (#26 §1): each stage loops
over the registry and asks the folder, never names a kind. Tables of the pure hooks, and the skills'
swap of placeholder ids against the simulator over HTTP."""

from __future__ import annotations

import pytest
from helpers.engine import client_for

from bulkops.domain.inverse import Inverse
from bulkops.domain.model import ResolvedIntent, UserIntent
from bulkops.domain.verification import ExpectedWrite
from bulkops.engine.undo.itemundo import ItemsInverse
from bulkops.engine.verify.verifyjob import item_writes
from bulkops.kinds.folder import KindFolder, rewrite_intent
from bulkops.kinds.members.intent import MembersItem
from bulkops.kinds.members.setup import MembersSetup
from bulkops.kinds.registry import KINDS, folder_of
from bulkops.kinds.skills.intent import SkillItem
from bulkops.kinds.skills.setup import NEW_SKILL, NEW_SKILLS_KEY, SkillSetup
from bulkops.state.records import ItemOutcome
from bulkops.state.store import RunStore


def intent(**kw) -> ResolvedIntent:
    return ResolvedIntent(UserIntent("u1", **kw))


def test_an_intent_goes_through_each_rewrite_in_turn_and_the_first_reason_stops_it():
    base = intent(skills={"a": 1.0})

    def to_b(i: ResolvedIntent) -> ResolvedIntent:
        return intent(skills={"b": i.skills.get("a", 0.0)})

    def refuse(i: ResolvedIntent) -> str:
        return "no"

    assert rewrite_intent(base, []) is base
    assert rewrite_intent(base, [to_b]).skills == {"b": 1.0}
    assert rewrite_intent(base, [to_b, refuse]) == "no"
    assert rewrite_intent(base, [refuse, to_b]) == "no"


def test_a_kind_without_users_or_undo_parts_leaves_them_as_they_are():
    users, items = Inverse(intents=(intent(),)), ItemsInverse()
    plain = KindFolder()
    assert plain.undo_users(users, items) is users
    assert plain.undo_names(items) == {} and plain.undo_meta(items) == {}
    assert [f.name for f in KINDS if f.undo_meta(items)] == ["skill"]
    assert folder_of("skill").undo_meta(items) == {NEW_SKILLS_KEY: []}
    assert all(f.undo_users(users, items) is users for f in KINDS)


async def test_no_kind_rewrites_the_users_of_a_job_that_creates_nothing(sim, tmp_path):
    store = RunStore.create(tmp_path / "s.db", {"job_id": "j"})
    async with client_for(sim, rps=3000) as client:
        assert [await f.before_users(client, store) for f in KINDS] == [None] * len(KINDS)
    store.close()


async def test_the_skills_swap_a_created_skills_placeholder_for_its_real_id_read_now(sim, tmp_path):
    ids = sim.sim.skill_ids_by_name()
    name = next(iter(ids))
    store = RunStore.create(tmp_path / "s.db", {"job_id": "j", NEW_SKILLS_KEY: [NEW_SKILL + name.upper(), NEW_SKILL + "Never Made"]})
    async with client_for(sim, rps=3000) as client:
        rewrite = await folder_of("skill").before_users(client, store)
    store.close()
    assert rewrite is not None
    done = rewrite(intent(skills={NEW_SKILL + name.upper(): 3.0, "s-x": 1.0}))
    assert not isinstance(done, str) and done.skills == {ids[name]: 3.0, "s-x": 1.0}  # names compared as the API does
    assert rewrite(intent(remove_skills=frozenset({NEW_SKILL + "Never Made"}))) == "skill(s) Never Made were not created (see the skill definitions' results)"
    untouched = intent(skills={"s-x": 1.0})
    assert rewrite(untouched) is untouched


@pytest.mark.parametrize("folder", KINDS, ids=lambda f: f.name)
def test_every_folder_answers_the_undo_hooks(folder):
    assert isinstance(folder.undo_names(ItemsInverse()), dict)


def item(kind: str, changes, key: str = "k1", **kw) -> ItemOutcome:
    return ItemOutcome(kind, key, kw.pop("outcome", "applied"), "n", changes=changes, attempts=kw.pop("attempts", 1), **kw)


@pytest.mark.parametrize(
    ("rec", "writes"),
    [
        # the default: one write on the object's id (after, else before), named by the kind and its op
        (item("skill", {"op": "create"}, after={"id": "s9"}), [ExpectedWrite("skill:k1", "s9", "skill_create")]),
        (item("label", {"op": "delete"}, before={"id": "l1"}), [ExpectedWrite("label:k1", "l1", "label_delete")]),
        (item("utilization_default", {"write": "put"}, after={"id": "org"}), [ExpectedWrite("utilization_default:k1", "org", "utilization_default_put")]),
        (item("somekind", {}, after={"id": "x"}), []),  # nothing sent
        (item("skill", {"op": "create"}, after={"id": "s9"}, outcome="failed"), []),
        (item("skill", {"op": "create"}, after={"id": "s9"}, attempts=0), []),
        (item("skill", {"op": "create"}), []),  # no id known: nothing to look for
        # a kind this version does not know: the default
        (item("future", {"op": "x"}, after={"id": "f1"}), [ExpectedWrite("future:k1", "f1", "future_x")]),
        # the utilization folder: written on the user, the item's key
        (item("utilization", {"op": "put"}, key="u7"), [ExpectedWrite("utilization:u7", "u7", "utilization_put")]),
        # the queues folder: the update (its top-level settings) and the wrap-up codes, apart
        (
            item("queue", {"settings": {"acwSettings.timeoutMs": 1, "Name": 2}, "addWrapupCodes": ["W1"]}, after={"id": "q1"}),
            [
                ExpectedWrite("queue:k1", "q1", "queue_settings", frozenset({"acwsettings", "name"}), actions=frozenset({"update"})),
                ExpectedWrite("queue:k1", "q1", "queue_wrapup_codes", frozenset({"w1"})),
            ],
        ),
        (item("queue", {"removeWrapupCodes": ["W2"]}, after={"id": "q1"}), [ExpectedWrite("queue:k1", "q1", "queue_wrapup_codes", frozenset({"w2"}))]),
    ],
)
def test_what_verify_looks_for_of_an_item_comes_from_its_kinds_folder(rec, writes):
    assert list(item_writes(rec)) == writes


def test_the_kinds_that_may_take_a_member_away_from_a_queue_say_why_through_their_folders():
    assert [f.reduction(None) for f in KINDS] == [None] * len(KINDS)
    assert folder_of("skill").reduction(SkillSetup(items=[SkillItem("delete", "Old", "s1")])) == "a skill definition is deleted"
    assert folder_of("skill").reduction(SkillSetup(items=[SkillItem("create", "New")])) is None
    assert folder_of("queue_members").reduction(MembersSetup(items=[MembersItem("q1", "Sales", {"u1": False})])) == "a queue member is deactivated"
    assert folder_of("queue_members").reduction(MembersSetup(items=[MembersItem("q1", "Sales", {"u1": True})])) is None


@pytest.mark.parametrize(
    ("header", "form"),
    [
        (["action", "skill", "division"], "csv-skills"),
        (["queue", "acw", "alertingTimeout"], "csv-queues"),
        (["user", "skill", "proficiency"], None),
        (["email", "Billing", "util:email"], None),
    ],
)
def test_a_kinds_own_csv_form_is_told_by_its_folder_from_the_header(header, form):
    found = [own[0] for f in KINDS if (own := f.csv_form(header)) is not None]
    assert found == ([form] if form else [])


def test_the_users_csv_columns_of_a_kind_come_from_its_folder():
    owners = {f.name: cols.prefix for f in KINDS if (cols := f.user_columns()) is not None}
    assert owners == {"utilization": "util:"}
    cols = folder_of("utilization").user_columns()
    assert cols is not None and cols.claims("UTIL:email") and not cols.claims("email")


NAMES = {"l1": "VIP", "d1": "Home"}


@pytest.mark.parametrize(
    ("kind", "part", "value", "said"),
    [
        ("utilization", "label.l1", {"maximumCapacity": 2, "interruptingLabelIds": ["l1"]}, ("label VIP", "2 (interrupted by label VIP)")),
        ("utilization_default", "media.chat", {"maximumCapacity": 3, "includeNonAcd": True}, ("chat", "3 (non-ACD counted)")),
        ("utilization", "setting", {"utilization": {}, "labelUtilizations": {}}, ("setting", "[(empty)]")),
        ("skill", "division", "d1", ("division", "'Home'")),
        ("queue", "media.chat", {"maximumCapacity": 3}, ("media.chat", "{maximumCapacity: 3}")),  # utilization words are the utilization's
        ("queue_members", "u1", True, ("u1", "yes")),
    ],
)
def test_the_undos_plan_says_a_part_and_its_value_as_the_kinds_folder_does(kind, part, value, said):
    folder = folder_of(kind)
    assert (folder.part_words(part, NAMES), folder.value_words(value, NAMES)) == said
