"""The write-ahead record (#25 §1, §3), over HTTP against the simulator.

A pass stopped between users' writes and their audit lines (the audit log refuses to be written
after a few lines, as a full disk does: the writes went through, the lines did not) leaves those
users ``inflight`` with their write-ahead record. The resume writes their audit lines from it (the
``before`` the first pass read, the writes it made as confirmed operations) and the undo restores
every user exactly. An undo of the stopped job, not resumed, reads the records instead; one whose
records are gone (a store made before them) or whose audit log lost lines names each such user."""

from __future__ import annotations

import errno

import orjson
import pytest
from helpers.engine import email, plan_undo_of, resume_job, run_job, undo_job
from test_undo import reorg_spec, snapshot

from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import open_job
from bulkops.engine.undo.undocheck import NO_LINE, NO_RECORD
from bulkops.state.audit import AuditLog
from bulkops.state.ndjson import read_ndjson

OPTS = RunOptions(workers=4, conflict_delay=0.0)
USERS = 30  # reorg_spec: agents 10..39


def audit_refused_after(monkeypatch, lines: int) -> None:
    """The audit log takes ``lines`` lines, then every write fails as on a full disk."""
    real = AuditLog.write
    written = [0]

    def write(self, record):
        if written[0] >= lines:
            raise OSError(errno.ENOSPC, "No space left on device")
        written[0] += 1
        real(self, record)

    monkeypatch.setattr(AuditLog, "write", write)


async def stopped_job(sim, tmp_path, monkeypatch):
    """The reorganization, stopped with 5 audit lines written: (job id, users as before it, ids, queue ids)."""
    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    queues = s.queue_ids_by_name()
    queue_ids = [queues["Billing"], queues["Sales"]]
    uids = [by_email[email(i)] for i in range(10, 10 + USERS)]
    before = {u: snapshot(s, u, queue_ids) for u in uids}
    audit_refused_after(monkeypatch, 5)
    with pytest.raises(Exception) as stopped:
        await run_job(sim, reorg_spec(tmp_path / "reorg.json", s), tmp_path, options=OPTS)
    monkeypatch.undo()
    assert "No space left" in str(stopped.value) or "cannot be written" in str(stopped.value)
    (job,) = [p.name for p in tmp_path.iterdir() if (p / "state.db").exists()]
    return job, before, uids, queue_ids


async def test_resume_writes_the_audit_line_from_the_record_and_undo_restores_every_user(sim, tmp_path, monkeypatch):
    s = sim.sim
    job, before, uids, queue_ids = await stopped_job(sim, tmp_path, monkeypatch)
    setup = open_job(tmp_path, job)
    inflight = setup.store.writeaheads()
    counts = setup.store.counts()
    setup.store.close()
    assert inflight and counts.get("inflight", 0) == len(inflight)  # every user in flight has its record
    written = [u for u in inflight if snapshot(s, u, queue_ids) != before[u]]
    assert written  # the writes of users with no audit line went through

    setup, result, _ = await resume_job(sim, tmp_path, job, options=OPTS)
    lines = {r["user_id"]: r for r in read_ndjson(setup.paths.audit) if isinstance(r, dict)}
    assert set(lines) == set(uids)
    for uid in written:
        line = lines[uid]
        assert line["confirmed_after_restart"] is True
        assert line["before"]["title"] == before[uid]["title"] and line["before"]["division"] == before[uid]["division"]
        ops = {op["op"] for op in line["ops"] if op.get("confirmed")}
        assert "patch_user" in ops and line["changes"]["fields"]["title"] == "Agent II", orjson.dumps(line).decode()
    store = open_job(tmp_path, job).store
    assert store.writeaheads() == {} and store.counts().get("applied") == USERS  # done drops the record
    store.close()

    plan, undo, summary = await undo_job(sim, tmp_path, job, options=OPTS)
    assert plan.unaccounted == ()
    assert summary["users"].get("applied") == USERS
    for uid in uids:
        assert snapshot(s, uid, queue_ids) == before[uid], uid


async def test_undo_of_a_stopped_job_reads_the_records_and_names_what_it_cannot(sim, tmp_path, monkeypatch):
    s = sim.sim
    job, before, uids, queue_ids = await stopped_job(sim, tmp_path, monkeypatch)
    setup = open_job(tmp_path, job)
    inflight = sorted(setup.store.writeaheads())
    setup.store.close()

    plan = await plan_undo_of(sim, tmp_path, job)
    assert plan.unaccounted == ()  # the users in flight are read from their records
    assert {u.intent.user for u in plan.users} >= {u for u in inflight if snapshot(s, u, queue_ids) != before[u]}

    # As a store made before write-ahead records leaves it: in flight, no record.
    setup = open_job(tmp_path, job)
    setup.store._db.execute("DELETE FROM writeahead")
    setup.store._db.commit()
    setup.store.close()
    plan = await plan_undo_of(sim, tmp_path, job)
    assert {u.key: u.reason for u in plan.unaccounted} == dict.fromkeys(inflight, NO_RECORD)

    # Done users whose audit lines are gone are named too.
    audit = tmp_path / job / "audit.ndjson"
    done = [r["user_id"] for r in read_ndjson(audit) if isinstance(r, dict)]
    audit.write_bytes(b"")
    plan = await plan_undo_of(sim, tmp_path, job)
    reasons = {u.key: u.reason for u in plan.unaccounted}
    assert reasons == dict.fromkeys(inflight, NO_RECORD) | dict.fromkeys(done, NO_LINE)
    assert all(plan.names.get(uid) for uid in reasons)  # each is named by email


async def test_an_item_written_before_a_stop_is_resumed_from_its_record_and_undone(sim, tmp_path, monkeypatch):
    """Queue settings written, their audit lines refused: the resumed pass's lines carry the record's
    ``before`` and change (not a bare confirmation), so the undo puts the settings back."""
    from test_undo_items import get_path, queue_state, write

    from bulkops.kinds.queues import kind as kind_queues
    from bulkops.simulator import SimConfig

    monkeypatch.setattr(kind_queues, "QUEUE_WRITES_PER_SECOND", 1000.0)
    sim.sim.reset(SimConfig(users=60, queues=3, seed=21))
    names = sorted(sim.sim.queue_ids_by_name())
    qids = [sim.sim.queue_ids_by_name()[n] for n in names[:2]]
    before = [(await queue_state(sim, q))[0] for q in qids]
    settings = {"skillEvaluationMethod": "ALL", "media": {"chat": {"alertingTimeoutSeconds": 21}}}
    spec = write(tmp_path, {"queues": [{"queue": n, **settings} for n in names[:2]]})
    audit_refused_after(monkeypatch, 0)
    with pytest.raises(Exception):  # noqa: B017 (an item phase's OSError comes wrapped in its task group's)
        await run_job(sim, spec, tmp_path, options=OPTS)
    monkeypatch.setattr(AuditLog, "write", _real_write)
    (job,) = [p.name for p in tmp_path.iterdir() if (p / "state.db").exists()]
    store = open_job(tmp_path, job).store
    in_flight = store.item_writeaheads()
    store.close()
    assert in_flight, "the pass stopped with an item written and its record kept"
    timeouts = [get_path((await queue_state(sim, q))[0], "mediaSettings.chat.alertingTimeoutSeconds") for q in qids]
    assert 21 in timeouts  # written, with no audit line

    setup, _, _ = await resume_job(sim, tmp_path, job, options=OPTS)
    lines = [r for r in read_ndjson(setup.paths.audit) if isinstance(r, dict) and r.get("kind") == "queue"]
    assert len(lines) == 2 and all(r["outcome"] == "applied" and r.get("changes") and r.get("before") for r in lines), lines
    plan, _, summary = await undo_job(sim, tmp_path, job, options=OPTS)
    assert plan.unaccounted == () and not plan.items.refused
    for q, was in zip(qids, before, strict=True):
        now = (await queue_state(sim, q))[0]
        for path in ("skillEvaluationMethod", "mediaSettings.chat.alertingTimeoutSeconds"):
            assert get_path(now, path) == get_path(was, path), (q, path)


_real_write = AuditLog.write
