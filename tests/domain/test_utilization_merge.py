"""The utilization merge on its own: what to PUT, when to DELETE, when nothing is to be done."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkops.domain.utilization import (
    AGENT,
    MAX_CAPACITY,
    MEDIA_TYPES,
    ORGANIZATION,
    DeleteToInherit,
    LabelUtilization,
    MediaUtilization,
    NothingToDo,
    PutSetting,
    Utilization,
    UtilizationChange,
    merge,
    merge_default,
    whole,
)

#: The strategies draw a whole setting (five media types, up to five labels) per example; 50
#: examples keep these properties at about two seconds each on a shared machine.
FEWER = settings(max_examples=50)
LABEL_IDS = ("l-gold", "l-silver", "l-vip", "l-calm", "l-slow")

capacity = st.integers(0, MAX_CAPACITY)


@st.composite
def media_utilization(draw, media_type: str) -> MediaUtilization:
    others = [m for m in MEDIA_TYPES if m != media_type]
    return MediaUtilization(draw(capacity), frozenset(draw(st.sets(st.sampled_from(others)))), draw(st.booleans()))


@st.composite
def label_utilization(draw, label_id: str) -> LabelUtilization:
    others = [x for x in LABEL_IDS if x != label_id]
    return LabelUtilization(draw(capacity), frozenset(draw(st.sets(st.sampled_from(others)))))


@st.composite
def media_map(draw, *, full: bool) -> dict[str, MediaUtilization]:
    types = MEDIA_TYPES if full else draw(st.sets(st.sampled_from(MEDIA_TYPES)))
    return {m: draw(media_utilization(m)) for m in types}


@st.composite
def label_map(draw) -> dict[str, LabelUtilization]:
    return {x: draw(label_utilization(x)) for x in draw(st.sets(st.sampled_from(LABEL_IDS)))}


@st.composite
def current_setting(draw) -> Utilization:
    """As read: a user's own setting, or the org default they work under (every media type)."""
    level = draw(st.sampled_from([AGENT, ORGANIZATION]))
    calls = draw(st.none() | st.integers(1, 3))
    return Utilization(media=draw(media_map(full=True)), labels=draw(label_map()), level=level, max_inbound_calls=calls)


@st.composite
def change(draw) -> UtilizationChange:
    labels = draw(label_map())
    removable = [x for x in LABEL_IDS if x not in labels]
    removed = frozenset(draw(st.sets(st.sampled_from(removable)))) if removable else frozenset()
    return UtilizationChange(media=draw(media_map(full=False)), labels=labels, remove_labels=removed)


@st.composite
def sub_change(draw, current: Utilization) -> UtilizationChange:
    """A change that names only what ``current`` already holds, with the same values."""
    media = draw(st.sets(st.sampled_from(sorted(current.media)))) if current.media else set()
    labels = draw(st.sets(st.sampled_from(sorted(current.labels)))) if current.labels else set()
    return UtilizationChange(media={m: current.media[m] for m in media}, labels={x: current.labels[x] for x in labels})


def _after(current: Utilization, write) -> Utilization:
    """What a read shows once ``write`` is done: a PUT for a user on the org default gives every
    omitted media type the org default's value and names only the labels it sent."""
    if isinstance(write, NothingToDo):
        return current
    assert isinstance(write, PutSetting)
    if current.level == ORGANIZATION:
        return Utilization({**current.media, **write.body.media}, dict(write.body.labels), AGENT)
    return write.body


def _labels_worked_under(u: Utilization, org_labels: dict) -> dict:
    """A label the user's own setting does not name is worked under at the org default's value."""
    return {**org_labels, **u.labels} if u.level == AGENT else dict(org_labels)


@given(st.data())
def test_merging_what_is_already_there_writes_nothing(data):
    current = data.draw(current_setting())
    assert merge(current, data.draw(sub_change(current))) == NothingToDo()


@FEWER
@given(current_setting(), change())
def test_unnamed_media_types_and_labels_are_unchanged_and_named_ones_are_as_asked(current, wanted):
    after = _after(current, merge(current, wanted))
    # the org default's labels: what a user on it shows; for a user with their own setting the
    # org's labels are unknown here, and the same before and after, so none stands for them
    org_labels = dict(current.labels) if current.level == ORGANIZATION else {}
    before, now = _labels_worked_under(current, org_labels), _labels_worked_under(after, org_labels)
    for m in MEDIA_TYPES:
        assert after.media.get(m) == wanted.media.get(m, current.media.get(m))
    for x in LABEL_IDS:
        if x in wanted.labels:
            assert now[x] == wanted.labels[x]
        elif x in wanted.remove_labels:
            # a removed label is not in the user's own setting: it works at the org default's value
            assert (after.level == ORGANIZATION or x not in after.labels) and now.get(x) == org_labels.get(x)
        else:
            assert now.get(x) == before.get(x)
    if current.level == AGENT:
        assert after.max_inbound_calls == current.max_inbound_calls


@FEWER
@given(current_setting(), change())
def test_a_merged_write_once_done_leaves_nothing_to_do(current, wanted):
    write = merge(current, wanted)
    if isinstance(write, PutSetting):
        assert write.body.level == AGENT
        assert merge(_after(current, write), wanted) == NothingToDo()


@FEWER
@given(current_setting(), change())
def test_a_user_on_the_org_default_gets_only_the_named_parts(current, wanted):
    on_default = Utilization(current.media, current.labels, ORGANIZATION)
    write = merge(on_default, wanted)
    if isinstance(write, PutSetting):
        assert set(write.body.media) == set(wanted.media) and set(write.body.labels) == set(wanted.labels)
        assert write.body.max_inbound_calls is None


def test_inherit_deletes_an_own_setting_and_leaves_the_org_default_alone():
    own = Utilization({"call": MediaUtilization(1)}, {}, AGENT)
    assert merge(own, UtilizationChange(inherit=True)) == DeleteToInherit()
    assert merge(Utilization(own.media, {}, ORGANIZATION), UtilizationChange(inherit=True)) == NothingToDo()


def test_email_capacity_on_a_user_with_a_label_keeps_the_rest():
    media = {m: MediaUtilization(4 if m == "chat" else 1) for m in MEDIA_TYPES}
    current = Utilization(media, {"l-vip": LabelUtilization(1)}, AGENT, 2, label_names={"l-vip": "VIP"})
    write = merge(current, UtilizationChange(media={"email": MediaUtilization(3, frozenset({"call"}))}, labels={"l-gold": LabelUtilization(2)}))
    assert isinstance(write, PutSetting)
    assert write.body.media["email"] == MediaUtilization(3, frozenset({"call"}))
    assert write.body.media["chat"] == MediaUtilization(4)
    assert write.body.labels == {"l-vip": LabelUtilization(1), "l-gold": LabelUtilization(2)}
    assert write.body.max_inbound_calls == 2


def test_label_names_are_for_display_only():
    a = Utilization({}, {"l": LabelUtilization(1)}, AGENT, label_names={"l": "Old"})
    assert a == Utilization({}, {"l": LabelUtilization(1)}, AGENT, label_names={"l": "New"})


def test_the_whole_setting_needs_no_read():
    put = whole({"email": MediaUtilization(3)}, {"l-vip": LabelUtilization(1)}, max_inbound_calls=1)
    assert put.body.level == AGENT and put.body.max_inbound_calls == 1 and set(put.body.media) == {"email"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"inherit": True, "media": {"email": MediaUtilization(1)}},
        {"inherit": True, "remove_labels": frozenset({"x"})},
        {"media": {"fax": MediaUtilization(1)}},
        {"labels": {"x": LabelUtilization(1)}, "remove_labels": frozenset({"x"})},
    ],
)
def test_a_change_that_contradicts_itself_is_refused(kwargs):
    with pytest.raises(ValueError):
        UtilizationChange(**kwargs)


@FEWER
@given(current_setting(), change())
def test_the_org_default_keeps_what_is_not_named_and_once_written_has_nothing_left(current, wanted):
    org = Utilization(current.media, current.labels, ORGANIZATION, current.max_inbound_calls)
    write = merge_default(org, wanted)
    if isinstance(write, NothingToDo):
        return
    body = write.body
    assert body.level == ORGANIZATION and body.max_inbound_calls == org.max_inbound_calls
    for m in MEDIA_TYPES:
        assert body.media.get(m) == wanted.media.get(m, org.media.get(m))
    for x in LABEL_IDS:
        assert body.labels.get(x) == (None if x in wanted.remove_labels else wanted.labels.get(x, org.labels.get(x)))
    assert merge_default(body, wanted) == NothingToDo()


def test_the_org_default_inherits_from_nothing():
    with pytest.raises(ValueError):
        merge_default(Utilization(level=ORGANIZATION), UtilizationChange(inherit=True))
