"""The report's requests/s chart shows when requests were really sent (#28 §4): the client counts
each request in the second it went out, summary.json keeps the counts, and the page charts them.
A run paced at 10/s over real HTTP never draws a bar above what the ceiling lets through."""

from __future__ import annotations

import math

from helpers.clients import client_for
from reporthelpers import OPTS, email, number, parse_page, write_jsonl

from bulkops.client.ceiling import CAPACITY
from bulkops.engine.run.execute import execute
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.report.files import write_report
from bulkops.report.hooks import after_pass
from bulkops.report.timeline import pick_width

RPS = 10


async def test_a_paced_run_charts_real_send_times_under_the_limit(sim, tmp_path):
    skills = list(sim.sim.skill_ids_by_name())[:2]
    spec = write_jsonl(tmp_path / "s.jsonl", [{"user": email(i), "skills": {skills[0]: 2, skills[1]: 1}} for i in range(40)])
    async with client_for(sim, rps=RPS) as client:
        setup = create_job(await resolve_against_org(client, check_locally(spec)), state_dir=tmp_path / "state")
        summary = await execute(client, setup, options=OPTS, after_pass=after_pass(None))
    setup.store.close()
    run = summary["this_run"]
    sent = run["sent_per_second"]
    assert sum(sent["counts"]) == run["requests"]  # every request, in the second it was sent
    # the ceiling admits at most ceil(rps) + 1 starts in any second; the token's POST is not paced
    assert max(sent["counts"]) <= math.ceil(RPS) + math.floor(CAPACITY) + 1

    page = parse_page(write_report(setup.paths).read_text(encoding="utf-8"))
    bars = [float(b["data-value"]) for b in page.bars["rps"]]
    assert page.limits["rps"] == RPS
    assert max(bars) <= RPS + 2  # no bar far above the limit line: what was sent, not an estimate
    assert math.isclose(sum(bars) * pick_width(len(sent["counts"])), run["requests"], rel_tol=0.001)
    assert number(page.figures["kind-total"]) == run["requests"]
