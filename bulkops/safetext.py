"""Characters a value must not carry onto a terminal or into the platform: controls and bidi controls.

A newline in a title prints a line of its own (a fake summary line); an escape sequence
drives the terminal; a right-to-left override (U+202E) shows text in another order than it
is stored. Spec values holding one are refused (``unsafe_char``); anything printed that came
from outside (the spec, the API, a server's header) goes through ``escaped`` first.
"""

from __future__ import annotations

import unicodedata

#: Bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_NAMES = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab", "\x1b": "an escape (ESC)"}


def is_unsafe(char: str) -> bool:
    """A C0/C1 control (tab and newline included), DEL, a bidi control, or a lone surrogate."""
    return char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs")


def unsafe_char(text: str) -> tuple[int, str] | None:
    """(index, what it is) of the first unsafe character in ``text``; None when there is none."""
    for index, char in enumerate(text):
        if is_unsafe(char):
            return index, describe(char)
    return None


def describe(char: str) -> str:
    """A character named for a message: 'a newline', 'U+202E (a bidi override or isolate)'."""
    if char in _NAMES:
        return _NAMES[char]
    kind = "a bidi override or isolate" if char in BIDI_CONTROLS else "a control character"
    if unicodedata.category(char) == "Cs":
        kind = "an unpaired surrogate"
    return f"U+{ord(char):04X} ({kind})"


def escaped(text: str) -> str:
    """``text`` with each unsafe character written as an escape (``\\n``, ``\\x1b``, ``\\u202e``)."""
    if not any(is_unsafe(c) for c in text):
        return text
    return "".join(_escape(c) if is_unsafe(c) else c for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    if char in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escaped_lines(text: str) -> str:
    """``text`` escaped line by line: its own newlines kept, every other unsafe character escaped
    (for a block bulkops laid out itself, such as a summary, holding values from outside)."""
    return "\n".join(escaped(line) for line in text.split("\n"))


#: Spreadsheets run a cell starting with one of these as a formula (CSV injection): a value from the
#: org or the API is not trusted text, so every CSV bulkops writes puts a ``'`` before such a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(text: str) -> str:
    """``text`` as a CSV bulkops writes holds it: a ``'`` before a formula-looking value, and before a
    value that starts with ``'`` itself (so that reading it back does not drop the value's own)."""
    return "'" + text if text.startswith(FORMULA_START) or text.startswith("'") else text


def spreadsheet_value(cell: str) -> str:
    """The value ``spreadsheet_cell`` wrote: a CSV spec read back (``bulkops export``) drops the ``'``
    it put before a formula-looking value or a ``'``, so the exported value round-trips unchanged."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith((*FORMULA_START, "'")) else cell
