"""Intents stored compactly (ids numbered once per job): what comes back is the intent stored,
a store of the old plain form is still read, and a 50-skill intent stays far under a page."""

import sqlite3
import uuid

import orjson
import pytest
from helpers.strategies import intents
from hypothesis import given, settings

from bulkops.domain.model import Expected, ResolvedIntent, UserIntent
from bulkops.errors import StateError
from bulkops.state.codec import encode_intent
from bulkops.state.store import RunStore


def skill_id(i):
    return str(uuid.UUID(int=i + 1))


@settings(max_examples=50)
@given(intents())
def test_an_intent_comes_back_as_stored(tmp_path_factory, intent):
    store = RunStore.create(tmp_path_factory.mktemp("s") / "state.db", {})
    expect = Expected(skills={k: 1.0 for k in intent.skills}, languages={k: None for k in intent.languages}, fields={"title": None})
    for stored in (intent, UserIntent(**{**{f: getattr(intent, f) for f in UserIntent.__slots__}, "expect": expect})):
        store.put_intent(ResolvedIntent(stored))
        assert store.intent("u1") == stored


def test_plain_json_payloads_of_older_stores_are_still_read(tmp_path):
    path = tmp_path / "state.db"
    store = RunStore.create(path, {})
    old = UserIntent(user="u9", skills={skill_id(1): 3.0}, remove_skills=frozenset({skill_id(2)}))
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO intents(user_id, payload) VALUES (?, ?)", ("u9", encode_intent(old)))
    assert RunStore.open(path).intent("u9") == old
    assert store.open_intents(["u9"])["u9"][0] == old


def test_fifty_skills_take_a_tenth_of_a_page(tmp_path):
    path = tmp_path / "state.db"
    store = RunStore.create(path, {})
    store.add_intents(ResolvedIntent(UserIntent(user=str(uuid.uuid4()), skills={skill_id(i): float(i % 6) for i in range(50)})) for _ in range(200))
    with sqlite3.connect(path) as db:
        longest = db.execute("SELECT max(length(payload)) FROM intents").fetchone()[0]
    assert longest < 600  # 2.2 KB as plain JSON: one row a 4 KB page; now seven or more a page
    assert len(RunStore.open(path).intent(next(RunStore.open(path).open_user_ids())).skills) == 50


def test_ids_numbered_by_another_connection_are_read(tmp_path):
    """The run's store and set-up's may both number ids: a number this one never loaded is read from the table."""
    path = tmp_path / "state.db"
    first = RunStore.create(path, {})
    first.add_intents([ResolvedIntent(UserIntent(user="u1", skills={skill_id(1): 1.0}))])
    assert first.intent("u1").skills == {skill_id(1): 1.0}  # its table is loaded now
    second = RunStore.open(path)
    later = UserIntent(
        user="u2", skills={skill_id(2): 2.0, skill_id(1): 3.0}, remove_languages=frozenset({skill_id(3)}), expect=Expected(skills={skill_id(4): None})
    )
    second.add_intents([ResolvedIntent(later)])
    assert first.intent("u2") == later
    assert first.open_intents(["u1", "u2"])["u2"][0] == later


@pytest.mark.parametrize("payload", [b"\x01{}", b"\x01" + orjson.dumps({"user": "u1", "skills": [[999, 1.0]]}), b"\x01[", b"{"])
def test_a_damaged_numbered_payload_is_a_damaged_store(tmp_path, payload):
    path = tmp_path / "state.db"
    store = RunStore.create(path, {})
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO intents(user_id, payload) VALUES (?, ?)", ("u1", payload))
    with pytest.raises(StateError, match="damaged"):
        store.intent("u1")
