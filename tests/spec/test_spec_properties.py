"""Property tests: any matrix written as CSV in any dialect parses back to the same
intents; JSON round-trips; the content hash is stable and sensitive to every byte."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
import tempfile

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from bulkops.domain.model import UserIntent
from bulkops.errors import SpecError, SpecProblem
from bulkops.spec import open_spec
from bulkops.spec.jsonspec import MAX_DEPTH

SETTINGS = settings(max_examples=60)

# Names that survive CSV quoting: anything printable except leading/trailing space and
# the reserved prefixes; they may contain delimiters and quotes (the writer quotes them).
_name_chars = st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters="\x7f", blacklist_categories=("Cc", "Cs"))
names = (
    st.text(_name_chars, min_size=1, max_size=12)
    .map(str.strip)
    .filter(lambda s: s and not s.startswith("@") and not s.lower().startswith("lang:"))
    .filter(lambda s: s.casefold() not in {"skill", "proficiency"})
)
levels = st.one_of(
    st.none(),
    st.just("-"),
    st.integers(0, 5).map(float),
    st.sampled_from([0.5, 1.25, 2.5, 3.75, 4.5]),
)


@st.composite
def matrices(draw):
    skills = draw(st.lists(names, min_size=1, max_size=6, unique_by=str.casefold))
    langs = draw(st.lists(names, max_size=2, unique_by=str.casefold))
    users = draw(st.lists(st.from_regex(r"[a-z][a-z0-9._]{0,10}@ex\.com", fullmatch=True), min_size=1, max_size=8, unique_by=str.casefold))
    rows = [[draw(levels) for _ in skills + langs] for _ in users]
    return skills, langs, users, rows


def _quote(cell: str, delimiter: str) -> str:
    if any(c in cell for c in (delimiter, '"', "\n", "\r")) or cell != cell.strip():
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _fmt(v, delimiter: str) -> str:
    if v is None:
        return ""
    if v == "-":
        return "-"
    text = f"{v:g}"
    return text.replace(".", ",") if delimiter != "," and "." in text else text  # decimal comma


def expected_intents(skills, langs, users, rows, mode="merge") -> list[UserIntent]:
    out = []
    for line, (user, row) in enumerate(zip(users, rows), start=2):
        s = {n: v for n, v in zip(skills, row) if v not in (None, "-")}
        rs = frozenset(n for n, v in zip(skills, row) if v == "-")
        lrow = row[len(skills) :]
        lv = {n: v for n, v in zip(langs, lrow) if v not in (None, "-")}
        rl = frozenset(n for n, v in zip(langs, lrow) if v == "-")
        out.append(UserIntent(user, s, rs, lv, rl, replace_skills=mode == "replace", line=line))
    return out


def _write(data: bytes, suffix: str) -> str:
    fd, path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


@SETTINGS
@given(matrices(), st.sampled_from([",", ";", "\t"]), st.booleans(), st.booleans(), st.sampled_from(["merge", "replace"]))
def test_wide_csv_round_trip(matrix, delimiter, bom, crlf, mode) -> None:
    skills, langs, users, rows = matrix
    eol = "\r\n" if crlf else "\n"
    header = ["email"] + skills + ["lang:" + n for n in langs]
    lines = [delimiter.join(_quote(h, delimiter) for h in header)]
    for user, row in zip(users, rows):
        lines.append(delimiter.join([user] + [_quote(_fmt(v, delimiter), delimiter) for v in row]))
    data = (eol.join(lines) + eol).encode()
    path = _write((b"\xef\xbb\xbf" if bom else b"") + data, ".csv")
    try:
        spec = open_spec(path, mode=mode)
        assert spec.delimiter == delimiter
        assert spec.validate() == []
        assert list(spec.intents()) == expected_intents(skills, langs, users, rows, mode)
    finally:
        os.unlink(path)


@SETTINGS
@given(matrices(), st.sampled_from([",", ";", "\t"]), st.randoms(use_true_random=False))
def test_long_csv_matches_wide(matrix, delimiter, rnd) -> None:
    skills, langs, users, rows = matrix
    records = []
    for user, row in zip(users, rows):
        for name, v in zip(skills + ["lang:" + n for n in langs], row):
            if v is not None:
                records.append((user, name, v))
    assume(records)
    rnd.shuffle(records)
    lines = [delimiter.join(["user", "skill", "proficiency", "action"])]
    for user, name, v in records:
        action = "remove" if v == "-" else "set"
        lines.append(delimiter.join([user, _quote(name, delimiter), "" if v == "-" else _quote(_fmt(v, delimiter), delimiter), action]))
    path = _write(("\n".join(lines) + "\n").encode(), ".csv")
    try:
        spec = open_spec(path)
        assert spec.format == "csv-long"
        assert spec.validate() == []
        got = {i.user: i for i in spec.intents()}
        for want in expected_intents(skills, langs, users, rows):
            if want.is_empty():
                assert want.user not in got
                continue
            have = got[want.user]
            assert (have.skills, have.remove_skills, have.languages, have.remove_languages) == (
                want.skills,
                want.remove_skills,
                want.languages,
                want.remove_languages,
            )
    finally:
        os.unlink(path)


@SETTINGS
@given(matrices(), st.booleans())
def test_json_and_jsonl_match_wide(matrix, lines_form) -> None:
    skills, langs, users, rows = matrix
    wanted = expected_intents(skills, langs, users, rows)
    objs = [
        {
            "user": w.user,
            "skills": dict(w.skills),
            "removeSkills": sorted(w.remove_skills),
            "languages": dict(w.languages),
            "removeLanguages": sorted(w.remove_languages),
        }
        for w in wanted
    ]
    if lines_form:
        text = json.dumps({"version": 1}) + "\n" + "".join(json.dumps(o) + "\n" for o in objs)
        path = _write(text.encode(), ".jsonl")
    else:
        path = _write(json.dumps({"version": 1, "users": objs}, indent=1).encode(), ".json")
    try:
        spec = open_spec(path)
        assert spec.validate() == []
        got = list(spec.intents())
        assert [(g.user, g.skills, g.remove_skills, g.languages, g.remove_languages) for g in got] == [
            (w.user, w.skills, w.remove_skills, w.languages, w.remove_languages) for w in wanted
        ]
    finally:
        os.unlink(path)


@SETTINGS
@given(st.binary(min_size=1, max_size=300), st.data())
def test_content_hash_stable_and_byte_sensitive(data, draw) -> None:
    path = _write(data, ".csv")
    try:
        first = open_spec(path).content_hash
        assert first == open_spec(path).content_hash == hashlib.sha256(data).hexdigest()
        i = draw.draw(st.integers(0, len(data) - 1))
        changed = bytearray(data)
        changed[i] ^= draw.draw(st.integers(1, 255))
        with open(path, "wb") as f:
            f.write(changed)
        assert open_spec(path).content_hash != first
    finally:
        os.unlink(path)


@SETTINGS
@given(st.binary(max_size=200), st.sampled_from([".csv", ".json", ".jsonl"]))
def test_garbage_never_crashes(data, suffix) -> None:
    path = _write(data, suffix)
    try:
        spec = open_spec(path)
        problems = spec.validate()
        for p in problems:
            assert p.line >= 1 and p.column >= 1 and p.message
    finally:
        os.unlink(path)


# ---------------------------------------------------------------- hostile input: only problems

#: Any code point, lone surrogates included (and made common: the default alphabet omits them).
_any_char = st.one_of(st.characters(exclude_categories=()), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))
any_text = st.text(_any_char, max_size=12)


def _surrogates(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _problems_only(path: str) -> list[SpecProblem]:
    """Open, validate and read intents; anything but problems and SpecError fails the test."""
    spec = open_spec(path)
    problems = spec.validate()
    try:
        list(spec.intents())
    except SpecError:
        assert problems
    for p in problems:
        assert p.line >= 1 and p.column >= 1 and p.message
    return problems


def _mentions(problems: list[SpecProblem], fragment: str) -> bool:
    return any(fragment in p.message for p in problems)


@SETTINGS
@given(any_text, st.sampled_from(["user", "department", "title", "manager", "division", "skill", "queue", "description"]), st.booleans(), st.booleans())
@example("\x1f\ud800", "user", False, True)  # found by this test: a control character before a lone surrogate hid it
def test_any_text_in_any_json_string_is_read_or_a_problem(text, place, lines_form, escaped) -> None:
    """Escaped (``\\ud800``) or raw (bytes encoding a surrogate), a lone surrogate anywhere
    is a problem; any other text is read (or refused for its content), never a crash."""
    user: dict = {"user": "agent1@ex.com"}
    if place == "skill":
        user["skills"] = {text: 3}
    elif place == "queue":
        user["joinQueues"] = [text]
    elif place != "description":
        user[place] = text
    header = {"version": 1, **({"description": text} if place == "description" else {})}
    dump = lambda o: json.dumps(o, ensure_ascii=escaped)  # noqa: E731
    body = dump(header) + "\n" + dump(user) + "\n" if lines_form else dump({**header, "users": [user]})
    path = _write(body.encode("utf-8", "surrogatepass"), ".jsonl" if lines_form else ".json")
    try:
        problems = _problems_only(path)
        if escaped:  # the decoder joins a high+low pair; what is left over is lone
            assert _mentions(problems, "not valid Unicode text") == _surrogates(json.loads(json.dumps(text)))
        else:
            assert _mentions(problems, "not valid UTF-8") == _surrogates(text)
    finally:
        os.unlink(path)


@SETTINGS
@given(any_text, st.sampled_from([0, 1, 2, 3]), st.sampled_from([",", ";", "\t"]))
def test_any_text_in_any_csv_cell_is_read_or_a_problem(text, where, delimiter) -> None:
    """User, skill header, department and queue cells: never a crash; a surrogate (which
    UTF-8 cannot encode) is the 'not valid UTF-8' problem."""
    header = ["email", "Billing", "@department", "@join_queues"]
    row = ["agent1@ex.com", "3", "Sales", "Support EN"]
    (header if where == 1 else row)[where] = text
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows([header, row])
    path = _write(buf.getvalue().encode("utf-8", "surrogatepass"), ".csv")
    try:
        problems = _problems_only(path)
        assert _mentions(problems, "not valid UTF-8") == _surrogates(text)
    finally:
        os.unlink(path)


@SETTINGS
@given(st.integers(0, 3000), st.randoms(use_true_random=False), st.booleans())
def test_any_nesting_depth_is_read_or_a_problem(depth, rnd, lines_form) -> None:
    kinds = [rnd.random() < 0.5 for _ in range(depth)]  # True: an object, False: an array
    value = "".join('{"k": ' if k else "[" for k in kinds) + "1" + "".join("}" if k else "]" for k in reversed(kinds))
    user = '{"user": "agent1@ex.com", "skills": {"Billing": ' + value + "}}"
    body = user + "\n" if lines_form else '{"version": 1, "users": [' + user + "]}"
    path = _write(body.encode(), ".jsonl" if lines_form else ".json")
    try:
        problems = _problems_only(path)
        enclosing = 2 if lines_form else 4  # (document, "users",) the user, "skills"
        assert _mentions(problems, "nested more than") == (depth + enclosing > MAX_DEPTH)
    finally:
        os.unlink(path)


@SETTINGS
@given(st.integers(1, 6000), st.booleans(), st.sampled_from(["proficiency", "version"]), st.booleans())
def test_any_integer_literal_is_read_or_a_problem(digits, negative, place, lines_form) -> None:
    number = ("-" if negative else "") + "9" * digits
    user = '{"user": "agent1@ex.com"' + (', "skills": {"Billing": ' + number + "}" if place == "proficiency" else "") + "}"
    version = number if place == "version" else "1"
    body = '{"version": ' + version + "}\n" + user + "\n" if lines_form else '{"version": ' + version + ', "users": [' + user + "]}"
    path = _write(body.encode(), ".jsonl" if lines_form else ".json")
    try:
        problems = _problems_only(path)
        assert _mentions(problems, "cannot be read") == (digits > sys.get_int_max_str_digits())
        assert problems or (digits == 1 and not negative and place == "proficiency")
    finally:
        os.unlink(path)
