"""Reading a report page back: its figures, chart bars, table rows and tags (tests/report, tests/cli)."""

from __future__ import annotations

from html.parser import HTMLParser


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
