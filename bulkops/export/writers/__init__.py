"""The spool written in the forms the spec readers read back: what an export states, a ``plan`` of it
finds in place. One module a form (``wide``, ``long``, ``jsondoc``); what they share is here. Text
cells that look like a formula are neutralised as the result files are (``safetext.spreadsheet_cell``);
the CSV readers take the ``'`` off again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TextIO

from bulkops.export.model import ExportedUser
from bulkops.export.spool import Spool

#: The wide CSV's reorganisation columns, in order, and the field each reads (the JSON form's keys).
REORG_COLUMNS = (("@department", "department"), ("@title", "title"), ("@manager", "manager"), ("@division", "division"))
FORMATS = ("wide", "long", "json")

Writer = Callable[[Spool, Iterable[ExportedUser], TextIO], None]


def level_text(value: float) -> str:
    """A proficiency as a cell: ``4``, ``2.5``; never rounded (``repr`` when ``g`` would lose digits)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def sorted_names(names: Iterable[str]) -> list[str]:
    """Names in the order a person looks for them: case ignored, then as written."""
    return sorted(names, key=lambda n: (n.casefold(), n))
