"""Cell-level parsing shared by every spec format, so CSV wide, CSV long and JSON agree.

One place decides what a proficiency looks like, what means "remove", how a header
names a skill, a language or a reorganization field, and how suggestions are made.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bulkops.safetext import spreadsheet_value

#: Proficiency bounds of the API (``UserRoutingSkillPost.proficiency``, 0.0-5.0 float).
MIN_PROFICIENCY = 0.0
MAX_PROFICIENCY = 5.0

#: Cell values that remove a skill or language (compared case-insensitively).
REMOVE_MARKERS = frozenset({"-", "remove"})

#: Header names that identify the user column (first column of a wide CSV).
USER_HEADERS = frozenset({"user", "email", "username", "id"})

#: Prefix marking a language column (``lang:Spanish``) or a language row in long form.
LANG_PREFIX = "lang:"

#: Prefix of reserved reorganization columns in a wide CSV.
REORG_PREFIX = "@"

#: Reorganization columns: CSV name (after ``@``) -> intent attribute.
REORG_COLUMNS: dict[str, str] = {
    "department": "department",
    "title": "title",
    "manager": "manager",
    "division": "division",
    "join_queues": "join_queues",
    "leave_queues": "leave_queues",
}

#: Separators allowed between queue names inside one cell.
_LIST_SPLIT = re.compile(r"[;|]")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


class Remove:
    """The 'remove this skill/language' marker; a singleton so ``is REMOVE`` works."""

    _instance: Remove | None = None

    def __new__(cls) -> Remove:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "REMOVE"


REMOVE = Remove()


class CellError(ValueError):
    """A cell that cannot be read; the message is ready to show to the user."""


def check_proficiency(value: float) -> float:
    """Range-check a proficiency already parsed as a number (JSON numbers land here)."""
    if not math.isfinite(value) or not MIN_PROFICIENCY <= value <= MAX_PROFICIENCY:
        raise CellError(f"proficiency {value:g} is out of range (0-5)")
    return float(value)


def _parse_number(text: str, decimal_comma: bool) -> float:
    t = text.strip()
    if decimal_comma and "," in t and "." not in t:
        t = t.replace(",", ".", 1)
    if not _NUMBER.fullmatch(t):
        raise CellError(f"proficiency {text.strip()!r} is not a number (use 0-5, '-' or 'remove' to remove, blank to leave alone)")
    return check_proficiency(float(t))


def parse_proficiency(text: str, *, decimal_comma: bool = False) -> float:
    """A cell that can only hold a number 0-5 (a skill definition's proficiency or levels):
    no remove marker, and its message offers none."""
    t = text.strip()
    if decimal_comma and "," in t and "." not in t:
        t = t.replace(",", ".", 1)
    if not _NUMBER.fullmatch(t):
        raise CellError(f"{text.strip()!r} is not a number 0-5")
    return check_proficiency(float(t))


# Distinct cell texts in a matrix are few ("0".."5", "2.5", "-"): caching them makes a
# 5-million-cell matrix cost one dict lookup per cell.
_CELL_CACHE: dict[tuple[str, bool], float | Remove | None] = {}
_CELL_CACHE_MAX = 4096


def parse_level(text: str, *, decimal_comma: bool = False) -> float | Remove | None:
    """Read a proficiency cell: a float 0-5, ``REMOVE``, or None for blank (leave alone).

    ``decimal_comma`` accepts ``3,5`` for 3.5; only sensible when the delimiter is not
    a comma (semicolon-separated exports from European spreadsheets do this).
    """
    key = (text, decimal_comma)
    hit = _CELL_CACHE.get(key, _CELL_CACHE)
    if hit is not _CELL_CACHE:
        return hit  # type: ignore[return-value]
    stripped = text.strip()
    result: float | Remove | None
    if not stripped:
        result = None
    elif stripped.lower() in REMOVE_MARKERS:
        result = REMOVE
    else:
        result = _parse_number(stripped, decimal_comma)  # raises CellError, never cached
    if len(_CELL_CACHE) < _CELL_CACHE_MAX:
        _CELL_CACHE[key] = result
    return result


def split_list(text: str) -> list[str]:
    """Queue names inside one cell, separated by ``;`` or ``|``; blanks dropped."""
    return [p.strip() for p in _LIST_SPLIT.split(text) if p.strip()]


def fold(name: str) -> str:
    """Case-insensitive key for names (skills, languages, queues, users by email)."""
    return name.strip().casefold()


def respell(names: frozenset[str], canon: Iterable[str]) -> frozenset[str]:
    """Spell each of ``names`` the way ``canon`` does when they fold equal, so later
    exact set operations (set-and-removed, join-and-leave) see one name one way."""
    if not names:
        return names
    by_fold = {fold(k): k for k in canon}
    if not by_fold:
        return names
    return frozenset(by_fold.get(fold(n), n) for n in names)


def suggest(word: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Close matches for a misspelt name, compared case-insensitively, original spelling kept."""
    by_fold: dict[str, str] = {}
    for c in candidates:
        by_fold.setdefault(c.casefold(), c)
    hits = difflib.get_close_matches(word.casefold(), list(by_fold), n=n, cutoff=cutoff)
    return [by_fold[h] for h in hits]


def did_you_mean(word: str, candidates: Iterable[str], **kw: object) -> str:
    """`` (did you mean 'X' or 'Y'?)`` or an empty string."""
    hits = suggest(word, candidates, **kw)  # type: ignore[arg-type]
    if not hits:
        return ""
    return " (did you mean " + " or ".join(repr(h) for h in hits) + "?)"


ColumnKind = Literal["user", "skill", "language", "reorg", "kind"]


@dataclass(frozen=True, slots=True)
class Column:
    """What a wide-CSV header names: the user column, a skill, a language, a reorg field or a
    column of another kind (the utilization's ``util:``: ``KindFolder.user_columns`` reads those)."""

    kind: ColumnKind
    name: str  # skill/language name as written, the reorg attribute, or the other kind's header as written


def reorg_value(cell: str) -> str:
    """A reorg cell's value as written (stripped): ``spreadsheet_value``, and the ``'`` before a remove
    marker dropped too, so a department or division literally called "-" or "remove" can be written
    (``'-``, ``'remove``: what ``bulkops export`` writes). The marker check is on the cell before this."""
    if cell.startswith("'") and cell[1:].casefold() in REMOVE_MARKERS:
        return cell[1:]
    return spreadsheet_value(cell)


def classify_header(text: str, index: int) -> Column:
    """Classify one wide-CSV header cell; raises CellError for reserved names misused. A name
    ``bulkops export`` neutralised (``'=Sum``) is read as the name it wrote."""
    name = spreadsheet_value(text.strip())
    if index == 0:
        if name.casefold() not in USER_HEADERS:
            raise CellError(f"the first column must identify the user; header {name!r} should be one of " + ", ".join(sorted(USER_HEADERS)))
        return Column("user", name)
    if not name:
        raise CellError("empty column header")
    if name[: len(LANG_PREFIX)].casefold() == LANG_PREFIX:
        lang = name[len(LANG_PREFIX) :].strip()
        if not lang:
            raise CellError(f"language column {name!r} has no language name after '{LANG_PREFIX}'")
        return Column("language", lang)
    if name.startswith(REORG_PREFIX):
        key = name[len(REORG_PREFIX) :].strip().casefold().replace("-", "_")
        attr = REORG_COLUMNS.get(key)
        if attr is None:
            hint = did_you_mean(key, REORG_COLUMNS)
            raise CellError(f"unknown reserved column {name!r}{hint}; reserved columns are " + ", ".join("@" + k for k in REORG_COLUMNS))
        return Column("reorg", attr)
    return Column("skill", name)


def split_lang(name: str) -> tuple[bool, str]:
    """``lang:Spanish`` -> (True, 'Spanish'); ``Billing`` -> (False, 'Billing')."""
    stripped = name.strip()
    if stripped[: len(LANG_PREFIX)].casefold() == LANG_PREFIX:
        return True, stripped[len(LANG_PREFIX) :].strip()
    return False, stripped
