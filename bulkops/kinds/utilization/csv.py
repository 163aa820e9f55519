"""Per-user utilization as CSV columns (#19): ``util:`` headers and cells -> ``UserUtilizationIntent``.

The user CSV forms carry a user's utilization beside their skills, in the spirit of the ``@``
columns (the wide form: one column each; the long form: the header in the ``skill`` cell, the
value in ``proficiency``). The intents are the same as the JSON ``utilization`` section's, with
the same rules (``entry``) and the same messages where the rule is the same::

    util:email                 the media type's maximumCapacity, 0-25
    util:email.interruptable   the media types that may interrupt it, separated by ; or |
    util:email.nonacd          includeNonAcd: true/false (yes/no, 1/0)
    util:label:VIP             the label's maximumCapacity for this user, 0-25
    util:label:VIP.interrupting  the labels that may interrupt it, separated by ; or |
    util:setting               inherit (back to the org default) or whole (the row is the whole setting)

As in JSON a media type or label named is named whole: its capacity cell is needed, and a blank
``interruptable``/``nonacd``/``interrupting`` beside it means none/false. A blank capacity leaves
the media type or label alone. A label name ends at the last ``.interrupting``; label names may
hold dots otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from bulkops.domain.utilization import MAX_CAPACITY, MEDIA_TYPES, MediaUtilization
from bulkops.kinds.labels.intent import label_key
from bulkops.kinds.utilization.entry import UtilizationLedger
from bulkops.kinds.utilization.intent import LabelSettingIntent, UserUtilizationIntent, missing_media
from bulkops.spec.cells import CellError, did_you_mean, split_list
from bulkops.spec.validate import At, Problems

UTIL_PREFIX = "util:"
LABEL_PREFIX = "label:"
SETTING = "setting"
SETTING_VALUES = ("inherit", "whole")
#: A media type's parts after its name (``util:email.nonacd``); ``includeNonAcd`` is the API's word.
MEDIA_PARTS = {"interruptable": "interruptable", "interruptablemediatypes": "interruptable", "nonacd": "nonacd", "includenonacd": "nonacd"}
LABEL_PARTS = {"interrupting": "interrupting", "interruptinglabels": "interrupting"}
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
#: An explicit empty list in an ``interruptable``/``interrupting`` cell (blank says the same).
_NONE = frozenset({"none", "-"})
INHERIT_ALONE = "util:setting inherit goes alone: the user's own setting is deleted, so the row's other util: cells cannot be set (leave them blank)"
WHOLE_NAMES_EVERY = (
    "util:setting whole makes the row the user's whole setting (written without a read, so nothing is kept): every media type needs its capacity cell"
)

T = TypeVar("T")
Target = Literal["media", "label", "setting"]
Part = Literal["capacity", "interruptable", "nonacd", "interrupting", "setting"]


@dataclass(frozen=True, slots=True)
class UtilColumn:
    """What a ``util:`` header names: a media type's or a label's part, or the row's setting."""

    target: Target
    name: str  # the media type, the label name as written, or "" for the setting
    part: Part

    @property
    def key(self) -> str:
        """Two headers with the same key are the same column (label names compared ignoring case)."""
        return f"{self.target}:{label_key(self.name) if self.target == 'label' else self.name}:{self.part}"

    @property
    def header(self) -> str:
        if self.target == "setting":
            return UTIL_PREFIX + SETTING
        head = UTIL_PREFIX + (LABEL_PREFIX if self.target == "label" else "") + self.name
        return head if self.part == "capacity" else f"{head}.{self.part}"


def is_util_header(text: str) -> bool:
    return text.strip()[: len(UTIL_PREFIX)].casefold() == UTIL_PREFIX


def util_column(text: str) -> UtilColumn:
    """Read one ``util:`` header; raises CellError naming what would be right."""
    raw = text.strip()[len(UTIL_PREFIX) :].strip()
    if not raw:
        raise CellError(f"column {text.strip()!r} names nothing after '{UTIL_PREFIX}': a media type ({', '.join(MEDIA_TYPES)}), label:NAME or setting")
    if raw.casefold() == SETTING:
        return UtilColumn("setting", "", "setting")
    if raw[: len(LABEL_PREFIX)].casefold() == LABEL_PREFIX:
        return _label_column(text, raw[len(LABEL_PREFIX) :].strip())
    name, dot, part = raw.partition(".")
    media = name.strip().casefold()
    if media not in MEDIA_TYPES:
        hint = did_you_mean(media, (*MEDIA_TYPES, SETTING, "label"))
        raise CellError(f"unknown utilization column {text.strip()!r}{hint}: util: takes a media type ({', '.join(MEDIA_TYPES)}), label:NAME or setting")
    if not dot:
        return UtilColumn("media", media, "capacity")
    found = MEDIA_PARTS.get(part.strip().casefold())
    if found is None:
        raise CellError(
            f"unknown part {part.strip()!r} in column {text.strip()!r}{did_you_mean(part.strip(), ('interruptable', 'nonacd'))}: a media type takes .interruptable or .nonacd"
        )
    return UtilColumn("media", media, "interruptable" if found == "interruptable" else "nonacd")


def _label_column(text: str, rest: str) -> UtilColumn:
    name, dot, part = rest.rpartition(".")
    if dot and part.strip().casefold() in LABEL_PARTS:
        label, what = name.strip(), "interrupting"
    else:
        label, what = rest, "capacity"
    if not label:
        raise CellError(f"column {text.strip()!r} has no label name after 'util:label:'")
    return UtilColumn("label", label, "interrupting" if what == "interrupting" else "capacity")


# ---------------------------------------------------------------------------- cells


def capacity(text: str) -> int:
    t = text.strip()
    if not t.isdigit() or int(t) > MAX_CAPACITY:
        raise CellError(f"maximumCapacity {t!r} is not an integer from 0 to {MAX_CAPACITY} (leave the cell blank to leave it alone)")
    return int(t)


def flag(text: str) -> bool:
    t = text.strip().casefold()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise CellError(f"{text.strip()!r} is not true or false (yes/no, 1/0)")


def names(text: str) -> list[str]:
    return [] if text.strip().casefold() in _NONE else split_list(text)


# ---------------------------------------------------------------------------- one user's cells


@dataclass(frozen=True, slots=True)
class UtilCell:
    """One non-blank ``util:`` cell: its column, its text and where it is."""

    column: UtilColumn
    text: str
    at: At


def build_intent(user: str, line: int, cells: Iterable[UtilCell], anchor: At, problems: Problems) -> UserUtilizationIntent | None:
    """One user's cells as the ``utilization`` entry they say, or None (nothing said, or a problem,
    reported at its cell; a problem of the whole row at ``anchor``)."""
    by_key: dict[str, UtilCell] = {c.column.key: c for c in cells}
    if not by_key:
        return None
    before = len(problems)
    setting = by_key.pop(f"setting::{SETTING}", None)
    mode = _setting(setting, problems)
    if mode == "inherit":
        if by_key:
            problems.add(setting.at if setting else anchor, INHERIT_ALONE)
            return None
        return UserUtilizationIntent(user, inherit=True, line=line)
    media, labels = _named_parts(by_key, problems)
    if mode == "whole":
        missing = missing_media(media)
        if missing and len(problems) == before:
            problems.add(setting.at if setting else anchor, f"{WHOLE_NAMES_EVERY}; missing: {', '.join(UTIL_PREFIX + m for m in missing)}")
    if len(problems) > before:
        return None
    if mode is None and not media and not labels:
        return None
    return UserUtilizationIntent(user, media, labels, False, line, mode == "whole")


def _named_parts(by_key: dict[str, UtilCell], problems: Problems) -> tuple[dict[str, MediaUtilization], dict[str, LabelSettingIntent]]:
    """The media types and labels a row's cells name, each from its capacity cell and the parts beside it."""
    media: dict[str, MediaUtilization] = {}
    labels: dict[str, LabelSettingIntent] = {}
    for cell in by_key.values():
        col = cell.column
        if col.part != "capacity":
            orphan = capacity_missing(col, by_key.keys())
            if orphan is not None:
                problems.add(cell.at, orphan)
            continue
        if col.target == "media":
            got = _media(col.name, cell, by_key, problems)
            if got is not None:
                media[col.name] = got
        else:
            label = _label(col.name, cell, by_key, problems)
            if label is not None:
                labels[col.name] = label
    return media, labels


def capacity_missing(col: UtilColumn, present: Iterable[str]) -> str | None:
    """The problem of a part column (not the capacity) whose media type or label has no capacity cell on the row."""
    capacity = UtilColumn(col.target, col.name, "capacity")
    if capacity.key in present:
        return None
    return f"{col.header} needs {capacity.header} (the capacity) on the same row: a {'media type' if col.target == 'media' else 'label'} is named whole"


def _setting(cell: UtilCell | None, problems: Problems) -> str | None:
    if cell is None:
        return None
    value = cell.text.strip().casefold()
    if value in SETTING_VALUES:
        return value
    problems.add(
        cell.at,
        f"util:setting {cell.text.strip()!r} is neither inherit (back to the org default) nor whole (the row is the user's whole setting){did_you_mean(value, SETTING_VALUES)}",
    )
    return "bad"


def _media(mt: str, cell: UtilCell, by_key: dict[str, UtilCell], problems: Problems) -> MediaUtilization | None:
    """The media type's capacity cell with its parts beside it; every problem reported."""
    cap = _read(cell, capacity, problems)
    types: list[str] = []
    why: str | None = None
    inter = by_key.get(f"media:{mt}:interruptable")
    if inter is not None:
        types = [t.casefold() for t in names(inter.text)]
        unknown = [t for t in types if t not in MEDIA_TYPES]
        if unknown:
            why = f"{inter.column.header}: unknown media type {unknown[0]!r}{did_you_mean(unknown[0], MEDIA_TYPES)} (media types: {', '.join(MEDIA_TYPES)})"
        elif mt in types:
            why = f"{inter.column.header}: a media type cannot interrupt itself"
        elif len(set(types)) != len(types):
            why = f"{inter.column.header}: a media type is listed twice"
        if why is not None:
            problems.add(inter.at, why)
    cell_non_acd = by_key.get(f"media:{mt}:nonacd")
    non_acd = _read(cell_non_acd, flag, problems) if cell_non_acd is not None else False
    if cap is None or non_acd is None or why is not None:
        return None
    return MediaUtilization(cap, frozenset(types), non_acd)


def _label(name: str, cell: UtilCell, by_key: dict[str, UtilCell], problems: Problems) -> LabelSettingIntent | None:
    cap = _read(cell, capacity, problems)
    others: list[str] = []
    inter = by_key.get(f"label:{label_key(name)}:interrupting")
    if inter is not None:
        others = names(inter.text)
        folded = [label_key(n) for n in others]
        if label_key(name) in folded:
            problems.add(inter.at, f"{inter.column.header}: a label cannot interrupt itself")
            return None
        if len(set(folded)) != len(folded):
            problems.add(inter.at, f"{inter.column.header}: a label is listed twice")
            return None
    return None if cap is None else LabelSettingIntent(cap, tuple(others))


def _read(cell: UtilCell, parse: Callable[[str], T], problems: Problems) -> T | None:
    try:
        return parse(cell.text)
    except CellError as e:
        problems.add(cell.at, f"{cell.column.header}: {e}")
        return None


# ---------------------------------------------------------------------------- as the CSV readers ask


@dataclass(slots=True)
class UtilSection:
    """The ``utilization`` section one CSV read collects: each user's cells as one entry, one entry a user."""

    ledger: UtilizationLedger = field(default_factory=UtilizationLedger)

    def add(self, user: str, line: int, cells: list[UtilCell], anchor: At, problems: Problems) -> None:
        util = build_intent(user, line, cells, anchor, problems)
        if util is not None:
            self.ledger.admit(util, lambda _: anchor, problems)

    def finish(self) -> list[UserUtilizationIntent]:
        return self.ledger.finish()


class UtilColumns:
    """The ``util:`` columns as the users' CSV forms ask a kind's columns (``kinds/folder.UserColumns``)."""

    prefix = UTIL_PREFIX

    def claims(self, header: str) -> bool:
        return is_util_header(header)

    def column(self, header: str) -> UtilColumn:
        return util_column(header)

    def cell(self, column: UtilColumn, text: str, at: At) -> UtilCell:
        return UtilCell(column, text, at)

    def section(self) -> UtilSection:
        return UtilSection()


UTIL_COLUMNS = UtilColumns()
