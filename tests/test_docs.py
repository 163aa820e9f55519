"""The README for an administrator (#28 §6): its two commands first, unchanged; every exit code in
its table; every link in the README and docs/ leads somewhere; jobs/README.md's table renders whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from bulkops.cli.support import exitcodes

ROOT = Path(__file__).resolve().parents[1]
TWO_COMMANDS = """# bulkops

```bash
python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/bulkops demo
python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest -q
```
"""
PAGES = [ROOT / "README.md", ROOT / "jobs" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"(?ms)^```.*?^```", "", page.read_text(encoding="utf-8"))  # no headings inside code
    return {slug(m) for m in re.findall(r"(?m)^#+ (.+)$", text)}


def test_the_readme_opens_with_the_two_commands_and_stays_short():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.startswith(TWO_COMMANDS)
    assert len(text.splitlines()) < 300  # about 250: the rest is in docs/
    first_job = text.index("## A first small job against a real org")
    assert first_job < text.index("## Reading the results") < text.index("## Settling reconciliation") < text.index("## Undo") < text.index("## Exit codes")
    assert "ruff" not in text[:first_job] or "docs/development.md" in text[:first_job]


def test_every_exit_code_is_in_the_readmes_table():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"(?m)^\| (\d+) \|", text))
    assert rows == {str(code) for code, _ in exitcodes.TABLE} | {str(exitcodes.USAGE)}  # 2 is click's own


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(page: Path):
    text = re.sub(r"(?ms)^```.*?^```", "", page.read_text(encoding="utf-8"))
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        found = (page.parent / path).resolve() if path else page
        assert found.exists(), f"{page.name}: {target}"
        if anchor and found.suffix == ".md":
            assert anchor in anchors(found), f"{page.name}: {target} (headings: {sorted(anchors(found))})"


def test_the_jobs_readmes_table_renders_with_a_row_for_every_example():
    html = MarkdownIt("commonmark").enable("table").render((ROOT / "jobs" / "README.md").read_text(encoding="utf-8"))
    assert html.count("<table>") == 1
    table = html[html.index("<table>") : html.index("</table>")]
    examples = sorted(p.name for p in (ROOT / "jobs").iterdir() if p.suffix in (".csv", ".json"))
    rows = re.findall(r"<tr>\s*<td><code>([^<]+)</code></td>", table)
    assert sorted(rows) == examples
