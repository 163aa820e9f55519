"""``bulkops undo`` from the command line, in-process against the simulator over HTTP: the plan of
an undo in names (--dry-run, --json) writes nothing; the undo runs as JOB-undo; the reconciliation
list shows what was held back with its three values; a second undo of the same job is refused."""

from __future__ import annotations

import json

import orjson
from click.testing import CliRunner, Result

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.simulator import Simulator


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def spec(path, users):
    path.write_text(json.dumps({"version": 1, "mode": "merge", "users": users}), encoding="utf-8")
    return str(path)


def test_undo_plan_run_and_held_back_in_names(org, tmp_path):
    sim, url = org
    common = ["--base-url", url, "--state-dir", str(tmp_path / "st")]
    reorg = [{"user": f"agent{i:05d}@example.com", "title": "Agent II", "skills": {"Sales": 4}} for i in range(10, 16)]
    assert invoke(sim, "run", spec(tmp_path / "reorg.json", reorg), "--job", "reorg", "--yes", *common).exit_code == 0
    later = [{"user": "agent00010@example.com", "skills": {"Sales": 1}}]
    assert invoke(sim, "run", spec(tmp_path / "later.json", later), "--job", "later", "--yes", *common).exit_code == 0
    titles = {sim.user(u)["email"]: sim.user(u).get("title") for u in sim.user_ids()}

    dry = invoke(sim, "undo", "reorg", "--dry-run", *common)
    assert dry.exit_code == exitcodes.OK, dry.output
    assert "undo of job reorg (as job reorg-undo): 6 user(s) it changed" in dry.output
    assert "held back skill Sales (before the job" in dry.output and "now 1)" in dry.output
    assert {sim.user(u)["email"]: sim.user(u).get("title") for u in sim.user_ids()} == titles  # nothing written
    as_json = orjson.loads(invoke(sim, "undo", "reorg", "--dry-run", "--json", *common).output)
    assert (as_json["users"], as_json["holding"]) == (6, 1)

    ran = invoke(sim, "undo", "reorg", "--yes", *common)
    assert ran.exit_code == exitcodes.PARTIAL, ran.output  # one user held back: reconciliation
    assert "Agent II" not in {sim.user(u).get("title") for u in sim.user_ids()}
    listed = invoke(sim, "reconcile", "list", "reorg-undo", "--state-dir", str(tmp_path / "st"))
    assert "agent00010@example.com" in listed.output and "held back skill Sales (before the job" in listed.output

    again = invoke(sim, "undo", "reorg", "--yes", *common)
    assert again.exit_code == exitcodes.STATE and "already has an undo job, reorg-undo" in again.output


def test_plan_names_the_manager_by_email(org, tmp_path):
    sim, url = org
    users = [{"user": "agent00020@example.com", "manager": "agent00003@example.com"}]
    out = invoke(sim, "plan", spec(tmp_path / "m.json", users), "--base-url", url)
    assert out.exit_code == 0, out.output
    assert "manager=agent00003@example.com" in out.output


def test_an_audit_log_cut_or_deleted_makes_undo_name_every_user_and_exit_3(org, tmp_path):
    """A job over 200 users; its audit log cut in half by hand (mid-line), then deleted. The undo restores
    the users it has lines for and names by email every other one the checkpoint says was written (then
    every written one), dry run or not, exit 3: never "nothing to undo", never 0 (#25 §3)."""
    sim, url = org
    state = tmp_path / "st"
    common = ["--base-url", url, "--state-dir", str(state), "--rps", "200"]  # the point is the record, not the pace
    emails = sorted(sim.user(u)["email"] for u in sim.user_ids() if sim.user(u).get("state", "active") == "active")[10:210]
    titles = {e: sim.user(u).get("title") for u in sim.user_ids() if (e := sim.user(u)["email"]) in emails}
    reorg = [{"user": e, "title": "Agent II"} for e in emails]
    assert invoke(sim, "run", spec(tmp_path / "reorg.json", reorg), "--job", "reorg", "--yes", *common).exit_code == 0
    audit = state / "reorg" / "audit.ndjson"
    lines = audit.read_bytes().splitlines(keepends=True)
    written = [r["email"] for r in map(orjson.loads, lines) if r["outcome"] == "applied"]  # the others had the title already
    kept = [orjson.loads(line)["email"] for line in lines[:100]]
    audit.write_bytes(b"".join(lines[:100]) + lines[100][: len(lines[100]) // 2])  # cut in half by hand, mid-line
    lost = sorted(set(written) - set(kept))
    assert len(lost) > 80

    dry = invoke(sim, "undo", "reorg", "--dry-run", *common)
    assert dry.exit_code == exitcodes.PARTIAL, dry.output
    assert f"not restorable: {len(lost)} user(s) and 0 item(s)" in dry.output
    assert all(f"{e} (" in dry.output for e in lost) and "the audit log has no line for it" in dry.output
    as_json = orjson.loads(invoke(sim, "undo", "reorg", "--dry-run", "--json", *common).output)
    assert sorted(u["name"] for u in as_json["not_restorable"]) == lost

    ran = invoke(sim, "undo", "reorg", "--yes", *common)
    assert ran.exit_code == exitcodes.PARTIAL, ran.output
    assert all(e in ran.output for e in lost)
    now = {e: sim.user(u).get("title") for u in sim.user_ids() if (e := sim.user(u)["email"]) in emails}
    assert {e: now[e] for e in kept} == {e: titles[e] for e in kept}  # what the audit holds is restored (or was so)
    assert all(now[e] == "Agent II" for e in lost)  # and the rest is named, not guessed

    audit.unlink()
    gone = invoke(sim, "undo", "reorg", "--dry-run", "--job", "again", *common)
    assert gone.exit_code == exitcodes.PARTIAL, gone.output
    assert "nothing to undo" not in gone.output and f"not restorable: {len(written)} user(s)" in gone.output
    assert all(e in gone.output for e in written)
