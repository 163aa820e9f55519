"""Authoritative skills and languages (#30 §3), over HTTP against the simulator: every holder the spec
does not list loses the name, nobody else is touched, plan names them, undo gives them back, and a
pattern or a name the org lacks is refused before anything is sent."""

from __future__ import annotations

from typing import Any

import orjson
from click.testing import CliRunner, Result
from helpers.cli import writes_counted
from helpers.routing import only_through

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.simulator import SimConfig, Simulator

SKILL, LANGUAGE = "Fraud Prevention", "Portuguese"


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def held(sim: Simulator) -> dict[str, dict[str, dict[str, float]]]:
    """Every user's skills and languages, by name."""
    out = {}
    for uid in sim.user_ids():
        user = sim.user(uid)
        out[str(user["email"])] = {key: {e["name"]: e["proficiency"] for e in user.get(key, [])} for key in ("skills", "languages")}
    return out


def holders(state: dict[str, Any], key: str, name: str) -> set[str]:
    return {email for email, has in state.items() if name in has[key]}


def spec_of(tmp_path, before) -> tuple[Any, set[str]]:
    """A WFM-like wide CSV listing two holders of SKILL and two users without it (all get SKILL=3)."""
    with_skill = sorted(holders(before, "skills", SKILL))
    without = sorted(set(before) - holders(before, "skills", SKILL))
    listed = set(with_skill[:2] + without[:2])
    path = tmp_path / "wfm.csv"
    path.write_text(f"email,{SKILL}\n" + "".join(f"{email},3\n" for email in sorted(listed)))
    return path, listed


def test_every_holder_the_spec_does_not_list_loses_the_name_and_nobody_else_is_touched_then_undo_restores(org, tmp_path):
    sim, url = org
    sim.reset(SimConfig(users=80))
    before = held(sim)
    spec, listed = spec_of(tmp_path, before)
    losing_skill = holders(before, "skills", SKILL) - listed
    losing_language = holders(before, "languages", LANGUAGE) - listed
    assert len(losing_skill) >= 3 and len(losing_language) >= 3  # the seeded org has holders to lose
    common = ("--base-url", url, "--state-dir", str(tmp_path / "state"), "--rps", "1000")
    names = ("--authoritative-skills", SKILL, "--authoritative-languages", LANGUAGE)

    planned = invoke(sim, "plan", str(spec), *common[:2], *names, "--json")
    assert planned.exit_code == exitcodes.OK, planned.output
    entries = {e["name"]: e for e in orjson.loads(planned.stdout)["authoritative"]}
    assert entries[SKILL]["losing"] == len(losing_skill) and entries[LANGUAGE]["losing"] == len(losing_language)
    assert set(entries[SKILL]["sample"]) <= losing_skill and len(entries[SKILL]["sample"]) == min(5, len(losing_skill))
    text = invoke(sim, "plan", str(spec), *common[:2], *names)
    assert f"authoritative skill {SKILL!r}: {len(losing_skill)} holder(s) the spec does not list lose it" in text.output
    assert writes_counted(sim.stats()) == 0

    ran = invoke(sim, "run", str(spec), "--job", "j", "--yes", "--accept-impact", *common, *names)
    assert ran.exit_code == exitcodes.OK, ran.output
    after = held(sim)
    assert holders(after, "skills", SKILL) == listed  # the spec is the whole truth for the skill
    assert not holders(after, "languages", LANGUAGE) - listed  # and for the language
    for email, was in before.items():
        now = after[email]
        if email in listed:
            assert now["skills"] == was["skills"] | {SKILL: 3.0} and now["languages"] == was["languages"]
            continue
        expected = {
            "skills": {k: v for k, v in was["skills"].items() if k != SKILL},
            "languages": {k: v for k, v in was["languages"].items() if k != LANGUAGE},
        }
        assert now == expected, email  # a holder loses only the name; everyone else is as before

    undone = invoke(sim, "undo", "j", "--yes", *common)
    assert undone.exit_code == exitcodes.OK, undone.output
    restored = held(sim)
    assert all(restored[e] == before[e] for e in before if e not in listed)  # the holders have it back, at their level
    assert holders(restored, "skills", SKILL) == holders(before, "skills", SKILL)


def test_a_pattern_or_a_name_the_org_lacks_is_refused_before_anything_is_sent(org, tmp_path):
    sim, url = org
    sim.reset(SimConfig(users=30))
    spec, _ = spec_of(tmp_path, held(sim))
    common = ("--base-url", url, "--state-dir", str(tmp_path / "state"), "--yes")
    pattern = invoke(sim, "run", str(spec), *common, "--authoritative-skills", "Fraud*")
    assert pattern.exit_code == exitcodes.USAGE and "'--authoritative-skills'" in pattern.output and "pattern" in pattern.output
    empty = invoke(sim, "run", str(spec), *common, "--authoritative-languages", "Spanish,")
    assert empty.exit_code == exitcodes.USAGE and "'--authoritative-languages'" in empty.output
    lacking = invoke(sim, "run", str(spec), *common, "--authoritative-skills", f"{SKILL},Basket Weaving")
    assert lacking.exit_code == exitcodes.INVALID_SPEC, lacking.output
    assert "authoritative skill 'Basket Weaving' is not a skill of the org (--authoritative-skills" in lacking.output
    assert writes_counted(sim.stats()) == 0 and not (tmp_path / "state" / "j").exists()


def test_a_queue_an_authoritative_name_would_empty_is_refused_by_default(org, tmp_path):
    """A queue fed only by a skill group on SKILL: a spec that lists none of its holders would empty it."""
    sim, url = org
    sim.reset(SimConfig(users=60))
    _, pros = only_through(sim, "Retention", "Fraud pros", SKILL, 1)
    assert len(pros) >= 3
    before = held(sim)
    others = sorted(set(before) - holders(before, "skills", SKILL))[:2]
    spec = tmp_path / "wfm.csv"
    spec.write_text("email,Billing\n" + "".join(f"{email},2\n" for email in others))
    ran = invoke(sim, "run", str(spec), "--yes", "--base-url", url, "--state-dir", str(tmp_path / "state"), "--authoritative-skills", SKILL)
    assert ran.exit_code == exitcodes.IMPACT, ran.output
    assert "Retention" in ran.output and writes_counted(sim.stats()) == 0
    assert held(sim) == before


def test_a_json_v2_spec_says_it_is_authoritative_itself(org, tmp_path):
    """``"authoritative": {"skills": [...], "languages": [...]}``: as the options say for a CSV."""
    sim, url = org
    sim.reset(SimConfig(users=50))
    before = held(sim)
    _, listed = spec_of(tmp_path, before)
    doc = {"version": 2, "users": [{"user": e, "skills": {SKILL: 3}} for e in sorted(listed)], "authoritative": {"skills": [SKILL], "languages": [LANGUAGE]}}
    spec = tmp_path / "wfm.json"
    spec.write_bytes(orjson.dumps(doc))
    ran = invoke(sim, "run", str(spec), "--job", "j", "--yes", "--accept-impact", "--base-url", url, "--state-dir", str(tmp_path / "state"), "--rps", "1000")
    assert ran.exit_code == exitcodes.OK, ran.output
    after = held(sim)
    assert holders(after, "skills", SKILL) == listed and not holders(after, "languages", LANGUAGE) - listed
    assert all(after[e]["skills"].keys() - {SKILL} == before[e]["skills"].keys() - {SKILL} for e in before)  # no other skill moved

    doc["authoritative"] = {"skills": ["Fraud*"]}
    spec.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    checked = invoke(sim, "validate", str(spec))
    assert checked.exit_code == exitcodes.INVALID_SPEC and "'Fraud*' looks like a pattern" in checked.output, checked.output
