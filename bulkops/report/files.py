"""Writing the result files and the report into the job folder (the I/O half of the package).

Every file is written to a temporary name and renamed, so a reader (or a crash) never
sees half a CSV; rebuilding after a later pass simply replaces them. Rows are streamed
into the files as they are made (each user's last audit line is read back, written and
let go), so memory does not grow with the job.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkops.report.html import render
from bulkops.report.itemchange import change_text
from bulkops.report.load import JobData, load_job
from bulkops.report.orgchanges import OrgChanges, catalogue
from bulkops.report.results import (
    OUTCOME_COLUMNS,
    RECONCILIATION_COLUMNS,
    UNPROCESSED_COLUMNS,
    Names,
    outcome_rows,
    reconciliation_rows,
    unprocessed_rows,
)  # fmt: skip
from bulkops.report.retry import retry_lines
from bulkops.report.timeline import build_figures
from bulkops.report.verification import load_verification
from bulkops.report.waves import waves_section
from bulkops.safetext import spreadsheet_cell
from bulkops.state.layout import RunPaths, private_dir, private_fd, write_private
from bulkops.state.records import ItemOutcome
from bulkops.state.store import RunStore

RETRY_SPEC = "retry-spec.jsonl"
ITEMS = "items.csv"
ITEM_COLUMNS = ("kind", "name", "change", "outcome", "reason", "error_status", "error_code", "error_message", "key")


def item_row(line: ItemOutcome, names: Names | None = None) -> dict[str, Any]:
    """One item's last audit line as a row of ``items.csv``."""
    error = line.error
    return {
        "kind": line.kind,
        "name": line.name,
        "change": change_text(line.kind, line.changes or {}, names or {}),
        "outcome": line.outcome,
        "reason": line.reason,
        "error_status": error.status if error else None,
        "error_code": error.code if error else None,
        "error_message": error.message if error else None,
        "key": line.key,
    }


REPORT = "report.html"


@dataclass(frozen=True, slots=True)
class ResultFiles:
    folder: Path
    files: dict[str, Path]  # name -> path
    rows: dict[str, int]  # name -> data rows (users)
    #: What the job changed in the org, counted in the same read of the last lines (the report's first section).
    changes: OrgChanges | None = None


def write_results(paths: RunPaths, *, store: RunStore | None = None, names: Names | None = None, data: JobData | None = None) -> ResultFiles:
    """The CSVs and ``retry-spec.jsonl`` in ``paths.results``. ``retry-spec.jsonl`` is removed when nobody needs a retry."""
    data = data or load_job(paths, store=store)
    folder = paths.results
    private_dir(folder)
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    with ExitStack() as stack:
        st = stack.enter_context(nullcontext(store) if store is not None else data.opened_store())
        outs = {name: stack.enter_context(_CsvFile(folder / name, OUTCOME_COLUMNS)) for name in ("applied.csv", "unchanged.csv", "failed.csv")}
        changes = OrgChanges(catalogue(st))
        for outcome, row in outcome_rows(data, names, observe=changes.add):
            outs[f"{outcome}.csv"].write(row)
        outs["reconciliation.csv"] = stack.enter_context(_CsvFile(folder / "reconciliation.csv", RECONCILIATION_COLUMNS))
        for row in reconciliation_rows(data, names):
            outs["reconciliation.csv"].write(row)
        outs["unprocessed.csv"] = stack.enter_context(_CsvFile(folder / "unprocessed.csv", UNPROCESSED_COLUMNS))
        for row in unprocessed_rows(data.open_users(st), names):
            outs["unprocessed.csv"].write(row)
        if data.items:  # the job's skill definitions (and other kinds): one row each, as they ended
            outs[ITEMS] = stack.enter_context(_CsvFile(folder / ITEMS, ITEM_COLUMNS))
            for item in data.items:
                outs[ITEMS].write(item_row(item, names))
        spec = folder / RETRY_SPEC
        users = _write_lines(spec, retry_lines(data, data.retry_intents(st)))
        for name, out in outs.items():
            files[name] = out.commit()
            rows[name] = out.rows
    if users:
        files[RETRY_SPEC] = spec
        rows[RETRY_SPEC] = users
    return ResultFiles(folder, files, rows, changes)


def write_report(
    paths: RunPaths,
    out: Path | None = None,
    *,
    run_id: str | None = None,
    store: RunStore | None = None,
    data: JobData | None = None,
    changes: OrgChanges | None = None,
) -> Path:
    """The HTML report; default ``<job>/results/report.html``. ``changes``: what ``write_results`` counted
    in its read of the last lines (else the page reads them once more)."""
    data = data or load_job(paths, store=store)
    out = out or paths.results / REPORT
    private_dir(out.parent)  # a folder the user named keeps its mode (#25 §6)
    listed = sorted(str(p.relative_to(paths.root)) for p in paths.results.glob("*") if p.is_file() and p.name != out.name) if paths.results.exists() else []
    figures = build_figures(data, run_id, changes=changes)
    page = render(
        figures, files=listed, verification=load_verification(paths.root), item_changes=item_changes(figures.items, data), waves=waves_section(paths.root)
    )
    return _atomic(out, page.encode("utf-8"))


def item_changes(items: Iterable[ItemOutcome], data: JobData) -> dict[str, str]:
    """``kind:key`` -> the change its row of items.csv says, in the job's names: the page and the
    file say the same."""
    items = list(items)
    if not items:
        return {}
    with data.opened_store() as store:
        names = store.get("names") or {}
    return {f"{i.kind}:{i.key}": item_row(i, names)["change"] or "" for i in items}


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
    return spreadsheet_cell(v) if isinstance(v, str) else v


def _text(v: Any) -> str:
    """``_cell`` as the csv module would write it."""
    if v is None:
        return ""
    if isinstance(v, str):
        return spreadsheet_cell(v)
    return str(v)


def _atomic(path: Path, content: bytes) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    write_private(tmp, content)
    os.replace(tmp, path)
    return path


class _CsvFile:
    """One result CSV written a row at a time (as ``csv_bytes`` would write it whole) under a
    temporary name; ``commit`` renames it into place, leaving the block without it removes it."""

    def __init__(self, path: Path, columns: Sequence[str]):
        self.path = path
        self.columns = tuple(columns)
        self.rows = 0
        self._tmp = path.with_name(path.name + ".tmp")
        self._fh: io.TextIOWrapper | None = None

    def __enter__(self) -> _CsvFile:
        # utf-8-sig writes the BOM; newline="" keeps the writer's \r\n as they are.
        self._fh = open(private_fd(self._tmp), "w", encoding="utf-8-sig", newline="", buffering=1 << 20)
        self._writer = csv.writer(self._fh, lineterminator="\r\n")
        self._writer.writerow(self.columns)
        return self

    def write(self, row: Mapping[str, Any]) -> None:
        # The csv module writes str(cell) for a non-string cell (repr for a float: the same
        # text), so it gets the texts. Fast path, same bytes: with no delimiter, quote or line
        # break in any cell it quotes nothing and joins the cells with commas (and it is ~20x
        # slower than that on the long change lists of a 50-skill job).
        texts = [_text(row.get(c)) for c in self.columns]
        self.rows += 1
        line = ",".join(texts)
        if line.count(",") == len(texts) - 1 and '"' not in line and "\r" not in line and "\n" not in line:
            self._fh.write(line + "\r\n")  # type: ignore[union-attr]
        else:
            self._writer.writerow(texts)

    def commit(self) -> Path:
        assert self._fh is not None
        self._fh.close()
        os.replace(self._tmp, self.path)
        return self.path

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None and not self._fh.closed:
            self._fh.close()
        self._tmp.unlink(missing_ok=True)


def _write_lines(path: Path, lines: Iterable[bytes]) -> int:
    """JSON Lines (a header, then one line per user) to ``path`` via a temporary name; the number of
    users written. Nothing to write removes ``path``."""
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    try:
        with open(private_fd(tmp), "wb", buffering=1 << 20) as fh:
            for line in lines:
                fh.write(line + b"\n")
                n += 1
        if n:
            os.replace(tmp, path)
        else:
            path.unlink(missing_ok=True)
    finally:
        tmp.unlink(missing_ok=True)
    return max(0, n - 1)
