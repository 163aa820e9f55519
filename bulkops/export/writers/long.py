"""The long CSV (``spec/csv_long.py`` reads it back): a row a user and skill or language."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from bulkops.export.model import ExportedUser
from bulkops.export.spool import Spool
from bulkops.export.writers import level_text, sorted_names
from bulkops.safetext import spreadsheet_cell
from bulkops.spec.cells import LANG_PREFIX


def write_long(spool: Spool, users: Iterable[ExportedUser], out: TextIO) -> None:
    """One row a user and skill (``lang:`` for a language); skills and languages only, as the long
    form carries (a user holding none has no row)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "skill", "proficiency"])
    for user in users:
        email = spreadsheet_cell(user.email)
        for name in sorted_names(user.skills):
            writer.writerow([email, spreadsheet_cell(name), level_text(user.skills[name])])
        for name in sorted_names(user.languages):
            writer.writerow([email, spreadsheet_cell(LANG_PREFIX + name), level_text(user.languages[name])])
