"""``expand`` is best effort: a listing that leaves a user's skills out means "unknown", never "none".

With 20% of the listing's expansions dropped (``expand_drop_rate``), every intended change lands,
removals included, and the extra reads are counted.
"""

from __future__ import annotations

import json

from helpers.engine import email, run_spec

from bulkops.engine.run.options import RunOptions
from bulkops.simulator import SimConfig


def held(s, uid: str, key: str) -> dict[str, float]:
    return {x["id"]: x["proficiency"] for x in s.user(uid)[key]}


async def test_removals_land_when_the_listing_drops_a_fifth_of_the_expansions(sim, tmp_path):
    s = sim.sim
    s.reset(SimConfig(users=300, seed=11, expand_drop_rate=0.2))
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    skill_names = {v: k for k, v in s.skill_ids_by_name().items()}
    language_names = {v: k for k, v in s.language_ids_by_name().items()}
    users, expected = [], {}
    for i in range(200):
        uid = by_email[email(i)]
        skills, languages = held(s, uid, "skills"), held(s, uid, "languages")
        drop_skill = sorted(skills)[0] if skills else None
        drop_language = sorted(languages)[0] if languages else None
        entry = {"user": email(i), "skills": {"Billing": 1 + i % 5}}
        if drop_skill and skill_names[drop_skill] != "Billing":
            entry["removeSkills"] = [skill_names[drop_skill]]
        if drop_language:
            entry["removeLanguages"] = [language_names[drop_language]]
        users.append(entry)
        expected[uid] = (drop_skill if "removeSkills" in entry else None, drop_language)
    spec = tmp_path / "job.json"
    spec.write_text(json.dumps({"version": 1, "mode": "merge", "users": users}))

    setup, result, _ = await run_spec(sim, spec, tmp_path / "state", options=RunOptions(workers=4, conflict_delay=0.0, page_size=50))

    assert result.error is None and result.counters.outcomes["applied"] == 200
    billing = s.skill_ids_by_name()["Billing"]
    for i, (uid, (skill, language)) in enumerate(expected.items()):
        assert held(s, uid, "skills")[billing] == 1 + i % 5
        assert skill is None or skill not in held(s, uid, "skills"), "a removal was skipped"
        assert language is None or language not in held(s, uid, "languages"), "a language removal was skipped"
    fills = result.counters.requests_by_kind["expand_fill"]
    assert 40 <= fills <= 160  # about a fifth of 200 users, for skills and languages independently
