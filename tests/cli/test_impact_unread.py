"""``run``'s impact check when the OAuth client may not read skill groups (HTTP 403 through the fault
proxy, against the simulator over HTTP): nothing then says no queue is emptied, so the job is refused
(exit 12) unless ``--accept-impact``; a job that only adds never asks."""

from __future__ import annotations

import pytest
from helpers.engine import client_for
from helpers.faultproxy import FaultProxy, Via, status
from helpers.routing import only_through

from bulkops.cli.impact import impact_before_run
from bulkops.cli.support import exitcodes
from bulkops.engine.setup.job import check_locally, resolve_against_org


@pytest.fixture
async def proxied(sim):
    async with FaultProxy(sim.base_url) as proxy:
        proxy.inject("GET", r"/api/v2/routing/skillgroups", status(403, {"message": "no", "code": "missing.permissions", "status": 403}))
        yield proxy, Via(proxy.base_url, sim.client_id, sim.client_secret)


async def check(via, spec, *, accept: bool):
    async with client_for(via, rps=2000) as client:
        resolved = await resolve_against_org(client, check_locally(str(spec)))
        return await impact_before_run(client, resolved, accept=accept)


async def test_an_unreadable_impact_refuses_unless_accepted(sim, proxied, tmp_path, capsys):
    proxy, via = proxied
    _, pros = only_through(sim.sim, "Collections", "Collections pros", "Collections", 4)
    spec = tmp_path / "c.csv"
    spec.write_text("email,Collections\n" + "".join(f"{sim.sim.org.users[u].email},-\n" for u in pros[:1]), encoding="utf-8")
    refused = await check(via, spec, accept=False)
    assert refused.refusal == exitcodes.IMPACT and proxy.count("GET", r"/api/v2/routing/skillgroups") == 1
    assert "refused: the impact on routing could not be read (HTTP 403" in capsys.readouterr().err
    accepted = await check(via, spec, accept=True)
    assert accepted.refusal is None and "could not be read" in accepted.question[0] and "accepted (--accept-impact)" in accepted.question[0]


async def test_a_job_that_only_adds_never_reads_the_groups(sim, proxied, tmp_path):
    proxy, via = proxied
    spec = tmp_path / "a.csv"
    spec.write_text("email,Collections\n" + "".join(f"{u.email},5\n" for u in list(sim.sim.org.users.values())[:3]), encoding="utf-8")
    checked = await check(via, spec, accept=False)
    assert checked.refusal is None and checked.question == ("routing: nothing in the job takes a member from a queue (impact not read)",)
    assert proxy.count("GET", r"/api/v2/routing/skillgroups") == 0
