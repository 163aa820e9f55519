"""The undo's guard for items (pure): a part is restored where the org holds what the job wrote
(or already what was before), held back with all three values where it holds anything else."""

from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.itemguard import ItemGuard, hold_back_parts, same, to_restore
from bulkops.domain.utilization import AGENT, ORGANIZATION, DeleteToInherit, MediaUtilization, NothingToDo, PutSetting, Utilization
from bulkops.kinds.utilization.restore import ON_DEFAULT, UtilizationRestore, invert_setting, parts_of, restore_write

GUARD = ItemGuard(restore={"a": 1, "b": "x", "c": False}, written={"a": 2, "b": "y", "c": True}, names={"c": "ann@example.com"})


def test_written_or_restored_parts_are_kept_anything_else_is_held_back():
    keep, held = hold_back_parts("queue", {"a": 2.0, "b": "x", "c": None}, GUARD)
    assert keep == {"a", "b"}
    assert [(h.key, h.before, h.written, h.now, h.name) for h in held] == [("c", False, True, None, "ann@example.com")]
    assert to_restore({"a": 2.0, "b": "x"}, GUARD, keep) == {"a": (2.0, 1)}  # b is already as before


@given(st.dictionaries(st.sampled_from("abc"), st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["x", "y"]), st.booleans())))
def test_every_part_is_either_kept_or_held_back(now):
    keep, held = hold_back_parts("k", now, GUARD)
    assert keep | {h.key for h in held} == set(GUARD.restore) and not keep & {h.key for h in held}
    for h in held:
        assert not same(h.now, h.before) and not same(h.now, h.written)


def test_numbers_compare_as_numbers_and_booleans_apart():
    assert same(5, 5.0) and same({"x": [1, 2]}, {"x": [1.0, 2.0]})
    assert not same(True, 1) and not same(False, None)


def media(n):
    return {"maximumCapacity": n, "interruptableMediaTypes": [], "includeNonAcd": False}


def test_a_user_on_the_default_before_goes_back_to_it_only_while_the_setting_is_the_jobs():
    before = {"level": ORGANIZATION, "utilization": {"call": media(1)}, "labelUtilizations": {}}
    after = {"level": AGENT, "utilization": {"call": media(3)}, "labelUtilizations": {}}
    item, restore, written = invert_setting("u1", "ann", before, after, user=True)
    assert item.inherit and restore == {"setting": ON_DEFAULT}
    mine = Utilization({"call": MediaUtilization(3)}, level=AGENT)
    assert parts_of(mine, item)["setting"] == written["setting"]
    assert restore_write(mine, item) == DeleteToInherit()
    assert restore_write(Utilization(level=ORGANIZATION), item) == NothingToDo()


def test_only_the_parts_the_job_changed_are_put_back_the_rest_kept():
    before = {"level": AGENT, "utilization": {"call": media(1), "chat": media(2)}, "labelUtilizations": {}}
    after = {
        "level": AGENT,
        "utilization": {"call": media(1), "chat": media(4)},
        "labelUtilizations": {"L": {"maximumCapacity": 1, "interruptingLabelIds": []}},
    }
    item, restore, written = invert_setting("u1", "ann", before, after, user=True)
    assert set(restore) == {"media.chat", "label.L"} and restore["label.L"] is None
    now = Utilization({"call": MediaUtilization(5), "chat": MediaUtilization(4)}, {"L": after_label()}, level=AGENT)
    write = restore_write(now, item)
    assert isinstance(write, PutSetting)
    assert write.body.media == {"call": MediaUtilization(5), "chat": MediaUtilization(2)} and write.body.labels == {}  # call: someone else's, kept
    assert UtilizationRestore.from_json(item.to_json()) == item
    assert item.keep(frozenset({"media.chat"})).labels == {}


def after_label():
    from bulkops.domain.utilization import LabelUtilization

    return LabelUtilization(1)


def test_a_whole_setting_written_without_a_read_cannot_be_undone():
    assert "not known" in invert_setting("u1", "ann", {"read": False}, {"level": AGENT}, user=True)
