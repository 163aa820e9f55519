"""``plan`` on a replace-mode job: what each user loses is shown by name, and a user left with no skills is warned about.

A replace-mode write sends only the skills that stay, so a spec line naming no skills
wipes the user: the plan must say so before anyone runs it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import orjson
import pytest
from helpers.engine import client_for

from bulkops.engine.plan.planjob import make_plan, skill_replacement
from bulkops.engine.setup.job import check_locally, resolve_against_org


def write_replace_spec(path, users):
    path.write_text(json.dumps({"version": 1, "mode": "replace", "users": users}), encoding="utf-8")
    return path


def skilled_users(s, at_least: int) -> list[dict]:
    """Simulator users (wire form) holding at least ``at_least`` skills, by email."""
    users = [s.user(u) for u in s.user_ids()]
    return sorted((u for u in users if len(u.get("skills") or ()) >= at_least), key=lambda u: u["email"])


def held(user: dict) -> dict[str, float]:
    return {sk["name"]: float(sk["proficiency"]) for sk in user["skills"]}


def scenario(sim, tmp_path):
    """One user keeps a skill, changes one, gains one and loses the rest; one user's line names no skills."""
    s = sim.sim
    reshaped, wiped = skilled_users(s, 3)[:2]
    have = held(reshaped)
    kept, changed, *lost = sorted(have)
    added = next(n for n in sorted(s.skill_ids_by_name()) if n not in have)
    new_level = 5.0 if have[changed] != 5.0 else 1.0
    spec = write_replace_spec(
        tmp_path / "replace.json",
        [{"user": reshaped["email"], "skills": {kept: have[kept], changed: new_level, added: 2}}, {"user": wiped["email"]}],
    )
    expected = {
        reshaped["email"]: {
            "keep": {kept: have[kept]},
            "change": {changed: [have[changed], new_level]},
            "add": {added: 2.0},
            "remove": {n: have[n] for n in lost},
        },
        wiped["email"]: {"keep": {}, "change": {}, "add": {}, "remove": held(wiped)},
    }
    return spec, expected, wiped["email"]


async def test_plan_spells_out_a_replacement_by_name_and_warns_about_a_user_left_with_no_skills(sim, tmp_path):
    spec, expected, wiped = scenario(sim, tmp_path)
    before = {u: sim.sim.user(u)["skills"] for u in sim.sim.user_ids()}
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        plan = await make_plan(client, await resolve_against_org(client, opened))
    by_email = {u["email"]: u for u in plan.users}
    assert {e: u["skills_replacement"] for e, u in by_email.items()} == expected
    assert by_email[wiped]["left_with_no_skills"] is True and "left_with_no_skills" not in by_email[next(e for e in expected if e != wiped)]
    assert by_email[wiped]["changes"]["replace_skills"] == {}  # what the write itself would send: nothing
    assert plan.totals["users_left_with_no_skills"] == 1
    assert plan.totals["skills_removed"] == sum(len(x["remove"]) for x in expected.values())
    (warning,) = plan.warnings()
    assert warning.startswith("1 user left with no skills") and wiped in warning
    assert {u: sim.sim.user(u)["skills"] for u in sim.sim.user_ids()} == before  # plan wrote nothing


@pytest.mark.slow
async def test_the_plan_command_shows_the_same_in_text_and_json(sim, tmp_path):
    spec, expected, wiped = scenario(sim, tmp_path)
    reshaped = next(e for e in expected if e != wiped)

    text = await bulkops_plan(sim, spec)
    lines = {line.strip().split(":", 1)[0]: line for line in text.splitlines() if line.startswith("  ")}
    removed = ", ".join(expected[wiped]["remove"])
    assert f"replace skills: remove {removed}" in lines[wiped] and "[warning: left with no skills]" in lines[wiped]
    want = expected[reshaped]
    (kept,), (changed,), (added,) = want["keep"], want["change"], want["add"]
    assert (
        f"replace skills: keep {kept}={want['keep'][kept]:g}, change {changed} {want['change'][changed][0]:g}->{want['change'][changed][1]:g}, "
        f"add {added}=2, remove {', '.join(want['remove'])}"
    ) in lines[reshaped]
    assert "warning" not in lines[reshaped]
    assert "users left with no skills 1" in text and f"warning: 1 user left with no skills (every skill they hold would be removed): {wiped}" in text

    out = orjson.loads(await bulkops_plan(sim, spec, "--json"))
    by_email = {u["email"]: u for u in out["users"]}
    assert {e: u["skills_replacement"] for e, u in by_email.items()} == expected
    assert by_email[wiped]["left_with_no_skills"] is True
    assert out["totals"]["users_left_with_no_skills"] == 1 and any(wiped in w and "no skills" in w for w in out["warnings"])


async def bulkops_plan(sim, spec, *args: str) -> str:
    """``bulkops plan`` in a child process, against the fixture's simulator (served by this test's loop meanwhile)."""
    env = os.environ | {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.client_secret, "NO_COLOR": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bulkops", "plan", str(spec), "--base-url", sim.base_url, "--rps", "2000", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode()
    return out.decode()


def test_a_replacement_sorts_skills_into_keep_change_add_and_remove():
    names = {"s1": "Billing", "s2": "Sales", "s3": "Retention", "s4": "Digital"}
    got = skill_replacement({"s1": 3.0, "s2": 2.0, "s3": 4.0, "gone": 1.0}, {"s1": 3.0, "s2": 5.0, "s4": 2.0}, names)
    assert got == {"keep": {"Billing": 3.0}, "change": {"Sales": [2.0, 5.0]}, "add": {"Digital": 2.0}, "remove": {"Retention": 4.0, "gone": 1.0}}
    assert list(skill_replacement({"s3": 1.0, "s1": 1.0}, {}, names)["remove"]) == ["Billing", "Retention"]  # by name
