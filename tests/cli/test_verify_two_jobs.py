"""``bulkops verify`` tells jobs apart (#27 §9): two jobs run by one OAuth client close together, in
one state folder, each verified: 0 unexpected, the other's writes named as that job's; a write by the
same client that no job recorded is still unexpected. In-process against the simulator over HTTP."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import orjson
from helpers.clients import client_for
from test_verify_cli import invoke, org, run_job  # noqa: F401 - org: the fixture

from bulkops.cli.support import exitcodes


def people(first: int, last: int, **change: object) -> list[dict]:
    return [{"user": f"agent{i:05d}@example.com", **change} for i in range(first, last)]


def test_two_jobs_of_one_client_each_verify_with_the_others_writes_named(org, tmp_path):  # noqa: F811
    sim, url = org
    common = run_job(sim, url, tmp_path, people(0, 5, title="Alpha", skills={"Billing": 4}), job="alpha")
    # beta runs right after alpha (the windows overlap) and also writes one of alpha's users
    run_job(sim, url, tmp_path, people(5, 10, title="Beta", joinQueues=["Billing"]) + people(2, 3, department="Shared"), job="beta")

    for job, other in (("alpha", "beta"), ("beta", "alpha")):
        done = invoke(sim, "verify", job, "--audit-lag", "0", *common)
        assert done.exit_code == exitcodes.OK, done.output
        assert "unexpected" not in done.output.replace("nothing else by this client", "")
        assert f"written by job {other}: " in done.output
        record = orjson.loads((tmp_path / "st" / job / "verification.json").read_bytes())
        assert record["verified"] and record["counts"]["unexpected"] == 0 and not record["elsewhere"]
        assert {f["job"] for f in record["other_jobs"]} == {other}
    alpha = orjson.loads((tmp_path / "st" / "alpha" / "verification.json").read_bytes())
    by_email = {sim.user(u)["email"]: u for u in sim.user_ids()}
    shared = by_email["agent00002@example.com"]
    assert shared in {f["entity_id"] for f in alpha["other_jobs"]}  # beta's write on alpha's user is beta's
    assert {by_email[f"agent{i:05d}@example.com"] for i in range(5, 10)} <= {f["entity_id"] for f in alpha["other_jobs"]}

    # A write by the same client that no job recorded is still unexpected.
    handle = SimpleNamespace(base_url=url, client_id=sim.config.client_id, client_secret=sim.config.client_secret)
    sales = sim.skill_ids_by_name()["Sales"]

    async def outside() -> None:
        async with client_for(handle) as client:
            await client.upsert_skills(by_email["agent00150@example.com"], {sales: 1})

    asyncio.run(outside())
    again = invoke(sim, "verify", "alpha", "--audit-lag", "0", *common)
    assert again.exit_code == exitcodes.NOT_VERIFIED, again.output
    assert "(not in the job) unexpected" in again.output and "written by job beta: " in again.output
