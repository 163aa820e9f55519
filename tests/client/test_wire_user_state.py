"""A listed ``User`` as the engine sees it (``wire.user_state``): every field in its place, only
active assignments held, and an expansion the API left out unknown, never "none held"."""

import pytest
from helpers.strategies import states
from hypothesis import given, settings

from bulkops.client.wire import user_state
from bulkops.domain.model import UserState


def entity_of(state: UserState) -> dict:
    """The API's shape of ``state`` (what the simulator lists with expand=skills,languages)."""
    out = {"id": state.id, "version": state.version, "name": state.name, "email": state.email, "username": state.username, "state": state.state}
    out.update({k: v for k, v in (("department", state.department), ("title", state.title)) if v is not None})
    if state.manager is not None:
        out["manager"] = {"id": state.manager, "selfUri": f"/api/v2/users/{state.manager}"}
    if state.division is not None:
        out["division"] = {"id": state.division, "name": "D", "selfUri": "/api/v2/authorization/divisions/x"}
    out["skills"] = [{"id": k, "proficiency": v, "state": "active", "name": "n"} for k, v in state.skills.items()]
    out["languages"] = [{"id": k, "proficiency": v, "state": "active"} for k, v in state.languages.items()]
    return out


@settings(max_examples=100)
@given(states())
def test_a_listed_user_reads_as_its_state(state):
    state = UserState(
        **{
            **{f: getattr(state, f) for f in UserState.__slots__},
            "name": "N",
            "email": "e@x",
            "username": "u@x",
            "manager": "m1",
            "division": "d1",
            "queues": frozenset(),
        }
    )
    got = user_state(entity_of(state))
    assert got == state and type(got) is UserState


ACTIVE, INACTIVE = {"id": "s1", "proficiency": 3, "state": "active"}, {"id": "s2", "proficiency": 5, "state": "inactive"}


@pytest.mark.parametrize(
    ("entity", "state"),
    [
        ({"id": "u1"}, UserState("u1", 0, unknown=frozenset({"skills", "languages"}))),
        ({"id": "u1", "version": None, "skills": None, "languages": []}, UserState("u1", 0)),
        ({"id": "u1", "version": 4, "skills": [ACTIVE, INACTIVE], "languages": [{"id": "l1"}]}, UserState("u1", 4, skills={"s1": 3.0}, languages={"l1": 0.0})),
        ({"id": "u1", "version": 4, "languages": []}, UserState("u1", 4, unknown=frozenset({"skills"}))),
        ({"id": "u1", "version": 4, "skills": []}, UserState("u1", 4, unknown=frozenset({"languages"}))),
        (
            {
                "id": "u1",
                "version": 2,
                "name": "",
                "email": None,
                "state": None,
                "manager": "m9",
                "division": {"id": "d9"},
                "title": "T",
                "department": "D",
                "skills": [],
                "languages": [],
            },
            UserState("u1", 2, manager="m9", division="d9", title="T", department="D"),
        ),
        ({"id": "u1", "version": 2, "manager": {}, "division": "", "skills": [], "languages": []}, UserState("u1", 2)),
    ],
)
def test_listed_users_of_every_shape(entity, state):
    got = user_state(entity)
    assert got == state
    assert {f: getattr(got, f) for f in UserState.__slots__} == {f: getattr(state, f) for f in UserState.__slots__}
