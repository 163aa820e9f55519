"""JSON job specs: one versioned document (``.json``) or JSON Lines (``.jsonl``/``.ndjson``).

The document form is parsed whole (it is meant for specs that fit comfortably in
memory); JSON Lines is streamed one user per line. Positions: syntax errors carry the
decoder's own line/column; semantic problems are located by walking the raw text to
the exact key or value (``_find``), which is only done when there is a problem.
"""

from __future__ import annotations

import bisect
import math
import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any, Callable, Iterator

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


def _loads(text: str) -> Any:
    return _LOADER.decode(text)


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
                out[name.strip()] = check_proficiency(float(level))
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
        return None, f"'mode' must be \"merge\" or \"replace\", got {value!r}"
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
        _report(self.problems, text, start, issues)
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
                doc = json.loads(f.read().removeprefix(b"\xef\xbb\xbf"))
        except (ValueError, OSError):
            return None
        mode = doc.get("mode") if isinstance(doc, dict) else None
        return mode if mode in MODES else None

    def _text(self, problems: Problems) -> str | None:
        before = len(problems)
        lines = list(LineDecoder(self.path, problems))
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
        try:
            doc = _loads(raw)
        except json.JSONDecodeError as e:
            problems.add(At(e.lineno, e.colno), f"invalid JSON: {e.msg}")
            return
        text = _Text(raw)
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
                    obj = json.loads(line)
                except ValueError:
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
        for raw in source:
            lineno = source.lineno
            if not raw.strip():
                continue
            try:
                obj = _loads(raw)
            except json.JSONDecodeError as e:
                problems.add(At(lineno, e.colno), f"invalid JSON: {e.msg}")
                first = False
                continue
            text = _Text(raw, lineno)
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
                _report(problems, text, start, issues)
                continue
            first = False
            any_users = True
            got = stream.emit(obj, mode == "replace", text, start)
            if got is not None:
                yield got
        if not any_users and not len(problems):
            problems.add(At(max(source.lineno, 1), 1), "empty file: no user lines" if source.lineno else "empty file")
