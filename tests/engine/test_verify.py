"""``bulkops verify``: a job's writes against the platform's own audit trail, over HTTP."""

from __future__ import annotations

import json

from helpers.engine import email, run_spec

from bulkops.state.store import RunStore


def write_json(path, users):
    path.write_text(json.dumps({"version": 1, "mode": "merge", "users": users}), encoding="utf-8")
    return path


async def test_a_job_records_the_oauth_client_its_writes_are_made_by(sim, tmp_path):
    spec = write_json(tmp_path / "one.json", [{"user": email(0), "title": "Verifier"}])
    setup, _, _ = await run_spec(sim, spec, tmp_path)
    store = RunStore.open(setup.paths.db)
    try:
        assert store.get("client_id") == sim.client_id
    finally:
        store.close()
