"""A user's levels (skill or language id -> proficiency) packed in six bytes a holding.

The impact keeps each moving user's skills and languages before and after the job, because a skill
group selects its members by them. As dicts that was about 4.6 KB a user holding 50 skills: 465 MB
at 100,000 users, most of ``run``'s peak memory (#29 §6). Ids and levels repeat across an org (a
catalogue of skills, a handful of proficiencies), so each is numbered once in the job's
``LevelTable`` and a user's holdings are those numbers, in the holding's own order (sorting them
was most of the cost, set-up packs 200,000 holdings): equal holdings in the same order are equal
bytes, one copy of each kept. Equal holdings in another order are not, so a caller that compares
before and after packs an unchanged holding once (``pack_pair``).
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass

#: The numbers' array types: an id's number (4 bytes) and a level's (2 bytes, 65,536 distinct levels).
_IDS, _LEVELS = "I", "H"


class LevelTable:
    """The job's ids and levels, numbered in the order first seen; packs and unpacks holdings."""

    def __init__(self) -> None:
        self._id_numbers: dict[str, int] = {}
        self._ids: list[str] = []
        self._level_numbers: dict[float, int] = {}
        self._levels: list[float] = []
        self._kept: dict[bytes, bytes] = {}

    def pack(self, levels: Mapping[str, float]) -> bytes:
        """``levels`` as bytes: the ids' numbers then the levels' numbers, in ``levels``'s order."""
        if not levels:
            return b""
        try:
            packed = array(_IDS, map(self._id_numbers.__getitem__, levels)).tobytes()
            packed += array(_LEVELS, map(self._level_numbers.__getitem__, levels.values())).tobytes()
        except KeyError:  # an id or a level seen the first time: numbered, then packed
            for k, v in levels.items():
                self._id_number(k)
                self._level_number(v)
            return self.pack(levels)
        return self._kept.setdefault(packed, packed)

    def pack_pair(self, before: Mapping[str, float], after: Mapping[str, float]) -> tuple[bytes, bytes]:
        """``before`` and ``after`` packed, the same bytes when they are equal (whatever their order):
        what tells a changed holding from an unchanged one."""
        packed = self.pack(before)
        return packed, packed if after == before else self.pack(after)

    def unpack(self, packed: bytes) -> dict[str, float]:
        """``pack``'s inverse."""
        if not packed:
            return {}
        n = len(packed) // (array(_IDS).itemsize + array(_LEVELS).itemsize)
        ids, levels = array(_IDS), array(_LEVELS)
        split = n * ids.itemsize
        ids.frombytes(packed[:split])
        levels.frombytes(packed[split:])
        return {self._ids[i]: self._levels[v] for i, v in zip(ids, levels, strict=True)}

    def _id_number(self, ident: str) -> int:
        n = self._id_numbers.get(ident)
        if n is None:
            n = self._id_numbers[ident] = len(self._ids)
            self._ids.append(ident)
        return n

    def _level_number(self, level: float) -> int:
        n = self._level_numbers.get(level)
        if n is None:
            if len(self._levels) >= 1 << 16:
                raise OverflowError("more than 65,536 distinct proficiency levels in one job")
            n = self._level_numbers[level] = len(self._levels)
            self._levels.append(level)
        return n


@dataclass(frozen=True, slots=True)
class PackedUser:
    """One user's routing inputs before and after the job, packed by a ``LevelTable``: what the impact's
    ``Move`` and set-up's ``PendingMove`` (its queues not known yet) both carry."""

    user_id: str
    label: str
    active: bool
    skills_before: bytes
    skills_after: bytes
    languages_before: bytes
    languages_after: bytes

    @property
    def changes_holdings(self) -> bool:
        """Skills or languages change (``pack_pair`` packs an unchanged holding as the same bytes)."""
        return self.skills_before != self.skills_after or self.languages_before != self.languages_after
