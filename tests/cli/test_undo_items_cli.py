"""``bulkops undo`` of a job's queue settings from the command line, over HTTP (#20 §1): the plan
names per item what is restored and what is held back (and ``--json``); the undo puts back what
nothing else changed; ``reconcile list`` shows each part held back with its three values."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
from click.testing import CliRunner, Result

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.simulator import Simulator


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_undo_of_queue_settings_plan_run_and_held_back_in_names(org, tmp_path):
    sim, url = org
    common = ["--base-url", url, "--state-dir", str(tmp_path / "st")]
    names = sorted(sim.queue_ids_by_name())[:2]
    ids = [sim.queue_ids_by_name()[n] for n in names]
    before = [json.loads(json.dumps(sim.org.queueconfig.settings_of(q))) for q in ids]
    spec = tmp_path / "queues.json"
    spec.write_text(
        json.dumps({"version": 2, "queues": [{"queue": n, "skillEvaluationMethod": "ALL", "media": {"chat": {"alertingTimeoutSeconds": 21}}} for n in names]})
    )
    assert invoke(sim, "run", str(spec), "--job", "tune", "--yes", *common).exit_code == 0
    sim.org.queueconfig.settings_of(ids[1])["mediaSettings"]["chat"]["alertingTimeoutSeconds"] = 45  # another administrator

    dry = invoke(sim, "undo", "tune", "--dry-run", *common)
    assert dry.exit_code == exitcodes.OK, dry.output
    assert "items of other kinds: 2 to undo (to restore now: 2; held back, changed since the job: 1)" in dry.output
    assert f"queue settings {names[0]} (before the users): mediaSettings.chat.alertingTimeoutSeconds 21 -> " in dry.output
    assert (
        f"queue settings {names[1]} (before the users):" in dry.output and "held back mediaSettings.chat.alertingTimeoutSeconds (before the job" in dry.output
    )
    assert sim.org.queueconfig.settings_of(ids[0])["skillEvaluationMethod"] == "ALL"  # nothing written
    as_json = orjson.loads(invoke(sim, "undo", "tune", "--dry-run", "--json", *common).output)
    items = {i["name"]: i for i in as_json["items"]}  # in the order the undo runs them (by queue id)
    assert set(items) == set(names) and items[names[1]]["held_back"][0]["now"] == 45 and not items[names[0]]["held_back"]

    ran = invoke(sim, "undo", "tune", "--yes", *common)
    assert ran.exit_code == exitcodes.PARTIAL, ran.output  # one queue held back in part: reconciliation
    assert sim.org.queueconfig.settings_of(ids[0])["skillEvaluationMethod"] == before[0]["skillEvaluationMethod"]
    assert sim.org.queueconfig.settings_of(ids[1])["skillEvaluationMethod"] == before[1]["skillEvaluationMethod"]
    assert sim.org.queueconfig.settings_of(ids[1])["mediaSettings"]["chat"]["alertingTimeoutSeconds"] == 45
    listed = invoke(sim, "reconcile", "list", "tune-undo", "--state-dir", str(tmp_path / "st"))
    assert names[1] in listed.output and "held back mediaSettings.chat.alertingTimeoutSeconds (before the job" in listed.output
    assert "written by it 21, now 45)" in listed.output


def test_undo_dry_run_says_names_and_words_not_ids_nor_tags(org, tmp_path):
    """#28 §5: the example jobs' undo plans: a skill's division, a utilization setting and its label
    by name, when each item runs in words; no id where the org has a name, no raw API object."""
    sim, url = org
    common = ["--base-url", url, "--state-dir", str(tmp_path / "st"), "--rps", "500"]
    jobs = Path(__file__).resolve().parents[2] / "jobs"
    said = []
    for job in ("skills-reorg", "utilization"):
        ran = invoke(sim, "run", str(jobs / f"{job}.json"), "--job", job, "--yes", *common)
        assert ran.exit_code == exitcodes.OK, ran.output
        dry = invoke(sim, "undo", job, "--dry-run", *common)
        assert dry.exit_code == exitcodes.OK, dry.output
        said.append(dry.output)
    skills, utilization = said
    assert "skill Sales (after the users): division 'EMEA' -> 'Home'" in skills, skills
    assert "skill Billing Tier 2 (last): delete" in skills and "skill Retention (before the users): create again" in skills
    assert "utilization of agent00010@example.com (before the users): setting [call 1, " in utilization, utilization
    assert "email 3 (interruptible by call)" in utilization and "; label VIP 1] -> 'the org default'" in utilization
    assert "the org default utilization (after the users): label VIP 1 -> (none); chat 3 -> " in utilization
    for text in said:
        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-", text), text
        assert not re.search(r"\[(before_users|after_users|last)\]", text) and "maximumCapacity" not in text and "{" not in text, text
