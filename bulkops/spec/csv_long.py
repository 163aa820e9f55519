"""Long CSV form: ``user,skill,proficiency[,action]``, one row per user and skill.

One user spans many rows, in any order, so rows must be grouped before an intent can
be emitted. Grouping is kept compact: skill names and values are interned into small
tables and each row becomes a 12-byte record (name, value, line) appended to its
user's ``bytearray`` -- about 12 bytes per row plus ~200 bytes per user, instead of a
dict per user. Conflicts (same user and skill, different values) are found per user
once the file has been read.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from bulkops.domain.model import UserIntent
from bulkops.spec.cells import REMOVE, USER_HEADERS, CellError, Remove, did_you_mean, fold, parse_level, split_lang
from bulkops.spec.csvio import CsvForm
from bulkops.spec.validate import At, Locate, Problems, check_intent

_REC = struct.Struct("<III")
_pack = _REC.pack
_MISS = object()
_ACTIONS = ("set", "remove")


def is_long_header(header: list[str]) -> bool:
    """Long form is recognised by ``skill`` and ``proficiency`` columns in the header."""
    names = {h.strip().casefold() for h in header}
    return "skill" in names and "proficiency" in names


class LongCsv(CsvForm):
    """Reader for the long form (see docs/spec-format.md)."""

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        started = self.start(problems, self._header)
        if started is None:
            return
        rows, header_line, header, cols = started
        uf, sf, pf, af = cols
        width = len(header)
        decimal_comma = self.delimiter != ","

        names: dict[tuple[bool, str], int] = {}
        name_list: list[tuple[bool, str]] = []
        values: dict[object, int] = {}
        value_list: list[float | Remove] = []
        users: dict[str, tuple[str, int, bytearray]] = {}
        seen_rows = False

        level_cache: dict[str, object] = {}
        skill_cache: dict[str, int] = {}  # raw skill cell -> name index (valid names only)
        pad = [""] * width
        for line, row in rows:
            seen_rows = True
            n = len(row)
            if n < width:
                row = row + pad[n:]
            elif n > width and any(c.strip() for c in row[width:]):
                problems.add(At(line, 1, width), f"row has {n} cells but the header has {width}")
            user = row[uf].strip()
            ok = True
            if not user:
                problems.add(At(line, 1, uf), "missing user")
                ok = False
            raw_skill = row[sf]
            ni = skill_cache.get(raw_skill, -1)
            if ni < 0:
                is_lang, name = split_lang(raw_skill)
                if not name:
                    problems.add(
                        At(line, 1, sf),
                        "missing skill name" if not raw_skill.strip() else f"{raw_skill.strip()!r} names no language",
                    )
                    ok = False
                else:
                    nkey = (is_lang, fold(name))
                    ni = names.get(nkey, -1)
                    if ni < 0:
                        ni = names[nkey] = len(name_list)
                        name_list.append((is_lang, name))
                    skill_cache[raw_skill] = ni
            action = row[af].strip().casefold() if af >= 0 else ""
            if action and action not in _ACTIONS:
                problems.add(At(line, 1, af), f"unknown action {action!r}{did_you_mean(action, _ACTIONS)}; use set or remove")
                ok = False
            raw_level = row[pf]
            level = level_cache.get(raw_level, _MISS)
            if level is _MISS:
                try:
                    level = parse_level(raw_level, decimal_comma=decimal_comma)
                except CellError as e:
                    problems.add(At(line, 1, pf), str(e))
                    continue
                level_cache[raw_level] = level
            value: object
            if action == "remove":
                if level is not None and level is not REMOVE:
                    problems.add(At(line, 1, pf), "action 'remove' takes no proficiency; leave it blank")
                    ok = False
                value = REMOVE
            elif level is None:
                problems.add(At(line, 1, pf), "missing proficiency (0-5; '-' or action 'remove' removes)")
                continue
            elif level is REMOVE and action == "set":
                problems.add(At(line, 1, pf), "action 'set' needs a proficiency 0-5")
                continue
            else:
                value = level
            if not ok:
                continue
            vi = values.get(value, -1)
            if vi < 0:
                vi = values[value] = len(value_list)
                value_list.append(value)  # type: ignore[arg-type]
            ukey = user.casefold()
            entry = users.get(ukey)
            if entry is None:
                entry = users[ukey] = (user, line, bytearray())
            entry[2].extend(_pack(ni, vi, line))

        if not seen_rows and not problems:
            problems.add(At(header_line, 1), "no rows after the header")
        replace = self.mode == "replace"
        for user, first_line, recs in users.values():
            chosen: dict[int, tuple[int, int]] = {}  # name index -> (value index, line)
            for ni, vi, line in _REC.iter_unpack(recs):
                prev = chosen.get(ni)
                if prev is None:
                    chosen[ni] = (vi, line)
                elif prev[0] != vi:
                    kind, name = name_list[ni]
                    problems.add(
                        At(line, 1, pf),
                        f"user {user!r}: {'language' if kind else 'skill'} {name!r} is "
                        f"{_show(value_list[prev[0]])} on line {prev[1]} and {_show(value_list[vi])} here",
                    )
            skills: dict[str, float] = {}
            langs: dict[str, float] = {}
            rm_skills: list[str] = []
            rm_langs: list[str] = []
            for ni, (vi, _line) in chosen.items():
                is_lang, name = name_list[ni]
                v = value_list[vi]
                if v is REMOVE:
                    (rm_langs if is_lang else rm_skills).append(name)
                else:
                    (langs if is_lang else skills)[name] = v  # type: ignore[assignment]
            intent = UserIntent(
                user=user,
                skills=skills,
                remove_skills=frozenset(rm_skills),
                languages=langs,
                remove_languages=frozenset(rm_langs),
                replace_skills=replace,
                line=first_line,
            )
            locate = _locator(first_line, chosen, name_list, uf, sf)
            check_intent(intent, locate, problems, self.max_per_user)
            yield intent, locate

    def _header(self, line: int, header: list[str], problems: Problems) -> tuple[int, int, int, int] | None:
        found: dict[str, int] = {}
        for i, text in enumerate(header):
            key = text.strip().casefold()
            role = "user" if key in USER_HEADERS else key
            if role not in ("user", "skill", "proficiency", "action"):
                if not key and i == len(header) - 1:
                    continue  # trailing delimiter
                allowed = sorted(USER_HEADERS | {"skill", "proficiency", "action"})
                problems.add(
                    At(line, 1, i),
                    f"unknown column {text.strip()!r} in long form{did_you_mean(key, allowed)}; "
                    "columns are user (or email/username/id), skill, proficiency and optional action",
                )
                continue
            if role in found:
                problems.add(At(line, 1, i), f"duplicate column {text.strip()!r} (same as column {found[role] + 1})")
                continue
            found[role] = i
        if "user" not in found:
            problems.add(At(line, 1, 0), "long form needs a user column (user, email, username or id)")
            return None
        return found["user"], found["skill"], found["proficiency"], found.get("action", -1)


def _show(v: float | Remove) -> str:
    return "removed" if v is REMOVE else f"set to {v:g}"


def _locator(first_line: int, chosen: dict[int, tuple[int, int]], name_list: list[tuple[bool, str]], uf: int, sf: int) -> Locate:
    """Skills point at the row that set them; the search only runs when a problem needs it."""

    def locate(kind: str, ref: str | None) -> At:
        if kind in ("skill", "language") and ref is not None:
            want = (kind == "language", fold(ref))
            for ni, (_, line) in chosen.items():
                is_lang, name = name_list[ni]
                if (is_lang, fold(name)) == want:
                    return At(line, 1, sf)
        return At(first_line, 1, uf)

    return locate
