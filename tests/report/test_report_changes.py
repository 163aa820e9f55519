"""The report opens with what the job changed in the org (#28 §4), checked against the audit log over
real HTTP: per skill and language, how many users gained it or had its level changed, per field who got
which value, each group's users one click away, in names (no id of a named object on the page)."""

from __future__ import annotations

import re

from helpers.reportpage import PageParser
from reporthelpers import email, run_job, write_jsonl

from bulkops.report.files import write_report
from bulkops.simulator import SimConfig
from bulkops.state.ndjson import read_ndjson


class Changes(PageParser):
    """The ``changes`` table: data-change key -> (count, users listed)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._row: str | None = None
        self._li = False

    def handle_starttag(self, tag, attrs_list):
        super().handle_starttag(tag, attrs_list)
        attrs = dict(attrs_list)
        if tag == "tr":
            self._row = attrs.get("data-change")
            if self._row:
                self.rows[self._row] = []
        self._li = tag == "li" and self._row is not None

    def handle_data(self, data):
        super().handle_data(data)
        if self._li and self._row:
            self.rows[self._row].append(data)
            self._li = False


async def test_what_changed_counts_each_element_from_the_audit_with_its_users(sim, tmp_path):
    sim.sim.reset(SimConfig(users=60, seed=4))
    s = sim.sim
    skills = list(s.skill_ids_by_name())[:2]
    language = next(iter(s.language_ids_by_name()))
    lines = [{"user": email(i), "skills": {skills[0]: 1 + i % 3}, "languages": {language: 2}, "title": "Team lead" if i < 3 else "Agent"} for i in range(40)]
    setup, _ = await run_job(sim, write_jsonl(tmp_path / "s.jsonl", lines), tmp_path / "state")
    by_the_pass = Changes()  # the pass's hook counted them while writing the result files
    by_the_pass.feed((setup.paths.results / "report.html").read_text(encoding="utf-8"))
    text = write_report(setup.paths, tmp_path / "again.html").read_text(encoding="utf-8")  # counted by the page itself
    page = Changes()
    page.feed(text)
    assert page.rows == by_the_pass.rows and page.rows

    applied = [r for r in read_ndjson(setup.paths.audit) if r["outcome"] == "applied"]
    skill_id = s.skill_ids_by_name()[skills[0]]
    gained = sorted(r["email"] for r in applied if skill_id in r["changes"].get("upsert_skills", {}) and skill_id not in r["before"]["skills"])
    leveled = [r for r in applied if skill_id in r["changes"].get("upsert_skills", {}) and skill_id in r["before"]["skills"]]
    assert gained, "the org gave nobody the skill before: some must gain it"
    assert int(page.figures[f"change-skill:{skills[0]}:gained"]) == len(gained)
    assert sorted(page.rows[f"skill:{skills[0]}:gained"]) == gained  # names one click away
    if leveled:
        assert int(page.figures[f"change-skill:{skills[0]}:level changed"]) == len(leveled)
    assert int(page.figures["users-changed"]) == len(applied)
    titles = [r for r in applied if r["changes"].get("fields", {}).get("title")]
    assert int(page.figures["change-title::set"]) == len(titles)
    assert sum("→ Team lead" in u for u in page.rows["title::set"]) == sum(r["changes"]["fields"]["title"] == "Team lead" for r in titles)

    # it comes first: before what needs a look and the engineering figures
    assert text.index('id="changes"') < text.index('id="reconciliation"') < text.index('id="summary"') < text.index('id="rate"')
    for ident in (*s.skill_ids_by_name().values(), *s.language_ids_by_name().values()):
        assert ident not in re.sub(r'data-user="[^"]*"', "", text)
