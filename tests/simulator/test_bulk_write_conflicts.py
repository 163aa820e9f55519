"""``bulk_write_conflict_rate``: spurious 409s on the writes that carry no version, and only on those."""

from __future__ import annotations

import pytest

from bulkops.simulator import SimConfig


async def test_versionless_writes_answer_a_409_and_change_nothing(api, sim):
    s = sim.sim
    uid = s.user_ids()[0]
    before = s.user(uid)
    held = before["skills"][0]["id"] if before["skills"] else None
    skill = next(i for i in s.skill_ids_by_name().values() if i != held)
    s.configure(bulk_write_conflict_rate=1.0)
    base = f"/api/v2/users/{uid}"
    status, body, _ = await api.patch(f"{base}/routingskills/bulk", json=[{"id": skill, "proficiency": 4}])
    assert status == 409 and body["code"] == "general.conflict"
    assert (await api.put(f"{base}/routingskills/bulk", json=[{"id": skill, "proficiency": 4}]))[0] == 409
    if held:
        assert (await api.delete(f"{base}/routingskills/{held}"))[0] == 409
    language = next(iter(s.language_ids_by_name().values()))
    assert (await api.patch(f"{base}/routinglanguages/bulk", json=[{"id": language, "proficiency": 2}]))[0] == 409
    assert s.user(uid) == before  # nothing applied
    # The user PATCH carries a version: this knob leaves it alone.
    status, _, _ = await api.patch(base, json={"title": "Lead", "version": before["version"]})
    assert status == 200 and s.user(uid)["title"] == "Lead"
    s.configure(bulk_write_conflict_rate=0.0)
    assert (await api.patch(f"{base}/routingskills/bulk", json=[{"id": skill, "proficiency": 4}]))[0] == 200


def test_the_rate_is_a_share():
    with pytest.raises(ValueError, match="bulk_write_conflict_rate"):
        SimConfig(bulk_write_conflict_rate=1.5)
    assert SimConfig().with_knobs(bulk_write_conflict_rate=0.2).bulk_write_conflict_rate == 0.2
