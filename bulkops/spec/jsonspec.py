"""JSON job specs: one versioned document (``.json``) or JSON Lines (``.jsonl``/``.ndjson``).

The document form is parsed whole (it is meant for specs that fit comfortably in
memory); JSON Lines is streamed one user per line. Positions: syntax errors carry the
decoder's own line/column; semantic problems are located by walking the raw text to
the exact key or value (``_find``), which is only done when there is a problem.

What the stock decoder would let escape as something other than a problem is caught
around it (``_loads``): nesting past ``MAX_DEPTH`` (a RecursionError), an integer past
Python's digit limit (a ValueError), and lone surrogates (``\\ud800`` escapes, which
parse but cannot be stored or sent).
"""

from __future__ import annotations

import bisect
import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from bulkops.domain.model import Mode, UserIntent
from bulkops.spec.cells import CellError, check_proficiency, did_you_mean, fold, respell
from bulkops.spec.sniff import LineDecoder
from bulkops.spec.validate import At, Locate, Problems, UserLedger, admit_user, check_intent

VERSION = 1
TOP_KEYS = ("$schema", "version", "mode", "description", "users")
HEADER_KEYS = ("$schema", "version", "mode", "description")
USER_KEYS = (
    "user",
    "skills",
    "removeSkills",
    "languages",
    "removeLanguages",
    "department",
    "title",
    "manager",
    "division",
    "joinQueues",
    "leaveQueues",
)
MODES = ("merge", "replace")

#: Deepest nesting read. A spec needs 4 levels (document, "users", a user, "skills"); the
#: slack lets a misplaced value be reported as the wrong type, and the bound keeps the
#: decoder far below Python's recursion limit (about 1000 levels, then RecursionError).
MAX_DEPTH = 32

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()

Path = tuple[Any, ...]
#: A problem inside one user object before it is located: (path, "key"|"value", message).
Issue = tuple[Path, str, str]


class _DupDict(dict):  # type: ignore[type-arg]
    """A JSON object that had repeated keys (plain dicts are used otherwise)."""

    dups: list[str]


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        d = _DupDict(pairs)
        seen: set[str] = set()
        d.dups = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
    return d


_LOADER = json.JSONDecoder(object_pairs_hook=_pairs_hook)


class _Refused(ValueError):
    """A JSON text that is not read: ``offset`` into it, and the message to show."""

    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset
        self.message = message


def _loads(text: str) -> Any:
    """Parse one JSON text; anything unreadable is a ``_Refused`` with its offset."""
    deep = _too_deep(text)
    if deep is not None:
        raise _Refused(deep, f"nested more than {MAX_DEPTH} levels deep (a job spec needs at most 4)")
    try:
        return _LOADER.decode(text)
    except json.JSONDecodeError as e:
        raise _Refused(e.pos, f"invalid JSON: {e.msg}") from None
    except ValueError as e:  # an integer literal past int()'s digit limit
        offset, digits = _huge_integer(text)
        if offset < 0:
            raise _Refused(0, f"JSON that cannot be read: {e}") from None
        raise _Refused(offset, f"a number {digits:,} digits long cannot be read (a proficiency is 0-5)") from None


#: Everything up to the next bracket outside a string (or an unterminated string);
#: written as "plain* (string plain*)*", twice as fast as an alternation on big documents.
_TO_BRACKET = re.compile(r'[^"\[\]{}]*+(?:"[^"\\]*+(?:\\.[^"\\]*+)*+"[^"\[\]{}]*+)*+', re.DOTALL)
#: A whole string, or an integer literal's digits (not a float's, not an exponent's).
_STRING_OR_DIGITS = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"|(?<![\w.+-])-?(\d++)(?![.eE])', re.DOTALL)


def _too_deep(text: str) -> int | None:
    """Offset of the first bracket nested deeper than ``MAX_DEPTH`` (brackets inside
    strings do not count), or None. Counting brackets first makes most lines free."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    i = _TO_BRACKET.match(text).end()  # type: ignore[union-attr]
    while i < len(text) and text[i] != '"':  # a '"' here is never closed: the decoder says so
        depth += 1 if text[i] in "[{" else -1
        if depth > MAX_DEPTH:
            return i
        i = _TO_BRACKET.match(text, i + 1).end()  # type: ignore[union-attr]
    return None


def _huge_integer(text: str) -> tuple[int, int]:
    """(offset, digits) of the first integer literal too long for ``int()``, or (-1, 0)."""
    limit = sys.get_int_max_str_digits()
    for m in _STRING_OR_DIGITS.finditer(text):
        if m.group(1) is not None and limit and len(m.group(1)) > limit:
            return m.start(), len(m.group(1))
    return -1, 0


#: A surrogate escape in raw JSON text: only then can a parsed string hold a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_UNICODE = "not valid Unicode text: a \\uD800-\\uDFFF escape without its other half (a lone surrogate) cannot be stored or sent"


def _unicode_issues(value: Any, path: Path = ()) -> Iterator[Issue]:
    """Every key and string below ``value`` that holds a lone surrogate. Valid pairs are
    joined by the decoder, so any surrogate left in a parsed string is a lone one."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            yield path, "value", _NOT_UNICODE
    elif isinstance(value, dict):
        for k, v in value.items():
            if _SURROGATE.search(k):
                yield path + (k,), "key", _NOT_UNICODE
            yield from _unicode_issues(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _unicode_issues(v, path + (i,))


# ---------------------------------------------------------------- locating in raw text


def _skip(text: str, i: int) -> int:
    return _WS.match(text, i).end()  # type: ignore[union-attr]


def _members(text: str, i: int) -> Iterator[tuple[Any, int, int, int]]:
    """(key or index, key offset, value offset, value end) of the object/array at ``i``."""
    i = _skip(text, i)
    if text[i] == "{":
        j = _skip(text, i + 1)
        while text[j] != "}":
            key, kend = scanstring(text, j + 1)
            k = _skip(text, kend)
            v = _skip(text, k + 1)
            _, vend = _DECODER.raw_decode(text, v)
            yield key, j, v, vend
            j = _skip(text, vend)
            if text[j] == ",":
                j = _skip(text, j + 1)
    elif text[i] == "[":
        j = _skip(text, i + 1)
        n = 0
        while text[j] != "]":
            _, vend = _DECODER.raw_decode(text, j)
            yield n, j, j, vend
            n += 1
            j = _skip(text, vend)
            if text[j] == ",":
                j = _skip(text, j + 1)


def _find(text: str, start: int, path: Path, part: str) -> int:
    """Offset of the key or value at ``path`` below the value at ``start``; best effort."""
    pos = _skip(text, start)
    try:
        for n, step in enumerate(path):
            last = n == len(path) - 1
            hit = None
            for key, kpos, vpos, _ in _members(text, pos):
                if key == step:
                    hit = (kpos, vpos)  # the last duplicate wins, as in the parsed value
            if hit is None:
                return pos
            pos = hit[0] if (last and part == "key") else hit[1]
    except (ValueError, IndexError):
        pass
    return pos


# ---------------------------------------------------------------- one user object


def read_user(obj: Any, replace: bool, line: int) -> tuple[UserIntent | None, list[Issue]]:
    """Validate one user object structurally; the intent is None if ``user`` is unusable."""
    issues: list[Issue] = []
    if not isinstance(obj, dict):
        return None, [((), "value", f"each user must be a JSON object, got {_typename(obj)}")]
    for k in getattr(obj, "dups", ()):
        issues.append(((k,), "key", f"key {k!r} appears more than once in this user"))
    for k in obj:
        if k not in USER_KEYS:
            issues.append(((k,), "key", f"unknown key {k!r}{did_you_mean(k, USER_KEYS)}"))

    def text(key: str) -> str | None:
        v = obj.get(key)
        if v is None:
            return None
        if not isinstance(v, str) or not v.strip():
            issues.append(((key,), "value", f"{key!r} must be a non-empty string (omit it or use null to leave it alone)"))
            return None
        return v.strip()

    def levels(key: str) -> dict[str, float]:
        v = obj.get(key)
        if v is None:
            return {}
        if not isinstance(v, dict):
            issues.append(((key,), "value", f"{key!r} must be an object of name: proficiency, got {_typename(v)}"))
            return {}
        if _plain_levels(v):
            return dict(zip(v, map(float, v.values())))
        out: dict[str, float] = {}
        seen: dict[str, str] = {}
        for k in getattr(v, "dups", ()):
            issues.append(((key, k), "key", f"{k!r} appears more than once in {key!r}"))
        for name, level in v.items():
            if not name.strip():
                issues.append(((key, name), "key", f"empty name in {key!r}"))
                continue
            if fold(name) in seen:
                issues.append(((key, name), "key", f"{name!r} is listed twice in {key!r} (also as {seen[fold(name)]!r})"))
                continue
            seen[fold(name)] = name
            if isinstance(level, bool) or not isinstance(level, (int, float)):
                issues.append(((key, name), "value", f"{key}[{name!r}]: proficiency must be a number 0-5, got {_typename(level)}"))
                continue
            try:
                out[name.strip()] = check_proficiency(_as_float(level))
            except CellError as e:
                issues.append(((key, name), "value", f"{key}[{name!r}]: {e}"))
        return out

    def names(key: str) -> frozenset[str]:
        v = obj.get(key)
        if v is None:
            return frozenset()
        if not isinstance(v, list):
            issues.append(((key,), "value", f"{key!r} must be an array of names, got {_typename(v)}"))
            return frozenset()
        out: list[str] = []
        for i, item in enumerate(v):
            if not isinstance(item, str) or not item.strip():
                issues.append(((key, i), "value", f"{key}[{i}] must be a non-empty string"))
                continue
            out.append(item.strip())
        return frozenset(out)

    user = obj.get("user")
    if user is None:
        issues.append(((), "value", "missing key 'user' (an email, username or user id)"))
    user = text("user") if user is not None else None
    skills = levels("skills")
    languages = levels("languages")
    rm_skills = names("removeSkills")
    rm_langs = names("removeLanguages")
    fields = {k: v for k in ("department", "title", "manager") if (v := text(k)) is not None}
    division = text("division")
    join = names("joinQueues")
    leave = names("leaveQueues")
    if user is None:
        return None, issues
    # One spelling per name within the user, so set-and-removed is caught exactly.
    rm_skills = respell(rm_skills, skills)
    rm_langs = respell(rm_langs, languages)
    leave = respell(leave, join)
    intent = UserIntent(
        user=user,
        skills=skills,
        remove_skills=rm_skills,
        languages=languages,
        remove_languages=rm_langs,
        fields=fields,
        division=division,
        join_queues=join,
        leave_queues=leave,
        replace_skills=replace,
        line=line,
    )
    return intent, issues


def _plain_levels(v: dict[str, Any]) -> bool:
    """Fast path for the common case: clean names, plain numbers in range, no repeats."""
    if not v or hasattr(v, "dups"):
        return not v
    vals = v.values()
    types = set(map(type, vals))
    if not types <= _NUMBER_TYPES or min(vals) < 0 or max(vals) > 5:
        return False
    if float in types and not all(map(math.isfinite, vals)):
        return False
    names = list(v)
    if list(map(str.strip, names)) != names:
        return False
    folded = set(map(str.casefold, names))
    return len(folded) == len(v) and "" not in folded


_NUMBER_TYPES = {int, float}


def _as_float(number: int | float) -> float:
    """The number as a float; an integer too large for one is infinite (so out of range)."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def _typename(v: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(v), "a number" if isinstance(v, (int, float)) else type(v).__name__
    )


_KIND_KEYS = {
    "skill": ("skills", "removeSkills"),
    "language": ("languages", "removeLanguages"),
    "join": (None, "joinQueues"),
    "leave": (None, "leaveQueues"),
}


def _user_paths(obj: dict[str, Any]) -> Callable[[str, str | None], tuple[Path, str]]:
    """Maps a locator request (kind, ref) to a path inside the user object."""

    def path(kind: str, ref: str | None) -> tuple[Path, str]:
        if kind == "user":
            return ("user",), "value"
        if kind in ("department", "title", "manager", "division"):
            return (kind,), "value"
        if kind in _KIND_KEYS and ref is not None:
            mapping, array = _KIND_KEYS[kind]
            if mapping and isinstance(obj.get(mapping), dict):
                for k in obj[mapping]:
                    if fold(k) == fold(ref):
                        return (mapping, k), "key"
            items = obj.get(array)
            if isinstance(items, list):
                for i, item in enumerate(items):
                    if isinstance(item, str) and fold(item) == fold(ref):
                        return (array, i), "value"
        return ("user",), "value"

    return path


class _Text:
    """Offset -> (line, column) for a text that starts on ``first_line``."""

    def __init__(self, text: str, first_line: int = 1):
        self.text = text
        self.first_line = first_line
        self._nl: list[int] | None = None
        self._surrogates: bool | None = None

    def unicode_issues(self, value: Any) -> list[Issue]:
        """``_unicode_issues`` of a value parsed from this text; free unless the text has
        a surrogate escape at all (rare), which is searched for once."""
        if self._surrogates is None:
            self._surrogates = _SURROGATE_ESCAPE.search(self.text) is not None
        return list(_unicode_issues(value)) if self._surrogates else []

    def at(self, offset: int) -> At:
        if self._nl is None:
            self._nl = [m.start() for m in re.finditer("\n", self.text)]
        n = bisect.bisect_left(self._nl, offset)
        col = offset - (self._nl[n - 1] + 1 if n else 0) + 1
        return At(self.first_line + n, col)


def _report(problems: Problems, text: _Text, start: int, issues: list[Issue]) -> None:
    for path, part, message in issues:
        problems.add(text.at(_find(text.text, start, path, part)), message)


def _user_locator(text: _Text, start: int, obj: dict[str, Any]) -> Locate:
    paths = _user_paths(obj)

    def locate(kind: str, ref: str | None) -> At:
        path, part = paths(kind, ref)
        return text.at(_find(text.text, start, path, part))

    return locate


def _check_mode(value: Any, requested: Mode | None) -> tuple[Mode | None, str | None]:
    """(declared mode, problem message)."""
    if value is None:
        return None, None
    if value not in MODES:
        return None, f'\'mode\' must be "merge" or "replace", got {value!r}'
    if requested is not None and value != requested:
        return value, f"the spec declares mode {value!r} but mode {requested!r} was requested"
    return value, None


def _check_version(value: Any) -> str | None:
    if isinstance(value, bool) or value != VERSION:
        return f"unsupported version {value!r}; this bulkops reads version {VERSION}"
    return None


class _UserStream:
    """Shared tail of both JSON forms: structural issues, per-user checks, duplicate users."""

    def __init__(self, problems: Problems, max_per_user: int):
        self.problems = problems
        self.max_per_user = max_per_user
        self.ledger = UserLedger()

    def emit(self, obj: Any, replace: bool, text: _Text, start: int) -> tuple[UserIntent, Locate] | None:
        line = text.at(start).line
        intent, issues = read_user(obj, replace, line)
        _report(self.problems, text, start, issues + text.unicode_issues(obj))
        if intent is None:
            return None
        locate = _user_locator(text, start, obj)
        check_intent(intent, locate, self.problems, self.max_per_user)
        if admit_user(self.ledger, intent, locate, self.problems):
            return intent, locate
        return None


# ---------------------------------------------------------------- the two readers


class JsonDoc:
    """``{"version": 1, "mode": ..., "users": [...]}``, read whole."""

    fixer = None

    def __init__(self, path: str, requested: Mode | None, max_per_user: int):
        self.path = path
        self.requested = requested
        self.max_per_user = max_per_user

    def declared_mode(self) -> Mode | None:
        try:
            with open(self.path, "rb") as f:
                doc = _loads(f.read().removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
        except (ValueError, OSError):  # _Refused and UnicodeDecodeError are ValueErrors
            return None
        mode = doc.get("mode") if isinstance(doc, dict) else None
        return mode if mode in MODES else None

    def _text(self, problems: Problems) -> str | None:
        before = len(problems)
        lines = list(LineDecoder(self.path, problems, limit=None))  # read whole, by design
        if len(problems) > before:
            return None
        return "".join(lines)

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        raw = self._text(problems)
        if raw is None:
            return
        if not raw.strip():
            problems.add(At(1, 1), "empty file: expected a JSON object")
            return
        text = _Text(raw)
        try:
            doc = _loads(raw)
        except _Refused as e:
            problems.add(text.at(e.offset), e.message)
            return
        top = 0
        if not isinstance(doc, dict):
            problems.add(text.at(_skip(raw, 0)), f"the spec must be a JSON object, got {_typename(doc)}")
            return
        issues: list[Issue] = []
        for k in getattr(doc, "dups", ()):
            issues.append(((k,), "key", f"key {k!r} appears more than once"))
        for k in doc:
            if k not in TOP_KEYS:
                issues.append(((k,), "key", f"unknown top-level key {k!r}{did_you_mean(k, TOP_KEYS)}"))
        if "version" not in doc:
            issues.append(((), "value", f'missing "version": {VERSION}'))
        elif msg := _check_version(doc["version"]):
            issues.append((("version",), "value", msg))
        declared, msg = _check_mode(doc.get("mode"), self.requested)
        if msg:
            issues.append((("mode",), "value", msg))
        mode = declared or self.requested or "merge"
        users = doc.get("users")
        if users is None:
            issues.append(((), "value", 'missing "users": an array of user objects'))
        elif not isinstance(users, list):
            issues.append((("users",), "value", f'"users" must be an array, got {_typename(users)}'))
        elif not users:
            issues.append((("users",), "value", '"users" is empty: nothing to do'))
        # each user object is searched as it is read; the rest of the document here
        issues += text.unicode_issues({k: v for k, v in doc.items() if k != "users" or not isinstance(v, list)})
        _report(problems, text, top, issues)
        if not isinstance(users, list) or not users:
            return
        stream = _UserStream(problems, self.max_per_user)
        ustart = _find(raw, top, ("users",), "value")
        starts = [m[2] for m in _members(raw, ustart)]
        del doc
        for start, obj in zip(starts, users):
            got = stream.emit(obj, mode == "replace", text, start)
            if got is not None:
                yield got


class JsonLines:
    """An optional header line ``{"version": 1, "mode": ...}`` then one user object per line."""

    fixer = None

    def __init__(self, path: str, requested: Mode | None, max_per_user: int):
        self.path = path
        self.requested = requested
        self.max_per_user = max_per_user

    @staticmethod
    def _is_header(obj: Any) -> bool:
        return isinstance(obj, dict) and "user" not in obj and ("version" in obj or "mode" in obj)

    def declared_mode(self) -> Mode | None:
        for line in LineDecoder(self.path, None):
            if line.strip():
                try:
                    obj = _loads(line)
                except _Refused:
                    return None
                mode = obj.get("mode") if self._is_header(obj) else None
                return mode if mode in MODES else None
        return None

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        stream = _UserStream(problems, self.max_per_user)
        mode: Mode = self.requested or "merge"
        first = True
        any_users = False
        source = LineDecoder(self.path, problems)
        for line in source:
            lineno = source.lineno
            if not line.strip():
                continue
            raw = line.rstrip("\r\n")  # so an error at the end of a line is placed on it
            text = _Text(raw, lineno)
            try:
                obj = _loads(raw)
            except _Refused as e:
                problems.add(text.at(e.offset), e.message)
                first = False
                continue
            start = _skip(raw, 0)
            if first and self._is_header(obj):
                first = False
                issues: list[Issue] = []
                for k in obj:
                    if k not in HEADER_KEYS:
                        issues.append(((k,), "key", f"unknown header key {k!r}{did_you_mean(k, HEADER_KEYS)}"))
                if "version" in obj and (msg := _check_version(obj["version"])):
                    issues.append((("version",), "value", msg))
                declared, msg = _check_mode(obj.get("mode"), self.requested)
                if msg:
                    issues.append((("mode",), "value", msg))
                mode = declared or mode
                _report(problems, text, start, issues + text.unicode_issues(obj))
                continue
            first = False
            any_users = True
            got = stream.emit(obj, mode == "replace", text, start)
            if got is not None:
                yield got
        if not any_users and not len(problems):
            problems.add(At(max(source.lineno, 1), 1), "empty file: no user lines" if source.lineno else "empty file")
