"""Audit lines as a test writes them (a dict, the fields it is about), read through the one decoder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bulkops.state.auditline import decode_line
from bulkops.state.records import ItemOutcome, UserOutcome


def user_record(line: Mapping[str, Any]) -> UserOutcome:
    """A user's line (``outcome`` and ``user_id`` defaulted when the test leaves them out), decoded."""
    record = decode_line({"outcome": "applied", "user_id": "u", **line}).record
    assert isinstance(record, UserOutcome)
    return record


def records(lines: list[Mapping[str, Any]]) -> list[UserOutcome | ItemOutcome]:
    """Lines of any kind (a user's with ``user_record``'s defaults), decoded as the readers decode them."""
    return [decode_line(line).record if "kind" in line else user_record(line) for line in lines]
