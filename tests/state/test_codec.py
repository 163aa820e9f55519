"""The run store's and the staged intents' records: what is encoded decodes to the same record
(every field, distinct values so a field read into its neighbour shows), and the shapes written
by earlier versions still decode."""

import dataclasses

import orjson
import pytest
from helpers.strategies import intents, skill_maps, states
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkops.domain.model import Expected, UserIntent, UserState
from bulkops.state.codec import decode_intent, decode_state, encode_intent, encode_state, intent_from_dict, intent_to_dict, state_from_record, state_record

texts = st.sampled_from(["a", "b", "Sales & Ops", "é"])


@st.composite
def full_intents(draw):
    """The shared strategy's intents with the rest of the fields too: division, line, expect."""
    intent = draw(intents(replace=draw(st.booleans())))
    expect = draw(
        st.none()
        | st.builds(
            Expected,
            skills=skill_maps,
            languages=st.dictionaries(st.sampled_from(["l1"]), st.none() | st.just(2.0)),
            fields=st.dictionaries(st.sampled_from(["title"]), st.none() | texts),
            division=st.none() | texts,
        )
    )
    return dataclasses.replace(
        intent,
        remove_languages=draw(st.frozensets(st.sampled_from(["l3", "l4"]))),
        division=draw(st.none() | texts),
        line=draw(st.integers(0, 10**6)),
        expect=expect,
    )


@st.composite
def full_states(draw):
    """Every field a state record keeps (queues are never stored: they come from the queues)."""
    state = draw(states())
    unknown = draw(st.frozensets(st.sampled_from(["skills", "languages"])))
    return dataclasses.replace(
        state,
        name=draw(texts | st.just("")),
        email=draw(texts | st.just("")),
        username=draw(texts | st.just("")),
        state=draw(st.sampled_from(["active", "inactive", "deleted"])),
        manager=draw(st.none() | texts),
        division=draw(st.none() | texts),
        skills={} if "skills" in unknown else state.skills,
        languages={} if "languages" in unknown else state.languages,
        queues=frozenset(),
        unknown=unknown,
    )


@settings(max_examples=100)
@given(full_intents())
def test_an_intent_decodes_to_the_intent_encoded(intent):
    back = decode_intent(encode_intent(intent))
    assert back == intent and type(back) is UserIntent
    assert type(back.remove_skills) is frozenset and type(back.join_queues) is frozenset


@settings(max_examples=100)
@given(full_states())
def test_a_state_decodes_to_the_state_encoded(state):
    back = decode_state(encode_state(state))
    assert back == state and type(back) is UserState


DISTINCT_STATE = UserState(
    id="u1",
    version=7,
    name="N",
    email="E",
    username="U",
    state="inactive",
    department="D",
    title="T",
    manager="M",
    division="V",
    skills={"s": 1.0},
    languages={"l": 2.0},
)
DISTINCT_INTENT = UserIntent(
    user="u1",
    skills={"s1": 1.0},
    remove_skills=frozenset({"s2"}),
    languages={"l1": 2.0},
    remove_languages=frozenset({"l2"}),
    fields={"title": "T"},
    division="V",
    join_queues=frozenset({"q1"}),
    leave_queues=frozenset({"q2"}),
    replace_skills=True,
    line=12,
    expect=Expected(skills={"s1": None}, languages={"l1": 3.0}, fields={"title": None}, division="W"),
)


def test_every_field_of_a_state_keeps_its_place():
    assert decode_state(encode_state(DISTINCT_STATE)) == DISTINCT_STATE


def test_every_field_of_an_intent_keeps_its_place():
    assert decode_intent(encode_intent(DISTINCT_INTENT)) == DISTINCT_INTENT


@pytest.mark.parametrize(
    ("record", "state"),
    [
        ({"id": "u1"}, UserState("u1", 0)),  # the least a record holds
        ({"id": "u1", "version": 3, "skills": {}, "languages": {}}, UserState("u1", 3)),
        ({"id": "u1", "version": 3, "unknown": ["skills"], "languages": {"l": 1.0}}, UserState("u1", 3, languages={"l": 1.0}, unknown=frozenset({"skills"}))),
        ({"id": "u1", "version": 3, "state": "inactive", "email": "e@x"}, UserState("u1", 3, email="e@x", state="inactive")),
    ],
)
def test_state_records_of_every_shape_decode(record, state):
    assert state_from_record(record) == state
    assert decode_state(orjson.dumps(record)) == state


def test_a_state_record_keeps_its_keys_and_their_order():
    """The bytes stores hold: the keys in this order, an empty or default field left out."""
    assert list(state_record(DISTINCT_STATE)) == [
        "version",
        "skills",
        "languages",
        "department",
        "title",
        "manager",
        "division",
        "id",
        "name",
        "email",
        "username",
        "state",
    ]
    assert state_record(UserState("u1", 2, unknown=frozenset({"languages"}))) == {"version": 2, "skills": {}, "id": "u1", "unknown": ["languages"]}


def test_an_intent_payload_keeps_its_keys_and_their_order():
    """The bytes the staged intents and older stores hold: the keys in this order, sets sorted, empty ones left out."""
    d = intent_to_dict(DISTINCT_INTENT)
    assert list(d) == [
        "user",
        "skills",
        "languages",
        "fields",
        "remove_skills",
        "remove_languages",
        "join_queues",
        "leave_queues",
        "division",
        "replace_skills",
        "line",
        "expect",
    ]
    assert encode_intent(UserIntent("u1", remove_skills=frozenset({"b", "a"}), line=3)) == b'{"user":"u1","remove_skills":["a","b"],"line":3}'
    assert intent_to_dict(UserIntent("u1")) == {"user": "u1"}


@pytest.mark.parametrize(
    ("payload", "intent"),
    [
        ({"user": "u1"}, UserIntent("u1")),
        ({"user": "u1", "skills": {"s": 2.0}, "line": 4}, UserIntent("u1", skills={"s": 2.0}, line=4)),
        ({"user": "u1", "remove_skills": [], "join_queues": ["q"]}, UserIntent("u1", join_queues=frozenset({"q"}))),
        ({"user": "u1", "replace_skills": True, "expect": {}}, UserIntent("u1", replace_skills=True, expect=Expected())),
        ({"user": "u1", "expect": {"division": "d"}, "some_older_key": 1}, UserIntent("u1", expect=Expected(division="d"))),
    ],
)
def test_intent_payloads_of_every_shape_decode(payload, intent):
    assert intent_from_dict(payload) == intent
    assert decode_intent(orjson.dumps(payload)) == intent


def test_decoding_leaves_the_dict_as_it_was():
    payload = {"user": "u1", "remove_skills": ["s"], "expect": {"skills": {"s": None}}}
    intent_from_dict(payload)
    assert payload == {"user": "u1", "remove_skills": ["s"], "expect": {"skills": {"s": None}}}
