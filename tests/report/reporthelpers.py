"""Run a job on the test simulator through ``execute`` (so summary.json exists), and parse report pages."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import orjson
from helpers.engine import client_for, email

from bulkops.engine.execute import execute
from bulkops.engine.job import JobSetup, check_locally, create_job, resolve_against_org
from bulkops.engine.options import RunOptions
from bulkops.report.hooks import after_pass

OPTS = RunOptions(workers=4, conflict_delay=0.0)

__all__ = ["OPTS", "PageParser", "client_for", "email", "run_job", "write_jsonl"]


def write_jsonl(path: Path, users: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(u) + b"\n" for u in users))
    return path


async def run_job(
    sim,
    spec: Path,
    state_dir: Path,
    *,
    before_execute: Callable[[], None] | None = None,
    options: RunOptions = OPTS,
    job_id: str | None = None,
    **execute_kw: Any,
) -> tuple[JobSetup, dict[str, Any]]:
    """Validate, resolve, set up and run one pass, the way ``bulkops run`` does; the store is closed after."""
    async with client_for(sim, rps=2000) as client:
        opened = check_locally(spec)
        setup = create_job(await resolve_against_org(client, opened), state_dir=state_dir, job_id=job_id)
        if before_execute:
            before_execute()
        summary = await execute(client, setup, options=options, after_pass=after_pass(execute_kw.pop("webhook", None)), **execute_kw)
    setup.store.close()
    return setup, summary


class PageParser(HTMLParser):
    """What the tests read back from a report: figures, chart bars, table rows, tags used."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self.bars: dict[str, list[dict[str, str]]] = {}
        self.limits: dict[str, float] = {}
        self.tables: dict[str, list[str]] = {}
        self.tags: set[str] = set()
        self.urls: list[str] = []
        self.meta: list[dict[str, str]] = []
        self._chart: str | None = None
        self._table: str | None = None
        self._figure: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        self.tags.add(tag)
        for key in ("src", "href", "xlink:href", "action"):
            if key in attrs:
                self.urls.append(attrs[key])
        if tag == "meta":
            self.meta.append(attrs)
        if tag == "svg":
            self._chart = attrs.get("data-chart")
            self.bars.setdefault(self._chart or "", [])
        if tag == "rect" and "bar" in attrs.get("class", "").split():
            self.bars[self._chart or ""].append(attrs)
        if tag == "line" and attrs.get("class") == "limit":
            self.limits[self._chart or ""] = float(attrs["data-value"])
        if tag == "table" and attrs.get("data-table"):
            self._table = attrs["data-table"]
            self.tables[self._table] = []
        if tag == "tr" and self._table and "data-user" in attrs:
            self.tables[self._table].append(attrs["data-user"])
        if "data-figure" in attrs:
            self._figure = attrs["data-figure"]
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._chart = None
        if tag == "table":
            self._table = None
        if self._figure and tag in ("div", "td", "th", "b", "p"):
            self.figures[self._figure] = "".join(self._text).strip()
            self._figure = None

    def handle_data(self, data: str) -> None:
        if self._figure:
            self._text.append(data)


def parse_page(text: str) -> PageParser:
    p = PageParser()
    p.feed(text)
    p.close()
    return p


def number(text: str) -> float:
    return float(text.replace(",", ""))
