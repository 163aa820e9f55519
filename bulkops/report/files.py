"""Writing the result files and the report into the job folder (the I/O half of the package).

Every file is written to a temporary name and renamed, so a reader (or a crash) never
sees half a CSV; rebuilding after a later pass simply replaces them.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from bulkops.report.html import render
from bulkops.report.load import JobData, load_job
from bulkops.report.results import Names, build_tables
from bulkops.report.retry import retry_lines, retry_text
from bulkops.report.timeline import build_figures
from bulkops.state.layout import RunPaths
from bulkops.state.store import RunStore

RETRY_SPEC = "retry-spec.jsonl"
REPORT = "report.html"
#: Spreadsheets run a cell starting with one of these as a formula; API messages are not trusted text.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ResultFiles:
    folder: Path
    files: dict[str, Path]  # name -> path
    rows: dict[str, int]  # name -> data rows (users)


def write_results(paths: RunPaths, *, store: RunStore | None = None, names: Names | None = None, data: JobData | None = None) -> ResultFiles:
    """The CSVs and ``retry-spec.jsonl`` in ``paths.results``. ``retry-spec.jsonl`` is removed when nobody needs a retry."""
    data = data or load_job(paths, store=store)
    folder = paths.results
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    for name, (columns, table) in build_tables(data, names).files().items():
        files[name] = _atomic(folder / name, csv_bytes(columns, table))
        rows[name] = len(table)
    lines = retry_lines(data)
    spec = folder / RETRY_SPEC
    if lines:
        files[RETRY_SPEC] = _atomic(spec, retry_text(lines))
        rows[RETRY_SPEC] = len(lines) - 1
    elif spec.exists():
        spec.unlink()
    return ResultFiles(folder, files, rows)


def write_report(paths: RunPaths, out: Path | None = None, *, run_id: str | None = None, store: RunStore | None = None, data: JobData | None = None) -> Path:
    """The HTML report; default ``<job>/results/report.html``."""
    data = data or load_job(paths, store=store)
    out = out or paths.results / REPORT
    out.parent.mkdir(parents=True, exist_ok=True)
    listed = sorted(str(p.relative_to(paths.root)) for p in paths.results.glob("*") if p.is_file() and p.name != out.name) if paths.results.exists() else []
    return _atomic(out, render(build_figures(data, run_id), files=listed).encode("utf-8"))


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """UTF-8 with a BOM (Excel then reads accents right), comma-separated, one header line."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, str) and v.startswith(_FORMULA):
        return "'" + v
    return v


def _atomic(path: Path, content: bytes) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)
    return path
