"""The wide CSV (``spec/csv_wide.py`` reads it back): a row a user, a column a skill or language."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from bulkops.export.model import ExportedUser
from bulkops.export.spool import Spool
from bulkops.export.writers import REORG_COLUMNS, level_text, sorted_names
from bulkops.safetext import spreadsheet_cell
from bulkops.spec.cells import LANG_PREFIX, REMOVE_MARKERS


def write_wide(spool: Spool, users: Iterable[ExportedUser], out: TextIO) -> None:
    """One row a user: a column per skill any exported user holds, one per language (``lang:``),
    then department, title, manager (email) and division (name). A blank cell leaves a value alone."""
    skills, languages = sorted_names(spool.skills), sorted_names(spool.languages)
    writer = csv.writer(out, lineterminator="\n")
    named = [spreadsheet_cell(n) for n in skills] + [spreadsheet_cell(LANG_PREFIX + n) for n in languages]  # org names: neutralised
    writer.writerow(["email", *named, *(c for c, _ in REORG_COLUMNS)])  # bulkops's own reserved columns: as they are
    for user in users:
        row = [spreadsheet_cell(user.email)]
        row += [level_text(user.skills[n]) if n in user.skills else "" for n in skills]
        row += [level_text(user.languages[n]) if n in user.languages else "" for n in languages]
        row += [reorg_cell(v) if (v := getattr(user, field)) else "" for _, field in REORG_COLUMNS]
        writer.writerow(row)


def reorg_cell(value: str) -> str:
    """A department, title, manager or division as a cell the wide reader reads back as that value: a
    value that is a remove marker (``-``, ``remove``) gets a ``'``, as a formula-looking one does."""
    return "'" + value if value.casefold() in REMOVE_MARKERS else spreadsheet_cell(value)
