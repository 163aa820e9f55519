"""Skill group conditions evaluated on a user's skills and languages: the laws, and the simulator's rules."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from bulkops.client.endpoints import routing_records
from bulkops.domain.skillgroups import COMPARATORS, Condition, Holdings, Term, compare, holds, is_member, names_in
from bulkops.simulator.model import skilldefs
from bulkops.simulator.model.org import Org, User

SKILLS = ("Billing", "Technical Support", "Sales")  # the first three of the simulator's catalogue
LANGUAGES = ("English", "Spanish")

proficiency = st.sampled_from([0.0, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0])
holdings = st.builds(
    Holdings,
    st.dictionaries(st.sampled_from([s.lower() for s in SKILLS]), proficiency),
    st.dictionaries(st.sampled_from([x.lower() for x in LANGUAGES]), proficiency),
)


def terms(comparators: tuple[str, ...] = COMPARATORS) -> st.SearchStrategy[Term]:
    skill = st.builds(Term, st.just("skill"), st.sampled_from(SKILLS), st.sampled_from(comparators), st.integers(0, 5))
    language = st.builds(Term, st.just("language"), st.sampled_from(LANGUAGES), st.sampled_from(comparators), st.integers(0, 5))
    return st.one_of(skill, language)


def conditions(operations: tuple[str, ...] = ("And", "Or", "Not"), comparators: tuple[str, ...] = COMPARATORS) -> st.SearchStrategy[Condition]:
    leaf = st.builds(Condition, st.sampled_from(operations), st.lists(terms(comparators), min_size=1, max_size=3).map(tuple))

    def nest(inner: st.SearchStrategy[Condition]) -> st.SearchStrategy[Condition]:
        with_children = st.builds(lambda t, kids: dataclasses.replace(t, children=tuple(kids)), terms(comparators), st.lists(inner, min_size=1, max_size=2))
        return st.builds(Condition, st.sampled_from(operations), st.lists(st.one_of(terms(comparators), with_children), min_size=1, max_size=3).map(tuple))

    return st.recursive(leaf, nest, max_leaves=6)


@given(st.lists(terms(), min_size=1, max_size=4), holdings)
def test_and_or_not_are_all_any_none_of_the_terms(ts, who):
    each = [holds(Condition("And", (t,)), who) for t in ts]
    assert holds(Condition("And", tuple(ts)), who) == all(each)
    assert holds(Condition("Or", tuple(ts)), who) == any(each)
    assert holds(Condition("Not", tuple(ts)), who) == (not any(each))


@given(conditions(), conditions(), holdings)
def test_a_group_is_the_and_of_its_top_level_conditions(a, b, who):
    assert is_member([a, b], who) == (holds(a, who) and holds(b, who))
    assert not is_member([a, b], dataclasses.replace(who, active=False))


@given(conditions(operations=("And", "Or"), comparators=("GreaterThanOrEqualTo", "GreaterThan")), holdings, st.sampled_from(SKILLS), proficiency)
def test_raising_a_proficiency_never_takes_a_user_out_of_an_at_least_group(condition, who, skill, more):
    """Monotone: with only And/Or and at-least comparators, more skill never loses membership."""
    before = holds(condition, who)
    raised = dict(who.skills)
    raised[skill.lower()] = max(raised.get(skill.lower(), 0.0), more)
    assert holds(condition, dataclasses.replace(who, skills=raised)) >= before


@given(st.one_of(st.none(), proficiency), st.integers(0, 5))
def test_comparators_partition_as_numbers_do(held, wanted):
    assert compare(held, "EqualTo", wanted) != compare(held, "NotEqualTo", wanted)
    if held is not None:
        assert compare(held, "LessThan", wanted) != compare(held, "GreaterThanOrEqualTo", wanted)
        assert compare(held, "GreaterThan", wanted) != compare(held, "LessThanOrEqualTo", wanted)


def test_names_are_compared_ignoring_case_and_ids_the_table_lacks_are_not_held():
    who = Holdings.of({"s1": 4.0, "gone": 5.0}, {"l1": 2.0}, {"s1": "Billing", "l1": "Spanish"})
    assert who.skills == {"billing": 4.0} and who.languages == {"spanish": 2.0}
    assert holds(Condition("And", (Term("skill", "BILLING", "GreaterThanOrEqualTo", 4),)), who)


def test_the_clients_decoded_group_is_evaluated_as_read():
    group = routing_records.skill_group(
        {
            "id": "g",
            "name": "G",
            "skillConditions": [
                {
                    "operation": "And",
                    "routingSkillConditions": [
                        {
                            "routingSkill": "Billing",
                            "comparator": "GreaterThanOrEqualTo",
                            "proficiency": 3,
                            "childConditions": [
                                {"operation": "Or", "languageSkillConditions": [{"languageSkill": "Spanish", "comparator": "GreaterThan", "proficiency": 1}]}
                            ],
                        }
                    ],
                }
            ],
        }
    )
    assert is_member(group.conditions, Holdings({"billing": 3.0}, {"spanish": 2.0}))
    assert not is_member(group.conditions, Holdings({"billing": 3.0}, {"spanish": 1.0}))
    assert names_in(group.conditions) == (frozenset({"billing"}), frozenset({"spanish"}))


# ---------------------------------------------------------------------- the simulator agrees
_ORG = Org.generate(seed=3, users=0, skills=3, languages=2, queues=0, divisions=1)
_SKILL_IDS = {s.name: s.id for s in _ORG.skills.values()}
_LANGUAGE_IDS = {x.name: x.id for x in _ORG.languages.values()}


def _wire(c: Condition) -> dict:
    out: dict = {"operation": c.operation, "routingSkillConditions": [], "languageSkillConditions": []}
    for t in c.terms:
        key, name_key = ("routingSkillConditions", "routingSkill") if t.kind == "skill" else ("languageSkillConditions", "languageSkill")
        out[key].append({name_key: t.name, "comparator": t.comparator, "proficiency": t.proficiency, "childConditions": [_wire(k) for k in t.children]})
    return out


@settings(max_examples=200)
@given(st.lists(conditions(), min_size=1, max_size=2), holdings)
def test_the_simulator_evaluates_every_group_as_the_plan_does(cs, who):
    """The simulator (what the platform stands in for) and the plan's evaluation never disagree."""
    assert set(_SKILL_IDS) == set(SKILLS) and set(_LANGUAGE_IDS) == set(LANGUAGES)
    by_lower = {n.lower(): i for n, i in {**_SKILL_IDS, **_LANGUAGE_IDS}.items()}
    user = User("u", "U", "u@x", "u@x", None, None, None, "d")
    user.skills = {by_lower[n]: p for n, p in who.skills.items()}
    user.languages = {by_lower[n]: p for n, p in who.languages.items()}
    assert skilldefs.matches(_ORG, user, [_wire(c) for c in cs]) == is_member(cs, who)
