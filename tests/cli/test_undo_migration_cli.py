"""``bulkops undo`` of a skill migration that deleted its skill, from the command line over HTTP
(#25 §4): the dry run says the skill is created again by name and each holder gets their old level
back; the run does exactly that with no failing write and ends with exit 0."""

from __future__ import annotations

import json

from click.testing import CliRunner, Result

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.simulator import SimConfig, Simulator


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def skills_of(sim: Simulator, uid: str) -> dict[str, float]:
    return {x["name"]: x["proficiency"] for x in sim.user(uid)["skills"] if x.get("state", "active") == "active"}


def test_undo_of_a_migration_with_delete_gives_every_holder_the_skill_back_by_name(org, tmp_path):
    sim, url = org
    sim.reset(SimConfig(users=200, seed=27))
    common = ["--base-url", url, "--state-dir", str(tmp_path / "st")]
    source = sorted(sim.skill_ids_by_name())[2]
    holders = [u for u in sim.user_ids() if source in skills_of(sim, u)]
    assert len(holders) >= 15
    before = {u: skills_of(sim, u) for u in sim.user_ids()}
    spec = tmp_path / "migrate.json"
    spec.write_text(json.dumps({"version": 2, "skills": [{"create": "Care Tier 2"}, {"migrate": source, "into": "Care Tier 2", "delete": True}]}))
    ran = invoke(sim, "run", str(spec), "--job", "mig", "--yes", "--rps", "1000", *common)
    assert ran.exit_code == exitcodes.OK, ran.output

    dry = invoke(sim, "undo", "mig", "--dry-run", *common)
    assert dry.exit_code == exitcodes.OK, dry.output
    assert f"skill {source} (before the users): create again by name (the job deleted it)" in dry.output
    assert f"to restore now: {len(holders)} user(s)" in dry.output and "cannot be undone: 0" in dry.output
    as_json = json.loads(invoke(sim, "undo", "mig", "--dry-run", "--json", *common).output)
    assert as_json["items_not_undoable"] == []

    statuses = dict(sim.stats()["byStatus"])
    undone = invoke(sim, "undo", "mig", "--yes", "--rps", "1000", *common)
    assert undone.exit_code == exitcodes.OK, undone.output
    assert sim.stats()["byStatus"].get("400", 0) == statuses.get("400", 0)  # no failing write
    assert {u: skills_of(sim, u) for u in sim.user_ids()} == before
    active = {k.name for k in sim.org.skills.values() if k.state == "active"}
    assert source in active and "Care Tier 2" not in active
