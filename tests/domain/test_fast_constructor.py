"""The hot records' fast constructors build the very records their classes build: equal, of the
class itself, frozen, with fresh defaults, and pickled like any other."""

import dataclasses
import pickle

import pytest
from helpers.strategies import intents, states
from hypothesis import given, settings

from bulkops.domain.model import Expected, UserIntent, UserState, fast_constructor, new_expected, new_intent, new_state


def fields_of(record):
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


@settings(max_examples=50)
@given(intents())
def test_an_intent_built_fast_is_the_intent(intent):
    for built in (new_intent(**fields_of(intent)), new_intent(*fields_of(intent).values())):
        assert type(built) is UserIntent
        assert built == intent
        assert fields_of(built) == fields_of(intent)


@settings(max_examples=50)
@given(states())
def test_a_state_built_fast_is_the_state(state):
    built = new_state(**fields_of(state))
    assert type(built) is UserState and built == state


@pytest.mark.parametrize(
    ("fast", "slow"),
    [
        (lambda: new_intent("u1"), lambda: UserIntent("u1")),
        (lambda: new_intent("u1", line=7, division="d1"), lambda: UserIntent("u1", line=7, division="d1")),
        (lambda: new_state("u1", 3), lambda: UserState("u1", 3)),
        (
            lambda: new_state("u1", 3, state="inactive", unknown=frozenset({"skills"})),
            lambda: UserState("u1", 3, state="inactive", unknown=frozenset({"skills"})),
        ),
        (lambda: new_expected(), lambda: Expected()),
        (lambda: new_expected(fields={"title": None}, division="d2"), lambda: Expected(fields={"title": None}, division="d2")),
    ],
)
def test_defaults_are_the_classes_own(fast, slow):
    assert fields_of(fast()) == fields_of(slow())
    assert fast() == slow()


def test_defaults_made_by_a_factory_are_fresh_each_time():
    a, b = new_intent("u1"), new_intent("u1")
    assert a.skills == {} and a.skills is not b.skills


def test_a_record_built_fast_is_frozen_hashable_and_pickles():
    state = new_state("u1", 3, skills={"s1": 2.0})
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.version = 4
    assert pickle.loads(pickle.dumps(state)) == state
    assert dataclasses.replace(state, version=4) == UserState("u1", 4, skills={"s1": 2.0})
    hashable = new_intent("u1", remove_skills=frozenset({"s1"}), skills=(), languages=(), fields=())
    assert hash(hashable) == hash(UserIntent("u1", remove_skills=frozenset({"s1"}), skills=(), languages=(), fields=()))


def test_arguments_are_checked_as_the_class_checks_them():
    with pytest.raises(TypeError):
        new_intent()
    with pytest.raises(TypeError):
        new_state("u1", 3, colour="blue")


def test_only_slots_dataclasses_get_one():
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self):
            raise ValueError("checked")

    @dataclasses.dataclass(frozen=True, slots=True)
    class KeywordOnly:
        a: int
        b: int = dataclasses.field(default=2, kw_only=True)
        c: list = dataclasses.field(default_factory=list, init=False)

    for cls in (NoSlots, Checked):
        with pytest.raises(TypeError):
            fast_constructor(cls)
    build = fast_constructor(KeywordOnly)
    assert build(1, b=3) == KeywordOnly(1, b=3) and build(1) == KeywordOnly(1)
    with pytest.raises(TypeError):
        build(1, 3)
