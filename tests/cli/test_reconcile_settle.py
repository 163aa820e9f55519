"""``reconcile list``/``show`` and the report's reconciliation section, in names (#28 §3).

A real job over HTTP against the simulator: users held by 409s (``always_conflict``) whose lines
set skills, a language, a division, a manager and a queue; then ``reconcile list`` groups them by
reason, ``reconcile show`` puts wanted / last seen / the org now side by side with the commands
that settle them, and the report's section has one anchored row per entry. No UUID of a named
object appears anywhere a person reads."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import subprocess
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner, Result

from bulkops.cli.main import cli
from bulkops.cli.support import exitcodes
from bulkops.simulator import Simulator
from bulkops.state.reconciliation import ReconciliationQueue

FAST = ("--rps", "1000", "--plain-progress", "--conflict-attempts", "2", "--conflict-delay", "0", "--workers", "4")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def invoke(sim: Simulator, *args: str) -> Result:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": sim.config.client_id, "GENESYSCLOUD_OAUTHCLIENT_SECRET": sim.config.client_secret, "GENESYSCLOUD_ACCESS_TOKEN": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def email(i: int) -> str:
    return f"agent{i:05d}@example.com"


class HeldJob:
    """30 users, 8 of them held by 409s; every line names skills, a language, a division, a manager and a queue."""

    def __init__(self, sim: Simulator, url: str, tmp: Path):
        self.sim, self.url, self.state = sim, url, tmp / "st"
        self.skills = list(sim.skill_ids_by_name())[:2]
        self.language = next(iter(sim.language_ids_by_name()))
        self.division = list(sim.division_ids_by_name())[-1]
        self.queue = next(iter(sim.queue_ids_by_name()))
        by_email = {sim.user(u)["email"]: u for u in sim.user_ids()}
        self.held = [by_email[email(i)] for i in range(10, 18)]
        self.named = {**sim.skill_ids_by_name(), **sim.language_ids_by_name(), **sim.division_ids_by_name(), **sim.queue_ids_by_name()}
        self.manager_id = by_email[email(40)]
        lines = [
            {
                "user": email(i),
                "skills": {self.skills[0]: 4, self.skills[1]: 2},
                "languages": {self.language: 3},
                "division": self.division,
                "manager": email(40),
                "joinQueues": [self.queue],
            }
            for i in range(30)
        ]
        self.spec = tmp / "s.json"
        self.spec.write_text(json.dumps({"version": 1, "mode": "merge", "users": lines}), encoding="utf-8")

    def run(self) -> Result:
        self.sim.configure(always_conflict=self.held)
        return invoke(self.sim, "run", str(self.spec), "--job", "j", "--yes", "--accept-impact", "--base-url", self.url, "--state-dir", str(self.state), *FAST)

    def no_named_uuid(self, text: str) -> None:
        """No id of a skill, language, division, queue or the manager appears in ``text``."""
        for name, ident in self.named.items():
            assert ident not in text, f"{name}'s id {ident} shown"
        assert self.manager_id not in text
        for user_id in self.held:
            assert user_id not in text


def test_list_groups_by_reason_and_show_puts_three_views_side_by_side(org, tmp_path):
    sim, url = org
    job = HeldJob(sim, url, tmp_path)
    ran = job.run()
    assert ran.exit_code == exitcodes.PARTIAL, ran.output
    assert "report.html#reconciliation" in ran.output  # the next: line points at the section

    listed = invoke(sim, "reconcile", "list", "j", "--state-dir", str(job.state))
    assert listed.exit_code == 0, listed.output
    out = listed.output
    assert re.search(r"\(8\)\n", out), out  # one group of the 8 held users, its size said
    for i in range(10, 18):
        assert email(i) in out
    assert f"skill {sorted(job.skills, key=str.lower)[0]}: proficiency" in out
    assert "report.html#reconciliation" in out
    job.no_named_uuid(out)

    sim.configure(always_conflict=[])  # someone else settles one by hand: the org now differs from what was last seen
    shown = invoke(sim, "reconcile", "show", "j", email(12), "--state-dir", str(job.state))
    assert shown.exit_code == 0, shown.output
    text = shown.output
    assert "the job wanted" in text and "it last saw" in text and "the org holds now" in text
    for name in (*job.skills, job.language, job.division, job.queue, email(40)):
        assert name in text, f"{name} missing from:\n{text}"
    assert "UTC" in text and not re.search(r"\b1[6-9]\d{8}\.\d+", text)  # a readable time, no epoch float
    assert f"bulkops reconcile retry j {email(12)} --state-dir {shlex.quote(str(job.state))}" in text
    assert f"bulkops reconcile drop j {email(12)}" in text
    job.no_named_uuid(text)
    assert (job.state / "j" / "reconcile-now.ndjson").exists()  # the report shows what was read

    offline = invoke(sim, "reconcile", "show", "j", email(13), "--state-dir", str(job.state), "--offline")
    assert offline.exit_code == 0 and "the org holds now" not in offline.output
    raw = invoke(sim, "reconcile", "show", "j", email(13), "--state-dir", str(job.state), "--json")
    assert json.loads(raw.output)["user_id"] == job.held[3]

    # the commands work as printed: the edit-and-rerun spec is in names and plans against the org as it is
    save = next(line.strip() for line in text.splitlines() if line.strip().startswith("printf "))
    subprocess.run(["bash", "-c", save], cwd=tmp_path, check=True)
    fix = tmp_path / "fix-agent00012.jsonl"
    job.no_named_uuid(fix.read_text(encoding="utf-8"))
    planned = invoke(sim, "plan", str(fix), "--base-url", url, "--json")
    assert planned.exit_code == 0, planned.output
    assert [u["email"] for u in json.loads(planned.output)["users"]] == [email(12)]
    # and the retry one settles the entry
    retry = next(line.strip() for line in text.splitlines() if line.strip().startswith("bulkops reconcile retry"))
    again = invoke(sim, *shlex.split(retry)[1:], "--base-url", url, *FAST)
    assert again.exit_code == exitcodes.PARTIAL, again.output  # 7 still held in the queue
    assert job.held[2] not in ReconciliationQueue(job.state / "j" / "reconciliation.ndjson").entries()


def test_the_report_has_an_anchored_row_per_entry_grouped_by_reason_in_names(org, tmp_path):
    sim, url = org
    job = HeldJob(sim, url, tmp_path)
    assert job.run().exit_code == exitcodes.PARTIAL
    invoke(sim, "reconcile", "show", "j", email(11), "--state-dir", str(job.state))
    assert invoke(sim, "report", "j", "--state-dir", str(job.state)).exit_code == 0
    page = (job.state / "j" / "results" / "report.html").read_text(encoding="utf-8")
    assert 'id="reconciliation"' in page
    for i in range(10, 18):
        assert f'id="reconcile-{email(i)}"' in page
    for name in (*job.skills, job.language, job.division, job.queue, email(40)):
        assert name in page
    assert page.count('class="reason-group"') == 1
    assert "an unnamed" not in page  # the managers the users had are named too (set-up recorded their emails)
    assert "bulkops reconcile retry j " + email(11) in page
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    for href in re.findall(r'href="#([^"]+)"', page):
        assert href in ids, f"#{href} leads nowhere"

    # the user whose org state was read shows it, with when
    def entry(i: int) -> str:
        start = page.index(f'id="reconcile-{email(i)}"')
        return page[start : page.index("data-user=", start + 60)]

    assert "the org holds now (read 20" in entry(11) and "UTC)" in entry(11)
    assert "the org holds now: not read yet" in entry(12)
    visible = re.sub(r'<[^>]*data-(user|item)="[^"]*"[^>]*>', "", page)  # machine attributes apart, every id named
    job.no_named_uuid(re.sub(r"<code>\d{8}T\d{6}Z-[^<]*</code>", "", visible))


def remove_user(sim: Simulator, user_id: str) -> None:
    """The user is gone from the org (an id read answers 404), and from its queues."""
    del sim.org.users[user_id]
    for queue in sim.org.queues.values():
        queue.members.pop(user_id, None)
    sim.org._member_order.clear()


def test_failures_and_users_gone_since_set_up_are_grouped_and_named_by_the_spec_email(org, tmp_path):
    """Two users deleted after set-up read them (failed: the spec named them by email), three held by
    409s: two reason groups in ``list`` and in the report, every entry named by its email."""
    sim, url = org
    job = HeldJob(sim, url, tmp_path)
    gone = [u for u in sim.user_ids() if sim.user(u)["email"] in (email(20), email(21))]
    held = job.held[:3]

    async def run() -> None:
        from helpers.clients import client_for

        from bulkops.engine.run.execute import execute
        from bulkops.engine.run.options import RunOptions
        from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
        from bulkops.report.hooks import after_pass

        handle = SimpleNamespace(base_url=url, client_id=sim.config.client_id, client_secret=sim.config.client_secret)
        async with client_for(handle, rps=2000) as client:
            setup = create_job(await resolve_against_org(client, check_locally(job.spec)), state_dir=job.state, job_id="j")
            sim.configure(always_conflict=held)
            for uid in gone:  # deleted by someone else between set-up and the writes
                remove_user(sim, uid)
            await execute(client, setup, options=RunOptions(workers=4, conflict_delay=0.0, conflict_attempts=2), after_pass=after_pass(None))
        setup.store.close()

    asyncio.run(run())
    listed = invoke(sim, "reconcile", "list", "j", "--state-dir", str(job.state))
    assert listed.exit_code == 0, listed.output
    groups = [line for line in listed.output.splitlines() if re.search(r"  \(\d+\)$", line)]
    assert len(groups) == 2, listed.output
    for i in (20, 21):
        assert email(i) in listed.output
    for uid in gone + held:
        assert uid not in listed.output
    shown = invoke(sim, "reconcile", "show", "j", email(20), "--state-dir", str(job.state), "--base-url", url)  # a job made in-process recorded no connection
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith(f"{email(20)}: failed") or f"\n{email(20)}: failed" in shown.output
    assert "the user could not be read: 404" in shown.output, shown.output  # the org now: gone, said in words
    assert "an unnamed" not in shown.output  # the manager it last saw is read by name too
    job.no_named_uuid(shown.output)
    page = (job.state / "j" / "results" / "report.html").read_text(encoding="utf-8")
    assert page.count('class="reason-group"') == 2 and f'id="reconcile-{email(21)}"' in page

    # a held user deleted before `reconcile retry`: not found by id, and still named by its email
    sim.configure(always_conflict=[])
    remove_user(sim, held[0])
    retried = invoke(sim, "reconcile", "retry", "j", email(10), "--state-dir", str(job.state), "--base-url", url, *FAST)
    assert retried.exit_code == exitcodes.PARTIAL, retried.output
    entry = ReconciliationQueue(job.state / "j" / "reconciliation.ndjson").entries()[held[0]]
    listed = invoke(sim, "reconcile", "list", "j", "--state-dir", str(job.state)).output
    assert entry["email"] is None and entry["reason"].startswith("not found by id")  # the queue itself has no email for it
    assert held[0] not in listed and f"{email(10)}  failed" in listed, (entry, listed)
    page = (job.state / "j" / "results" / "report.html").read_text(encoding="utf-8")
    assert f'id="reconcile-{email(10)}"' in page
