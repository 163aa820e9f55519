"""The reliability promises an operator meets on the command line (issue 8).

Every ``bulkops`` here is a real subprocess against a simulator in its own process:
persistent conflicts -> reconciliation queue -> ``reconcile retry``; damaged run state
(cut audit line, torn WAL, garbage or truncated ``state.db``, a ``state.db`` left by a kill
during its creation); an edited spec; a malformed spec that must send nothing at all.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
from chaoshelpers import PY, ChaosJob, SimProcess, api_requests, bulkops, cli_env, read_outcomes, write_spec

from bulkops.state.ndjson import BadLine, read_ndjson

pytestmark = pytest.mark.slow  # real processes: `pytest -m 'not slow'` is the quick inner loop

SEED = 4242


def _spec(path: Path, n: int, *, first: int = 0, skill: str = "Billing", level: float = 3) -> Path:
    users = [{"user": f"agent{i:05d}@example.com", "skills": {skill: level}, "title": "Reliability Agent"} for i in range(first, first + n)]
    return write_spec(path, {"version": 1, "mode": "merge", "users": users})


def _users_by_email(sim: SimProcess) -> dict[str, dict]:
    return {u["email"]: u for u in sim.dump()["users"]}


def _audit_lines(job: ChaosJob) -> int:
    p = job.root / "audit.ndjson"
    return p.read_bytes().count(b"\n") if p.exists() else 0


# --------------------------------------------------------------------------- persistent conflicts


def test_persistent_conflicts_go_to_the_queue_then_reconcile_retry_applies_them(tmp_path):
    n = 12
    spec = _spec(tmp_path / "job.json", n, skill="Sales", level=4.5)
    with SimProcess(tmp_path, users=40, seed=SEED) as sim:
        users = _users_by_email(sim)
        stuck = [users["agent00003@example.com"]["id"], users["agent00007@example.com"]["id"]]
        sim.post("/__sim/config", {"always_conflict": stuck})
        sales = {s["name"]: s["id"] for s in sim.dump()["skills"]}["Sales"]
        job = ChaosJob(spec, sim.base_url, tmp_path / "state", "conflicts", 500, tmp_path, workers=4, conflict_attempts=2)

        seg = job.segment()
        assert seg.rc == 3, seg.stderr
        assert "reconcile list conflicts" in seg.stdout and not seg.traceback
        listing = bulkops(["reconcile", "list", "conflicts", "--state-dir", str(job.state_dir), "--json"], cwd=tmp_path)
        assert listing.returncode == 0, listing.stderr
        entries = {e["user_id"]: e for e in json.loads(listing.stdout)}
        assert set(entries) == set(stuck)
        for uid in stuck:
            e = entries[uid]
            assert e["outcome"] == "reconciliation" and e["attempts"] == 2 and e["error"]["status"] == 409
            assert e["intent"]["skills"] == {sales: 4.5} and e["intent"]["fields"] == {"title": "Reliability Agent"}
            now = _users_by_email(sim)[e["email"]]
            assert now["skills"].get(sales) != 4.5 or now["title"] != "Reliability Agent"  # not (wholly) applied
        counts, _, open_ = read_outcomes(job.root / "state.db")
        assert counts == {"applied": n - 2, "reconciliation": 2} and not open_

        sim.post("/__sim/config", {"always_conflict": []})
        before = api_requests(sim.stats())
        retry = job.retry()
        assert retry.rc == 0, retry.stderr
        assert api_requests(sim.stats()) - before <= 1 + 2 * 3  # by-id fetch + the two users' writes; no org listing
        empty = bulkops(["reconcile", "list", "conflicts", "--state-dir", str(job.state_dir)], cwd=tmp_path)
        assert empty.returncode == 0 and "is empty" in empty.stdout, empty.stdout
        after = _users_by_email(sim)
        for i in range(n):
            u = after[f"agent{i:05d}@example.com"]
            assert u["skills"][sales] == 4.5 and u["title"] == "Reliability Agent"
        counts, outcome, open_ = read_outcomes(job.root / "state.db")
        assert counts == {"applied": n} and not open_
        last = {r["user_id"]: r["outcome"] for r in read_ndjson(job.root / "audit.ndjson")}
        assert last == outcome
        # the other admin's one edit per stuck user (the first 409) is still there
        for c in sim.conflicts():
            u = next(x for x in after.values() if x["id"] == c["userId"])
            if c["field"] == "skills":
                assert u["skills"].get(c["id"]) == c["after"]
            elif c["field"] in ("languages",):
                assert u["languages"].get(c["id"]) == c["after"]


# --------------------------------------------------------------------------- disk and state


@pytest.fixture
def killed_job(tmp_path):
    """A job SIGKILLed once 15 users are audited (client paced at 40 req/s, so mid-run)."""
    spec = _spec(tmp_path / "job.json", 60)
    with SimProcess(tmp_path, users=80, seed=SEED) as sim:
        job = ChaosJob(spec, sim.base_url, tmp_path / "state", "disk", 40, tmp_path, workers=4)
        seg = job.segment(kill_when=lambda: _audit_lines(job) >= 15, max_wait=60)
        assert seg.killed, seg.stderr
        yield sim, job


def test_after_a_kill_an_edited_spec_is_refused_then_a_cut_audit_line_and_a_torn_wal_are_handled(killed_job):
    sim, job = killed_job
    # 1. What a crash in the middle of writes can leave: an audit line cut short, a WAL frame half written.
    audit = job.root / "audit.ndjson"
    whole = _audit_lines(job)
    with open(audit, "ab") as fh:
        fh.write(b'{"ts": "2026-11-23T11:31:10.352Z", "run_id": "20261123T113106Z-43ff82", "outcome": "appl')
    wal = job.root / "state.db-wal"
    assert wal.exists() and wal.stat().st_size > 0  # SIGKILL left it un-checkpointed
    with open(wal, "ab") as fh:
        fh.write(os.urandom(3000))

    # 2. The spec was edited after the crash: exit 7, the message names the spec, nothing is sent or changed.
    original = job.spec.read_bytes()
    counts_before = read_outcomes(job.root / "state.db")[0]
    requests_before = api_requests(sim.stats())
    job.spec.write_bytes(original.replace(b"Reliability Agent", b"Edited Agent", 1))
    p = bulkops(["resume", job.job, "--base-url", sim.base_url, "--state-dir", str(job.state_dir)], cwd=job.workdir)
    assert p.returncode == 7, p.stderr
    assert "changed since" in p.stderr and str(job.spec.resolve()) in p.stderr and "Traceback" not in p.stderr
    assert api_requests(sim.stats()) == requests_before
    assert read_outcomes(job.root / "state.db")[0] == counts_before
    job.spec.write_bytes(original)  # restored: the job may carry on

    # 3. Resumed with the original spec: the cut line is terminated and reported, the torn frame ignored.
    seg = job.segment()
    assert seg.command == "resume" and seg.rc == 0, seg.stderr
    assert "audit.repaired" in seg.stderr and "cut by a crash" in seg.stderr  # said, not silent
    records = list(read_ndjson(audit))
    bad = [r for r in records if isinstance(r, BadLine)]
    assert [b.line for b in bad] == [whole + 1] and bad[0].text.startswith('{"ts"')
    assert f"audit.ndjson:{whole + 1}:" in str(bad[0])
    good = [r for r in records if not isinstance(r, BadLine)]
    assert {r["user_id"] for r in good} == _all_intent_ids(job)
    counts, outcome, open_ = read_outcomes(job.root / "state.db")
    assert counts == {"applied": 60} and not open_
    assert {r["user_id"]: r["outcome"] for r in good} == outcome  # the last line per user is its outcome
    titles = {u["title"] for u in _users_by_email(sim).values() if u["email"] < "agent00060@"}
    assert titles == {"Reliability Agent"}


def test_a_damaged_state_db_is_exit_7_naming_the_file_and_nothing_is_sent(killed_job):
    sim, job = killed_job
    bulkops(["status", job.job, "--state-dir", str(job.state_dir)], cwd=job.workdir)
    requests_before = api_requests(sim.stats())
    procs = []
    for damage in ("garbage", "truncated", "zeroed-header"):
        root = job.state_dir / f"{job.job}-{damage}"
        shutil.copytree(job.root, root)
        for extra in ("state.db-wal", "state.db-shm"):
            (root / extra).unlink(missing_ok=True)
        db = root / "state.db"
        data = db.read_bytes()
        if damage == "garbage":
            db.write_bytes(os.urandom(len(data)))
        elif damage == "truncated":
            db.write_bytes(data[: len(data) // 2])
        else:
            db.write_bytes(b"\0" * 100 + data[100:])
        for args in (["resume", root.name, "--base-url", sim.base_url], ["status", root.name]):
            cmd = [PY, "-m", "bulkops", *args, "--state-dir", str(job.state_dir)]
            procs.append(
                (damage, args[0], db, subprocess.Popen(cmd, cwd=job.workdir, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
            )
    try:
        for damage, command, db, proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 7, (damage, command, proc.returncode, err)
            assert str(db) in err and "damaged" in err and "Traceback" not in err, (damage, command, err)
    finally:
        for *_, proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
    assert api_requests(sim.stats()) == requests_before


def test_a_state_db_left_by_a_kill_during_its_creation_lets_run_start_again(tmp_path):
    spec = _spec(tmp_path / "job.json", 5)
    root = tmp_path / "state" / "born"
    root.mkdir(parents=True)
    # Exactly what RunStore.create leaves when killed between RunStore._connect and the schema commit.
    code = (
        "import os, signal, sys; from pathlib import Path; from bulkops.state.store import RunStore; "
        "RunStore._connect(Path(sys.argv[1])); os.kill(os.getpid(), signal.SIGKILL)"
    )
    killed = subprocess.run([PY, "-c", code, str(root / "state.db")], timeout=60)
    assert killed.returncode == -signal.SIGKILL and (root / "state.db").exists()
    with SimProcess(tmp_path, users=10, seed=SEED) as sim:
        job = ChaosJob(spec, sim.base_url, tmp_path / "state", "born", 500, tmp_path, workers=2)
        seg = job.segment()  # `run`: there is no finished set-up to resume
        assert seg.command == "run"
        assert seg.rc == 0, seg.stderr


def _all_intent_ids(job: ChaosJob) -> set[str]:
    conn = sqlite3.connect(f"file:{job.root / 'state.db'}?mode=ro", uri=True)
    try:
        return {uid for (uid,) in conn.execute("SELECT user_id FROM intents")}
    finally:
        conn.close()


# --------------------------------------------------------------------------- bad input


BAD_SPECS = {
    "bad.csv": (
        "email,Billing,Sales\nagent00000@example.com,7,2\nagent00001@example.com,abc,\nagent00002@example.com,1,2,3\n",
        ["bad.csv:2:24:", "bad.csv:3:24:", "bad.csv:4:28:"],
    ),
    "bad.json": (
        '{"version": 1, "users": [\n  {"user": "agent00000@example.com", "skills": {"Billing": 9}},\n'
        '  {"user": "agent00001@example.com", "skills": {"Sales": 2},}\n]}\n',
        ["bad.json:3:61:"],
    ),
    "bad-values.json": (
        '{"version": 1, "users": [\n  {"user": "agent00000@example.com", "skills": {"Billing": 9}},\n'
        '  {"user": "agent00001@example.com", "skills": {"Sales": "high"}, "bogus": 1}\n]}\n',
        ["bad-values.json:2:", "bad-values.json:3:"],
    ),
}


def test_a_malformed_spec_exits_4_with_file_line_column_and_sends_nothing(tmp_path):
    with SimProcess(tmp_path, users=10, seed=SEED) as sim:
        results = {}
        for name, (text, _) in BAD_SPECS.items():
            spec = tmp_path / name
            spec.write_text(text, encoding="utf-8")
            results[name] = bulkops(["run", str(spec), "--base-url", sim.base_url, "--state-dir", str(tmp_path / "state"), "--plain-progress"], cwd=tmp_path)
        stats = sim.stats()
    for name, p in results.items():
        assert p.returncode == 4, (name, p.stderr)
        assert "nothing was sent" in p.stderr and "Traceback" not in p.stderr
        for where in BAD_SPECS[name][1]:
            assert where in p.stderr, p.stderr
        assert re.search(rf"{re.escape(name)}:\d+:\d+: ", p.stderr)
    assert api_requests(stats) == 0 and stats["total"] == 0, stats  # not a read, not even a token
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").iterdir())


def test_a_user_queued_just_before_a_kill_and_applied_on_resume_leaves_the_queue(tmp_path):
    spec = write_spec(tmp_path / "job.json", {"version": 1, "users": [{"user": f"agent{i:05d}@example.com", "skills": {"Sales": 4.5}} for i in range(6)]})
    with SimProcess(tmp_path, users=20, seed=SEED) as sim:
        stuck = _users_by_email(sim)["agent00002@example.com"]["id"]
        sim.post("/__sim/config", {"always_conflict": [stuck]})
        job = ChaosJob(spec, sim.base_url, tmp_path / "state", "stale", 500, tmp_path, workers=2, conflict_attempts=2)
        assert job.segment().rc == 3
        # On disk, exactly what SIGKILL leaves between _finish's reconciliation.add (done: the queued event is
        # fsynced) and audit.record / store.mark_done (not done): no audit line for this run, status inflight.
        audit = job.root / "audit.ndjson"
        audit.write_bytes(b"".join(x for x in audit.read_bytes().splitlines(keepends=True) if stuck.encode() not in x))
        conn = sqlite3.connect(job.root / "state.db")
        with conn:
            conn.execute("UPDATE intents SET status = 'inflight', outcome = NULL WHERE user_id = ?", (stuck,))
        conn.close()
        sim.post("/__sim/config", {"always_conflict": []})  # the other admin is gone: the resume applies the user
        seg = job.segment()
        assert seg.command == "resume" and seg.rc == 0, seg.stderr
        outcomes = read_outcomes(job.root / "state.db")[0]
        assert outcomes.get("applied", 0) + outcomes.get("unchanged", 0) == 6 and "reconciliation" not in outcomes
        last = {}
        for rec in read_ndjson(audit):
            if not isinstance(rec, BadLine):
                last[rec["user_id"]] = rec["outcome"]
        assert last[stuck] == "applied"
        listing = bulkops(["reconcile", "list", "stale", "--state-dir", str(job.state_dir)], cwd=tmp_path)
        assert "is empty" in listing.stdout, listing.stdout
