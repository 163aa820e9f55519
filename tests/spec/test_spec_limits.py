"""Size and shape bounds: a record past ``MAX_RECORD`` is refused where it starts without
being read whole (memory stays at about one record), and JSON nested past ``MAX_DEPTH``
is a problem, not a RecursionError, however deep it goes."""

from __future__ import annotations

import io
import time
import tracemalloc
from pathlib import Path

import pytest

from bulkops.errors import SpecError
from bulkops.spec import open_spec
from bulkops.spec.jsonspec import MAX_DEPTH
from bulkops.spec.sniff import MAX_RECORD, BoundedLines

FIFTY_MB = 50 * 1024 * 1024


def _write_long_line(path: Path, head: bytes, tail: bytes, size: int = FIFTY_MB) -> None:
    """``head``, then one line of ``size`` bytes of ``a,`` cells, then ``tail``; in 1 MiB writes."""
    chunk = b"a," * (1 << 19)
    with open(path, "wb") as f:
        f.write(head)
        for _ in range(size // len(chunk)):
            f.write(chunk)
        f.write(b"\n" + tail)


def _validate_measured(path: Path) -> tuple[list, int, float]:
    """(problems, peak traced bytes, seconds) of open + validate."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        problems = open_spec(path).validate()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return problems, peak, time.perf_counter() - started


def test_a_50_mb_line_is_refused_at_its_line_with_memory_of_about_one_record(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    _write_long_line(path, b"email,Billing\nagent00001@example.com,3\n", b"agent00002@example.com,4\n")
    problems, peak, seconds = _validate_measured(path)
    assert [(p.line, p.column) for p in problems] == [(3, 1)]
    assert "line 3 is longer than 1,048,576 bytes" in problems[0].message
    assert peak < 8 * MAX_RECORD, f"peak {peak:,} bytes for a {FIFTY_MB:,}-byte line"  # file: 50 MB
    assert seconds < 5


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_long_first_line_is_refused_too(tmp_path: Path, suffix: str) -> None:
    """Line 1 is also what format and delimiter sniffing read: they are bounded as well."""
    path = tmp_path / f"long{suffix}"
    _write_long_line(path, b"", b'{"user": "agent00002@example.com"}\n', size=4 * MAX_RECORD)
    problems, peak, _ = _validate_measured(path)
    assert [(p.line, p.column) for p in problems] == [(1, 1)] and "line 1 is longer than" in problems[0].message
    assert peak < 8 * MAX_RECORD


def test_a_long_jsonl_line_is_refused_and_not_split_into_pieces(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    with open(path, "wb") as f:
        f.write(b'{"user": "agent00001@example.com"}\n{"user": "' + b"a" * (3 * MAX_RECORD) + b'"}\n')
    problems, peak, _ = _validate_measured(path)
    assert [(p.line, p.column) for p in problems] == [(2, 1)]
    assert problems[0].message.startswith("line 2 is longer than 1,048,576 bytes")
    assert peak < 8 * MAX_RECORD


def test_a_record_spanning_lines_is_bounded_as_a_whole(tmp_path: Path) -> None:
    """Quoted fields with line breaks: each line is short, the record is not."""
    path = tmp_path / "quoted.csv"
    cells = b'"a\nb",' * (MAX_RECORD // 5)
    path.write_bytes(b"email,Billing\nagent00001@example.com,3\nagent00003@example.com," + cells + b"3\n")
    problems = open_spec(path).validate()
    assert [(p.line, p.column) for p in problems] == [(3, 1)]
    assert "the record starting on line 3 runs past 1,048,576 bytes" in problems[0].message


def test_a_long_line_stops_intents_with_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    _write_long_line(path, b"email,Billing\n", b"", size=2 * MAX_RECORD)
    with pytest.raises(SpecError, match="line 2 is longer than"):
        list(open_spec(path).intents())


def test_a_long_line_after_bad_utf8_is_still_reported(tmp_path: Path) -> None:
    """The careful (byte-level) reader enforces the same bound as the fast one."""
    path = tmp_path / "latin1.csv"
    _write_long_line(path, b"email,Billing\nagent00001@example.com,\xe9\n", b"", size=2 * MAX_RECORD)
    problems = open_spec(path).validate()
    assert [(p.line, p.column) for p in problems][-1] == (3, 1) and "not valid UTF-8" in problems[0].message


@pytest.mark.parametrize("last", [b"x" * 10 + b"\n", b"x" * 11])
def test_bounded_lines_take_a_line_of_exactly_the_limit(last: bytes) -> None:
    lines = BoundedLines(io.BytesIO(b"x" * 10 + b"\n" + last), 11)
    assert list(lines) == [b"x" * 10 + b"\n", last] and not lines.overflow


def test_bounded_lines_refuse_one_byte_more_and_name_the_line() -> None:
    lines = BoundedLines(io.BytesIO(b"ok\n" + b"x" * 12 + b"\nok\n"), 11)
    assert list(lines) == [b"ok\n"] and lines.overflow == 2
    assert lines.overflow_problem()[1].startswith("line 2 is longer than 11 bytes")  # type: ignore[index]


def test_bounded_records_add_up_until_new_record() -> None:
    lines = BoundedLines(io.BytesIO(b"aaaa\n" * 6), 11, records=True)
    it = iter(lines)
    assert [next(it), next(it)] == [b"aaaa\n"] * 2
    lines.new_record()
    assert [next(it), next(it)] == [b"aaaa\n"] * 2
    assert list(it) == [] and lines.overflow == 3
    assert "the record starting on line 3 runs past 11 bytes" in lines.overflow_problem()[1]  # type: ignore[index]


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
@pytest.mark.parametrize("depth", [MAX_DEPTH - 3, 100_000])
def test_any_nesting_depth_is_a_problem_never_a_recursion_error(tmp_path: Path, suffix: str, depth: int) -> None:
    deep = "[" * depth + "]" * depth
    user = '{"user": "agent00001@example.com", "description": ' + deep + "}"
    text = user + "\n" if suffix == ".jsonl" else '{"version": 1, "mode": "replace", "users": [' + user + "]}"
    path = tmp_path / f"deep{suffix}"
    path.write_text(text)
    spec = open_spec(path)
    problems = spec.validate()
    too_deep = [p for p in problems if "nested more than" in p.message]
    if depth > MAX_DEPTH:
        enclosing = 3 if suffix == ".json" else 1  # document, "users", the user / the user
        first_past = text.index(deep) + (MAX_DEPTH + 1 - enclosing)  # 1-based column of that bracket
        assert [(p.line, p.column) for p in too_deep] == [(1, first_past)]
    else:
        assert not too_deep  # shallow enough: read, and 'description' is not a user key
