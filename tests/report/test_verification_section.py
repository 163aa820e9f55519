"""The report's Verification section and its named steps, as tables."""

from __future__ import annotations

import pytest

from bulkops.report.verification import finding_rows, section, verdict_line

WRITE = {"op": "Update", "entity_id": "u-1", "what": ["skill:s-1"]}


@pytest.mark.parametrize(
    "record, has, lacks",
    [
        (
            {"verified": True, "client_id": "c-1", "messages": 3, "verified_at": "2026-12-07T02:00Z", "counts": {"confirmed": 3, "missing": 0}},
            ['<b data-figure="verification">verified</b>', "<code>c-1</code>, 3 message(s)", "checked 2026-12-07T02:00Z", "confirmed 3"],
            ["missing", "not verified"],
        ),
        ({"verified": False, "counts": {"missing": 1}}, ["not verified", "missing 1", "0 message(s)"], []),
        ({"client_id": "<x>"}, ["<code>&lt;x&gt;</code>"], ["<x>"]),
    ],
)
def test_verdict_line(record, has, lacks):
    line = verdict_line(record)
    assert all(h in line for h in has) and not any(x in line for x in lacks)


@pytest.mark.parametrize(
    "record, rows",
    [
        ({"owners": [{"owner": "u-1", "status": "confirmed", "missing": [WRITE]}]}, []),
        ({"owners": [{"owner": "u-1", "status": "missing", "missing": [WRITE], "unexpected": [WRITE]}]}, [("a@x.com", "missing"), ("a@x.com", "unexpected")]),
        (
            {"owners": [{"owner": "u-9", "status": "missing", "missing": [WRITE]}], "elsewhere": [WRITE]},
            [("u-9", "missing"), ("(not in the job)", "unexpected")],
        ),
        ({}, []),
    ],
)
def test_finding_rows(record, rows):
    got = finding_rows(record, {"u-1": "a@x.com", "s-1": "Sales"})
    assert [(r.split("<td>")[1].split("</td>")[0], r.split("<td>")[2].split("</td>")[0]) for r in got] == rows
    assert all("skill Sales" in r for r in got)


def test_the_section_has_a_table_only_with_findings():
    assert section(None) == "" and section({}) == ""
    quiet = section({"verified": True, "owners": [{"owner": "u-1", "status": "confirmed"}]})
    assert quiet.startswith('<h2 id="verification">Verification</h2>') and "<table>" not in quiet
    loud = section({"verified": False, "names": {"u-1": "a@x.com"}, "owners": [{"owner": "u-1", "status": "missing", "missing": [WRITE]}]})
    assert "<table>" in loud and "<td>a@x.com</td><td>missing</td><td>Update</td>" in loud
