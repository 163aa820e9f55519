"""The per-user shortcuts of the one parse and of resolution (#29 §5) decide exactly what the
long way decides: the length check's one comparison, the digest of empty mappings, the
subject test that skips folding a key already folded, the id test of folded refs."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkops.domain.model import UserIntent
from bulkops.spec.cells import fold
from bulkops.spec.named import NamedUsers, looks_like_id
from bulkops.spec.resolve import OrgDirectory, Resolver
from bulkops.spec.textrules import SHORTEST_LIMIT, fits_shortest_limit, too_long, user_values
from bulkops.spec.validate import At, Problems, check_lengths, intent_digest

SETTINGS = settings(max_examples=80, deadline=None)

#: Lengths either side of every limit a user's value has (255 and the labels' 256).
_lengths = st.sampled_from([0, 1, SHORTEST_LIMIT - 1, SHORTEST_LIMIT, SHORTEST_LIMIT + 1, 256, 257])
_values = st.builds(lambda n, c: c * n, _lengths, st.sampled_from("aZé"))
_names = st.frozensets(_values, max_size=3)
_levels = st.dictionaries(_values, st.sampled_from([0.0, 2.5, 5.0]), max_size=3)
_fields = st.dictionaries(st.sampled_from(["department", "title", "manager", "label"]), _values, max_size=3)

long_intents = st.builds(
    UserIntent,
    user=_values.filter(bool),
    skills=_levels,
    remove_skills=_names,
    languages=_levels,
    remove_languages=_names,
    fields=_fields,
    division=st.none() | _values,
    join_queues=_names,
    leave_queues=_names,
    replace_skills=st.booleans(),
    line=st.integers(1, 9),
)


def _every_value_checked(intent: UserIntent) -> list[tuple[str, str | None, str]]:
    """What the length check reports when it walks every value (the long way)."""
    return [(kind, ref, p) for kind, ref, value in user_values(intent) if (p := too_long(kind, value)) is not None]


@SETTINGS
@given(long_intents)
def test_the_one_comparison_lets_through_only_intents_with_no_long_value(intent: UserIntent) -> None:
    if fits_shortest_limit(intent):
        assert _every_value_checked(intent) == []
    else:
        assert any(len(value) > SHORTEST_LIMIT for _, _, value in user_values(intent))


@SETTINGS
@given(long_intents)
def test_check_lengths_reports_what_walking_every_value_reports(intent: UserIntent) -> None:
    problems = Problems("spec.csv")
    check_lengths(intent, lambda kind, ref: At(1, 1, 0), problems)
    assert [p.message for p in problems.finish()] == list(dict.fromkeys(p for _, _, p in _every_value_checked(intent)))  # one place: each message once


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        (UserIntent("a"), UserIntent("b", line=7), True),  # user and line are not what it asks for
        (UserIntent("a", skills={}), UserIntent("a", skills={}, languages={}, fields={}), True),
        (UserIntent("a", skills={"x": 1.0, "y": 2.0}), UserIntent("a", skills={"y": 2.0, "x": 1.0}), True),
        (UserIntent("a", skills={"x": 1.0}), UserIntent("a", skills={"x": 2.0}), False),
        (UserIntent("a", skills={"x": 1.0}), UserIntent("a", languages={"x": 1.0}), False),
        (UserIntent("a", fields={"title": "T"}), UserIntent("a"), False),
        (UserIntent("a", remove_skills=frozenset({"x"})), UserIntent("a"), False),
        (UserIntent("a", replace_skills=True), UserIntent("a"), False),
    ],
)
def test_intent_digest_tells_what_an_intent_asks_for(one: UserIntent, other: UserIntent, same: bool) -> None:
    assert (intent_digest(one) == intent_digest(other)) is same


_keys = st.text(st.sampled_from("aAß ẞİi@.-1"), max_size=6)


@SETTINGS
@given(st.lists(_keys, max_size=4), st.lists(st.none() | _keys, max_size=3))
def test_names_subject_is_any_key_folded_among_the_subjects(subjects: list[str], keys: list[str | None]) -> None:
    named = NamedUsers()
    for ref in subjects:
        named.add(UserIntent(ref))
    assert named.names_subject(*keys) == any(k and fold(k) in named.subjects for k in keys)


@SETTINGS
@given(st.text(max_size=8))
def test_fold_is_its_own_fold(text: str) -> None:
    """``names_subject`` finds a key spelt as folded without folding it: sound only because of this."""
    assert fold(fold(text)) == fold(text)


@pytest.mark.parametrize(
    ("ref", "is_id"),
    [
        ("0f8fad5b-d9cb-469f-a165-70867728950e", True),
        (" 0F8FAD5B-D9CB-469F-A165-70867728950E ", True),
        ("0f8fad5b-d9cb-469f-a165-70867728950e\n", True),
        ("0f8fad5b-d9cb-469f-a165-70867728950", False),
        ("0f8fad5b-d9cb-469f-a165-70867728950ee", False),
        ("0f8fad5bxd9cb-469f-a165-70867728950e", False),
        ("ana@example.com", False),
    ],
)
def test_refs_split_into_ids_and_searches_as_looks_like_id_says(ref: str, is_id: bool) -> None:
    assert looks_like_id(ref) is is_id
    named = NamedUsers()
    named.add(UserIntent(ref, fields={"manager": "boss@example.com"}))
    assert named.by_id() == ([fold(ref)] if is_id else [])
    assert named.by_search() == (["boss@example.com"] if is_id else sorted({fold(ref), "boss@example.com"}))
    assert named.subjects_by_search() == (0 if is_id else 1)


def test_resolving_an_intent_that_names_no_queue_or_removal_gives_empty_sets() -> None:
    uid = str(uuid.uuid4())
    directory = OrgDirectory(skills={"Billing": "s-1"})
    directory.users.add(uid, "ana@example.com")
    resolver = Resolver(directory, Problems("spec.csv"))
    got = resolver.resolve(UserIntent("Ana@Example.com", skills={"billing": 3.0}, line=2))
    assert got is not None
    assert (got.user, dict(got.skills), got.remove_skills, got.remove_languages, got.join_queues, got.leave_queues) == (
        uid,
        {"s-1": 3.0},
        frozenset(),
        frozenset(),
        frozenset(),
        frozenset(),
    )


@pytest.mark.parametrize(
    ("intent", "catalogues"),
    [
        (UserIntent("a"), set()),
        (UserIntent("a", skills={"x": 1.0}), {"skills"}),
        (UserIntent("a", remove_skills=frozenset({"x"})), {"skills"}),
        (UserIntent("a", remove_languages=frozenset({"x"})), {"languages"}),
        (UserIntent("a", leave_queues=frozenset({"q"})), {"queues"}),
        (UserIntent("a", division="d", join_queues=frozenset({"q"}), languages={"l": 2.0}), {"divisions", "queues", "languages"}),
        (UserIntent("a", fields={"manager": " Boss@X "}), set()),
    ],
)
def test_named_users_gathers_the_catalogues_an_intent_needs(intent: UserIntent, catalogues: set[str]) -> None:
    named = NamedUsers()
    named.add(intent)
    assert (named.catalogues, named.subjects, named.managers) == (catalogues, {"a"}, {fold(m) for m in intent.fields.values()})


def test_a_key_two_users_claim_is_ambiguous_and_a_users_own_repeat_is_not() -> None:
    directory = OrgDirectory().users
    directory.add("id-1", "Ana@Example.com", "ana@example.com")  # email and username alike: one user's key
    directory.add("id-2", "bo@example.com", "ANA@example.com")  # a username another user's email folds to
    directory.add("id-1", "ana.b@example.com")  # the first user again (a second page): still theirs
    assert (directory.lookup("ana@example.com"), directory.is_ambiguous("ana@example.com")) == (None, True)
    assert (directory.lookup("BO@example.com"), directory.lookup("id-1"), directory.lookup("id-2"), len(directory)) == ("id-2", "id-1", "id-2", 3)
