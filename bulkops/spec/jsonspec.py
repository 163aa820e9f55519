"""JSON job specs: one versioned document (``.json``) or JSON Lines (``.jsonl``/``.ndjson``).

The document form is parsed whole (it is meant for specs that fit comfortably in
memory); version 2 adds its ``skills`` and ``queues`` sections, read from that same parse. JSON Lines is
streamed one user per line (users only, whichever version its header says). Positions: syntax errors carry the
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
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from bulkops.domain.authoritative import AuthoritativeNames, name_problem
from bulkops.domain.model import Mode, UserIntent
from bulkops.safetext import unsafe_char
from bulkops.spec.cells import fold
from bulkops.spec.jsonuser import read_user
from bulkops.spec.schemacheck import MODES, Issue, Path, document_issues, document_version, header_issues
from bulkops.spec.sections import UsersOnly
from bulkops.spec.sniff import LineDecoder
from bulkops.spec.validate import At, Locate, Problems, UserLedger, admit_user, check_intent

#: Where one entry's key is written (its value; an absent key at the entry's start).
LocateKey = Callable[[str], At]

#: Deepest nesting read. A spec needs 4 levels (document, "users", a user, "skills"); the
#: slack lets a misplaced value be reported as the wrong type, and the bound keeps the
#: decoder far below Python's recursion limit (about 1000 levels, then RecursionError).
MAX_DEPTH = 32

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


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


#: A JSON Lines line that could not be parsed (already reported).
_UNREAD = object()


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


#: What raw JSON text holds before a parsed string can hold an unsafe character: an escape
#: (``\\ud800``, ``\\n``, ``\\u001b``, ``\\u202e``) or a C1/DEL/bidi character written as is (raw C0
#: controls are already a syntax error). Searched once per text: most texts have none.
_SUSPECT = re.compile("\\\\[bfnrtu]|[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_UNICODE = "not valid Unicode text: a \\uD800-\\uDFFF escape without its other half (a lone surrogate) cannot be stored or sent"


def _text_problem(text: str) -> str | None:
    """Why a key or string cannot be taken (a lone surrogate, a control or bidi character), or None."""
    found = unsafe_char(text)
    if found is None:
        return None
    index, what = found
    if "surrogate" in what or _LONE_SURROGATE.search(text):  # not Unicode at all comes before a refused character
        return _NOT_UNICODE
    return f"holds {what} at character {index + 1}: control characters and bidi overrides/isolates are refused"


def _unicode_issues(value: Any, path: Path = ()) -> Iterator[Issue]:
    """Every key and string below ``value`` that holds a lone surrogate (valid pairs are joined
    by the decoder, so any surrogate left is a lone one), a control or a bidi character."""
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem:
            yield path, "value", problem
    elif isinstance(value, dict):
        for k, v in value.items():
            problem = _text_problem(k)
            if problem:
                yield path + (k,), "key", problem
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
        """``_unicode_issues`` of a value parsed from this text; free unless the text has an
        escape or an unsafe character at all (``_SUSPECT``), which is searched for once."""
        if self._surrogates is None:
            self._surrogates = _SUSPECT.search(self.text) is not None
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


@dataclass(frozen=True, slots=True)
class JsonSection:
    """One section of a version 2 document as its kind reads it (``KindFolder.read_json``): its
    value, where the value starts, and how to place a problem in the raw text."""

    value: Any
    text: _Text
    start: int
    problems: Problems

    def line(self, start: int | None = None) -> int:
        """The line of the section's value (or of the value at ``start``)."""
        return self.text.at(self.start if start is None else start).line

    def entries(self) -> Iterator[tuple[int, Any]]:
        """(start, value) of each entry of an array section."""
        starts = [m[2] for m in _members(self.text.text, self.start)]
        yield from zip(starts, self.value)

    def report(self, start: int, issues: list[Issue]) -> None:
        """Each issue of the value at ``start``, placed at its key or value."""
        _report(self.problems, self.text, start, issues)

    def unicode_issues(self, value: Any) -> list[Issue]:
        return self.text.unicode_issues(value)

    def key_locator(self, start: int) -> LocateKey:
        """Where a key's value of the entry at ``start`` is."""
        return _key_locator(self.text, start)

    def locator(self, start: int, path_of: Callable[[str], tuple[Path, str]]) -> Callable[[str], At]:
        """Where a field of the entry at ``start`` is, ``path_of`` saying its path and part in the entry."""

        def locate(name: str) -> At:
            path, part = path_of(name)
            return self.text.at(_find(self.text.text, start, path, part))

        return locate


def _entry_sections() -> frozenset[str]:
    """The document's arrays read entry by entry (each entry searched as it is read): the users and
    each kind's array section."""
    from bulkops.kinds.registry import KINDS  # the kinds read spec helpers: imported when read

    return frozenset({"users", *(f.section for f in KINDS if f.section and f.shape == "array")})


def _section(text: _Text, doc: Any, problems: Problems, key: str, shape: str) -> JsonSection | None:
    """The document's ``key`` section when a version 2 document has one of the right shape (a
    wrong shape is the document check's to say), else None."""
    value = doc.get(key) if isinstance(doc, dict) and document_version(doc) == 2 else None
    if not (isinstance(value, dict) if shape == "object" else isinstance(value, list) and value):
        return None
    return JsonSection(value, text, _find(text.text, 0, (key,), "value"), problems)


def _key_locator(text: _Text, start: int) -> LocateKey:
    def locate(key: str) -> At:
        return text.at(_find(text.text, start, (key,), "value"))

    return locate


def _user_locator(text: _Text, start: int, obj: dict[str, Any]) -> Locate:
    paths = _user_paths(obj)

    def locate(kind: str, ref: str | None) -> At:
        path, part = paths(kind, ref)
        return text.at(_find(text.text, start, path, part))

    return locate


def _declared_mode(value: Any, requested: Mode | None) -> tuple[Mode | None, list[Issue]]:
    """The declared mode if it is one (the schema words one that is not), and the check
    a schema cannot make: a declared mode other than the one requested."""
    if value not in MODES:
        return None, []
    if requested is not None and value != requested:
        return value, [(("mode",), "value", f"the spec declares mode {value!r} but mode {requested!r} was requested")]
    return value, []


class _UserStream:
    """Shared tail of both JSON forms: structural issues, per-user checks, duplicate users."""

    def __init__(self, problems: Problems, max_per_user: int):
        self.problems = problems
        self.max_per_user = max_per_user
        self.ledger = UserLedger()

    def emit(self, obj: Any, replace: bool, text: _Text, start: int) -> tuple[UserIntent, Locate] | None:
        line = text.at(start).line
        intent, issues = read_user(obj, replace, line)
        unsafe = text.unicode_issues(obj)
        _report(self.problems, text, start, issues + unsafe)
        if intent is None or unsafe:
            return None  # a value that cannot be stored, sent or printed goes no further
        locate = _user_locator(text, start, obj)
        check_intent(intent, locate, self.problems, self.max_per_user)
        if admit_user(self.ledger, intent, locate, self.problems):
            return intent, locate
        return None


def _read_authoritative(text: _Text, doc: Any, problems: Problems) -> AuthoritativeNames:
    """The version 2 ``authoritative`` names (their types are the schema's to check); a pattern is a problem."""
    obj = doc.get("authoritative") if isinstance(doc, dict) and document_version(doc) == 2 else None
    if not isinstance(obj, dict):
        return AuthoritativeNames()
    found: dict[str, tuple[str, ...]] = {}
    for key in ("skills", "languages"):
        names = obj.get(key)
        names = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
        issues: list[Issue] = [(("authoritative", key), "value", why) for n in names if (why := name_problem(n)) is not None and n.strip()]
        _report(problems, text, 0, issues)
        found[key] = tuple(n.strip() for n in names if n.strip())
    return AuthoritativeNames(skills=found["skills"], languages=found["languages"])


# ---------------------------------------------------------------- the two readers


class JsonDoc:
    """``{"version": 1, "mode": ..., "users": [...]}`` or ``{"version": 2, ..., "users": [...],
    "skills": [...]}``, read whole."""

    fixer = None

    def __init__(self, path: str, requested: Mode | None, max_per_user: int):
        self.path = path
        self.requested = requested
        self.max_per_user = max_per_user
        self._sections: dict[str, Any] = {}
        self._authoritative = AuthoritativeNames()

    def authoritative(self) -> AuthoritativeNames:
        """The ``authoritative`` names as the last ``read`` found them (version 2; else none)."""
        return self._authoritative

    def sections(self) -> Mapping[str, Any]:
        """The sections the registry's kinds read from the last ``read``, by kind name (version 2; else none)."""
        return dict(self._sections)

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

    def _parse(self, problems: Problems) -> tuple[_Text, Any] | None:
        raw = self._text(problems)
        if raw is None:
            return None
        if not raw.strip():
            problems.add(At(1, 1), "empty file: expected a JSON object")
            return None
        text = _Text(raw)
        try:
            return text, _loads(raw)
        except _Refused as e:
            problems.add(text.at(e.offset), e.message)
            return None

    def _check_top(self, text: _Text, doc: Any, problems: Problems) -> Mode | None:
        """Reports problems with the document's own keys; returns the mode to read the
        users in, or None when there are no users to read."""
        issues = document_issues(doc)
        if not isinstance(doc, dict):
            _report(problems, text, 0, issues)
            return None
        issues += [((k,), "key", f"key {k!r} appears more than once") for k in getattr(doc, "dups", ())]
        declared, mode_issues = _declared_mode(doc.get("mode"), self.requested)
        # each user object and skills entry is searched as it is read; the rest of the document here
        issues += mode_issues + text.unicode_issues({k: v for k, v in doc.items() if k not in _entry_sections() or not isinstance(v, list)})
        _report(problems, text, 0, issues)
        users = doc.get("users")
        return (declared or self.requested or "merge") if isinstance(users, list) and users else None

    def _read_sections(self, text: _Text, doc: Any, problems: Problems) -> dict[str, Any]:
        """Each kind's section, read by its folder (``kinds/registry.py``, in its order)."""
        from bulkops.kinds.registry import KINDS  # the kinds read spec helpers: imported when read

        out: dict[str, Any] = {}
        for folder in KINDS:
            section = _section(text, doc, problems, folder.section, folder.shape) if folder.section else None
            if section is not None:
                out[folder.name] = folder.read_json(section)
        return out

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        self._sections = {}
        parsed = self._parse(problems)
        if parsed is None:
            return
        text, doc = parsed
        mode = self._check_top(text, doc, problems)
        self._sections = self._read_sections(text, doc, problems)
        self._authoritative = _read_authoritative(text, doc, problems)
        if mode is None:
            return
        stream = _UserStream(problems, self.max_per_user)
        starts = [m[2] for m in _members(text.text, _find(text.text, 0, ("users",), "value"))]
        users = doc["users"]
        del doc
        for start, obj in zip(starts, users):
            got = stream.emit(obj, mode == "replace", text, start)
            if got is not None:
                yield got


class JsonLines(UsersOnly):
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

    def _records(self, source: LineDecoder, problems: Problems) -> Iterator[tuple[_Text, Any]]:
        """(text, parsed value) of each non-blank line; a line that cannot be read is
        reported and given as ``_UNREAD``."""
        for line in source:
            if not line.strip():
                continue
            raw = line.rstrip("\r\n")  # so an error at the end of a line is placed on it
            text = _Text(raw, source.lineno)
            try:
                yield text, _loads(raw)
            except _Refused as e:
                problems.add(text.at(e.offset), e.message)
                yield text, _UNREAD

    def _read_header(self, obj: dict[str, Any], text: _Text, problems: Problems) -> Mode | None:
        declared, issues = _declared_mode(obj.get("mode"), self.requested)
        _report(problems, text, _skip(text.text, 0), header_issues(obj) + issues + text.unicode_issues(obj))
        return declared

    def read(self, problems: Problems) -> Iterator[tuple[UserIntent, Locate]]:
        stream = _UserStream(problems, self.max_per_user)
        mode: Mode = self.requested or "merge"
        first = True
        any_users = False
        source = LineDecoder(self.path, problems)
        for text, obj in self._records(source, problems):
            if first and self._is_header(obj):
                mode = self._read_header(obj, text, problems) or mode
            elif obj is not _UNREAD:
                any_users = True
                got = stream.emit(obj, mode == "replace", text, _skip(text.text, 0))
                if got is not None:
                    yield got
            first = False
        if not any_users and not len(problems):
            problems.add(At(max(source.lineno, 1), 1), "empty file: no user lines" if source.lineno else "empty file")
