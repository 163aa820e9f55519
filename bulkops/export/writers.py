"""The spool written in the forms the spec readers read back (``spec/csv_wide.py``,
``spec/csv_long.py``, ``spec/jsonspec.py``): what an export states, a ``plan`` of it finds in
place. Text cells that look like a formula are neutralised as the result files are
(``safetext.spreadsheet_cell``); the CSV readers take the ``'`` off again.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

import orjson

from bulkops.export.model import ExportedUser
from bulkops.export.spool import Spool
from bulkops.safetext import spreadsheet_cell
from bulkops.spec.cells import LANG_PREFIX

#: The wide CSV's reorganisation columns, in order, and the field each reads.
REORG_COLUMNS = (("@department", "department"), ("@title", "title"), ("@manager", "manager"), ("@division", "division"))
FORMATS = ("wide", "long", "json")

Writer = Callable[[Spool, Iterable[ExportedUser], TextIO], None]


def level_text(value: float) -> str:
    """A proficiency as a cell: ``4``, ``2.5``; never rounded (``repr`` when ``g`` would lose digits)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def _names(names: Iterable[str]) -> list[str]:
    return sorted(names, key=lambda n: (n.casefold(), n))


def write_wide(spool: Spool, users: Iterable[ExportedUser], out: TextIO) -> None:
    """One row a user: a column per skill any exported user holds, one per language (``lang:``),
    then department, title, manager (email) and division (name). A blank cell leaves a value alone."""
    skills, languages = _names(spool.skills), _names(spool.languages)
    writer = csv.writer(out, lineterminator="\n")
    named = [spreadsheet_cell(n) for n in skills] + [spreadsheet_cell(LANG_PREFIX + n) for n in languages]  # org names: neutralised
    writer.writerow(["email", *named, *(c for c, _ in REORG_COLUMNS)])  # bulkops's own reserved columns: as they are
    for user in users:
        row = [spreadsheet_cell(user.email)]
        row += [level_text(user.skills[n]) if n in user.skills else "" for n in skills]
        row += [level_text(user.languages[n]) if n in user.languages else "" for n in languages]
        row += [spreadsheet_cell(v) if (v := getattr(user, field)) else "" for _, field in REORG_COLUMNS]
        writer.writerow(row)


def write_long(spool: Spool, users: Iterable[ExportedUser], out: TextIO) -> None:
    """One row a user and skill (``lang:`` for a language); skills and languages only, as the long
    form carries (a user holding none has no row)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "skill", "proficiency"])
    for user in users:
        email = spreadsheet_cell(user.email)
        for name in _names(user.skills):
            writer.writerow([email, spreadsheet_cell(name), level_text(user.skills[name])])
        for name in _names(user.languages):
            writer.writerow([email, spreadsheet_cell(LANG_PREFIX + name), level_text(user.languages[name])])


def write_json(spool: Spool, users: Iterable[ExportedUser], out: TextIO, *, sections: Mapping[str, Any] | None = None) -> None:
    """A document, mode merge, one user object a line (the reader reads it whole); with ``sections``
    (``utilizationDefault``), version 2, which carries them."""
    head: dict[str, Any] = {"version": 2 if sections else 1, "mode": "merge", "description": "bulkops export"}
    for key, value in (sections or {}).items():
        head[key] = value
    text = orjson.dumps(head).decode()
    out.write(text[:-1] + ', "users": [\n')
    first = True
    for user in users:
        out.write(("" if first else ",\n") + orjson.dumps(json_user(user)).decode())
        first = False
    out.write("\n]}\n")


def json_user(user: ExportedUser) -> dict[str, object]:
    """A user object of the JSON form, holding only what the user has (absent leaves a field alone)."""
    obj: dict[str, object] = {"user": user.email}
    if user.skills:
        obj["skills"] = {n: user.skills[n] for n in _names(user.skills)}
    if user.languages:
        obj["languages"] = {n: user.languages[n] for n in _names(user.languages)}
    for _, field in REORG_COLUMNS:
        if value := getattr(user, field):
            obj[field] = value
    if user.queues:
        obj["joinQueues"] = list(user.queues)
    return obj


#: The CSV forms (the JSON form takes its sections too: ``job.export_org``).
WRITERS: dict[str, Writer] = {"wide": write_wide, "long": write_long}
