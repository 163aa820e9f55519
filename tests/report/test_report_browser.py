"""The report in a real headless browser (Chromium, driven by Playwright): the page loads without a
console error (a Content-Security-Policy violation is one), every in-page link leads to an element,
following ``#reconciliation`` scrolls to the section, and a screenshot is taken into the test's folder.

Chromium comes from the system's packages (``.ci/run`` installs Debian's ``chromium`` where it can);
Playwright drives it by ``executable_path`` and never downloads a browser. Where either is missing the
test is skipped and says which and why."""

from __future__ import annotations

import os
import shutil

import pytest
from reporthelpers import email, run_job, write_jsonl

from bulkops.report.files import write_report
from bulkops.simulator import SimConfig

#: The flags a closed machine needs: no sandbox as root, no GPU, no calls home (each refused here).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str | None:
    named = os.environ.get("BULKOPS_CHROMIUM")
    if named:  # a binary named by hand; one that is not there is no browser
        return named if os.access(named, os.X_OK) else None
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) if p), None)


def _why_skipped() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (it is in the `test` extra: pip install -e '.[test]')"
    if chromium() is None:
        return "no Chromium on this machine (.ci/run installs Debian's chromium as root; else apt-get install chromium, or set BULKOPS_CHROMIUM to a binary)"
    return None


SKIP = _why_skipped()


async def held_job(sim, tmp_path):
    """60 users with skills and a language; 25% of writes meet a 409 from another admin, one user always does."""
    sim.sim.reset(SimConfig(users=80, conflict_rate=0.25, seed=11))
    s = sim.sim
    by_email = {s.user(u)["email"]: u for u in s.user_ids()}
    skills = list(s.skill_ids_by_name())[:2]
    language = next(iter(s.language_ids_by_name()))
    lines = [{"user": email(i), "skills": {skills[0]: 3, skills[1]: 2}, "languages": {language: 4}, "title": f"Agent {i}"} for i in range(60)]
    spec = write_jsonl(tmp_path / "c.jsonl", lines)
    return await run_job(sim, spec, tmp_path / "state", before_execute=lambda: s.configure(always_conflict=[by_email[email(5)]]))


@pytest.mark.skipif(SKIP is not None, reason=SKIP or "")
async def test_the_report_loads_clean_in_chromium_and_every_anchor_resolves(sim, tmp_path):
    from playwright.async_api import async_playwright

    setup, _ = await held_job(sim, tmp_path)
    page_file = write_report(setup.paths)
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium(), headless=True, args=FLAGS)
        try:
            page = await browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            await page.goto(page_file.as_uri(), wait_until="load")
            hrefs = await page.eval_on_selector_all('a[href^="#"]', "links => links.map(a => a.getAttribute('href'))")
            dangling = await page.evaluate("hrefs => hrefs.filter(h => !document.getElementById(decodeURIComponent(h.slice(1))))", hrefs)
            await page.click('nav a[href="#reconciliation"]')
            at_top = await page.evaluate("() => Math.abs(document.getElementById('reconciliation').getBoundingClientRect().top) < 5")
            entries = await page.locator('tr[id^="reconcile-"]').count()
            await page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            await browser.close()
    assert errors == []
    assert len(hrefs) > 5 and dangling == []
    assert "#reconciliation" in hrefs and "#changes" in hrefs
    assert at_top, "following #reconciliation did not bring the section to the top"
    assert entries >= 1
    shot = (tmp_path / "report.png").read_bytes()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 30_000  # charts and tables drawn, not a blank page
